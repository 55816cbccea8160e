package io.weft.tgt.core;

import static io.weft.tgt.core.Harness.HOST;
import static io.weft.tgt.core.Harness.HOST2;
import static io.weft.tgt.core.Harness.MIB;
import static io.weft.tgt.core.Harness.NQN;
import static io.weft.tgt.core.Harness.adminQueue;
import static io.weft.tgt.core.Harness.assertInvalidParameter;
import static io.weft.tgt.core.Harness.assertStatus;
import static io.weft.tgt.core.Harness.assertSuccess;
import static io.weft.tgt.core.Harness.connectAdmin;
import static io.weft.tgt.core.Harness.grantQueues;
import static io.weft.tgt.core.Harness.memory;
import static io.weft.tgt.core.Harness.newQueue;
import static io.weft.tgt.core.Harness.subsystem;
import static io.weft.tgt.core.Harness.wrap;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.protocol.discovery.DiscoveryLogPage;
import io.weft.protocol.fabrics.ConnectData;
import io.weft.protocol.nvme.ControllerRegisters;
import io.weft.protocol.nvme.IdentifyController;
import io.weft.protocol.nvme.Opcodes;
import io.weft.protocol.nvme.Sqe;
import io.weft.protocol.nvme.Status;
import io.weft.tgt.Target;
import io.weft.tgt.testing.RawHost;
import io.weft.tgt.testing.RawHost.Completion;
import java.io.IOException;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Fabrics Connect (NVMe over Fabrics 1.1, Connect command and response): admin and I/O queues. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FabricsConnectTest {
  private static final String RESTRICTED = "nqn.2026-11.io.weft.test:restricted";

  /** Byte offsets a host is pointed at in Connect Invalid Parameters (IPO). */
  private static final int IPO_QID = 42;

  private static final int IPO_SQSIZE = 44;

  private Target target;

  @BeforeAll
  void start() throws IOException {
    target =
        Harness.start(
            null,
            subsystem(NQN, List.of(), memory(1, MIB, 512)),
            subsystem(RESTRICTED, List.of(HOST), memory(1, MIB, 512)));
  }

  @AfterAll
  void stop() {
    target.close();
  }

  private RawHost fresh() throws IOException {
    RawHost h = new RawHost(Harness.address(target));
    h.initialize(false, false);
    return h;
  }

  private static ConnectData data(int cntlid, String subnqn, String hostNqn) {
    return new ConnectData(RawHost.HOST_ID, cntlid, subnqn, hostNqn);
  }

  @Test
  void unknownSubsystemIsInvalidParameterPointingAtSubnqn() throws IOException {
    try (RawHost h = fresh()) {
      Completion c = h.connect(0, "nqn.2026-11.io.weft.test:no-such-thing", HOST, 31, 0);
      assertInvalidParameter(c, true, 256);
      assertEquals(ConnectData.SUBNQN, 256);
    }
  }

  @Test
  void hostNotOnTheAllowListIsInvalidHostAndAnAllowedHostConnects() throws IOException {
    try (RawHost denied = fresh();
        RawHost allowed = fresh();
        RawHost open = fresh()) {
      Completion refused = denied.connect(0, RESTRICTED, HOST2, 31, 0);
      assertStatus(Status.CONNECT_INVALID_HOST | Status.DNR, refused);
      // No controller, so no error log entry and no More bit: the Linux host matches the status
      // exactly to print "Connect Invalid Host" instead of a bare number.
      assertFalse(Status.more(refused.status()), refused.toString());
      Completion ok = assertSuccess(allowed.connect(0, RESTRICTED, HOST, 31, 0));
      int cntlid = (int) (ok.result() & 0xFFFF);
      assertTrue(cntlid >= 1 && cntlid <= 0xFFEF, "dynamic CNTLID range: " + cntlid);
      // An empty allow-list admits anyone.
      assertSuccess(open.connect(0, NQN, HOST2, 31, 0));
    }
  }

  /** SPDK's initiator tools send an empty Host NQN unless told one; nvmet and nvmf_tgt take it. */
  @Test
  void emptyHostNqnConnectsAndDoesIoWhereAnyHostMay() throws IOException {
    try (RawHost admin = fresh()) {
      assertSuccess(admin.connectWith(0, 0, 31, 0, 0, data(0xFFFF, NQN, "")));
      admin.enable();
      grantQueues(admin, 1);
      try (RawHost io = newQueue(target, admin)) {
        assertSuccess(io.connectWith(0, 1, 31, 0, 0, data(admin.cntlid, NQN, "")));
        byte[] block = Harness.pattern(512, 6);
        assertSuccess(io.write(1, 3, block, 512, true));
        assertArrayEquals(block, assertSuccess(io.read(1, 3, 1, 512)).data());
      }
      // The I/O queue must come from the same (empty) host NQN as its controller.
      try (RawHost other = newQueue(target, admin)) {
        assertStatus(
            Status.CONNECT_INVALID_PARAMETERS | Status.DNR,
            other.connectWith(0, 1, 31, 0, 0, data(admin.cntlid, NQN, HOST)));
      }
    }
  }

  @Test
  void emptyHostNqnIsInvalidHostWhereThereIsAnAllowList() throws IOException {
    try (RawHost h = fresh()) {
      Completion c = h.connectWith(0, 0, 31, 0, 0, data(0xFFFF, RESTRICTED, ""));
      assertStatus(Status.CONNECT_INVALID_HOST | Status.DNR, c);
      assertTrue(
          target.controllers().stream().noneMatch(ci -> ci.hostNqn().isEmpty()),
          "no controller is created for the refused host");
    }
  }

  @Test
  void unterminatedHostNqnIsInvalidParameterPointingAtHostnqn() throws IOException {
    try (RawHost h = fresh()) {
      String full = "nqn.2026-11.io.weft.test:" + "x".repeat(ConnectData.NQN_FIELD_SIZE - 25);
      assertEquals(ConnectData.NQN_FIELD_SIZE, full.length(), "fills the field, no NUL");
      assertInvalidParameter(
          h.connectWith(0, 0, 31, 0, 0, data(0xFFFF, NQN, full)), true, ConnectData.HOSTNQN);
      // The longest terminated NQN (255 bytes) is fine.
      assertSuccess(h.connectWith(0, 0, 31, 0, 0, data(0xFFFF, NQN, full.substring(1))));
    }
  }

  @Test
  void zeroAndRandomHostIdentifiersAreAccepted() throws IOException {
    for (UUID id : List.of(new UUID(0, 0), UUID.randomUUID())) {
      try (RawHost h = fresh()) {
        assertSuccess(h.connectWith(0, 0, 31, 0, 0, new ConnectData(id, 0xFFFF, NQN, HOST)));
        int cntlid = h.cntlid;
        assertEquals(
            id.toString(),
            target.controllers().stream()
                .filter(ci -> ci.cntlid() == cntlid && ci.subsystemNqn().equals(NQN))
                .findFirst()
                .orElseThrow()
                .hostId());
      }
    }
  }

  @Test
  void adminQueueMayBeAsDeepAsMqesButNoDeeper() throws IOException {
    int mqes;
    try (RawHost probe = adminQueue(target, NQN)) {
      mqes =
          ControllerRegisters.capMqes(
              assertSuccess(probe.propertyGet(ControllerRegisters.CAP, true)).result());
    }
    try (RawHost deep = fresh();
        RawHost tooDeep = fresh()) {
      assertSuccess(deep.connectWith(0, 0, mqes, 0, 0, data(0xFFFF, NQN, HOST)));
      assertInvalidParameter(
          tooDeep.connectWith(0, 0, mqes + 1, 0, 0, data(0xFFFF, NQN, HOST)), false, IPO_SQSIZE);
      // The deep admin queue works.
      deep.enable();
      assertSuccess(deep.identify(Opcodes.CNS_CONTROLLER, 0));
    }
  }

  /** KATO is rounded up to the 1 s granularity we advertise (KAS); any 32-bit value is taken. */
  @Test
  void oddKeepAliveTimeoutsAreRoundedUpToWholeSeconds() throws IOException {
    long[][] cases = {{1, 1000}, {1001, 2000}, {0xFFFF_FFFFL, 4_294_967_000L}};
    for (long[] c : cases) {
      try (RawHost h = fresh()) {
        assertSuccess(h.connectWith(0, 0, 31, 0, (int) c[0], data(0xFFFF, NQN, HOST)));
        h.enable();
        long reported = assertSuccess(h.getFeatures(Opcodes.FEAT_KEEP_ALIVE_TIMER, 0)).result();
        assertEquals(c[1] & 0xFFFF_FFFFL, reported, "KATO " + c[0] + " ms");
      }
    }
  }

  @Test
  void discoveryControllerWithoutKeepAliveStillGetsADeadline() throws IOException {
    try (RawHost h = fresh()) {
      assertSuccess(
          h.connectWith(0, 0, 31, 0, 0, data(0xFFFF, DiscoveryLogPage.DISCOVERY_NQN, HOST)));
      h.enable();
      assertEquals(
          FabricsCommands.DISCOVERY_DEFAULT_KATO_MS,
          assertSuccess(h.getFeatures(Opcodes.FEAT_KEEP_ALIVE_TIMER, 0)).result());
    }
  }

  /** CATTR bits other than 2 (SQ flow control disable) are ignored, as nvmet ignores them. */
  @Test
  void unknownConnectAttributesAreIgnored() throws IOException {
    try (RawHost h = fresh()) {
      assertSuccess(h.connectWith(0, 0, 31, 0xFB, 0, data(0xFFFF, NQN, HOST)));
      h.enable();
      assertSuccess(h.identify(Opcodes.CNS_CONTROLLER, 0));
    }
  }

  @Test
  void nonZeroRecordFormatIsIncompatibleFormat() throws IOException {
    try (RawHost h = fresh()) {
      Completion c = h.connectWith(1, 0, 31, 0, 0, data(0xFFFF, NQN, HOST));
      assertStatus(Status.CONNECT_INCOMPATIBLE_FORMAT | Status.DNR, c);
    }
  }

  @Test
  void adminConnectMustAskForADynamicController() throws IOException {
    try (RawHost h = fresh()) {
      Completion c = h.connectWith(0, 0, 31, 0, 0, data(1, NQN, HOST));
      assertInvalidParameter(c, true, ConnectData.CNTLID);
    }
  }

  @Test
  void zeroQueueSizeIsInvalidParameter() throws IOException {
    try (RawHost admin = fresh()) {
      assertInvalidParameter(
          admin.connectWith(0, 0, 0, 0, 0, data(0xFFFF, NQN, HOST)), false, IPO_SQSIZE);
      assertSuccess(admin.connect(0, NQN, HOST, 31, 0));
      admin.enable();
      grantQueues(admin, 1);
      try (RawHost io = newQueue(target, admin)) {
        assertInvalidParameter(
            io.connectWith(0, 1, 0, 0, 0, data(admin.cntlid, NQN, HOST)), false, IPO_SQSIZE);
      }
    }
  }

  @Test
  void ioQueueLargerThanMqesIsInvalidParameter() throws IOException {
    try (RawHost admin = adminQueue(target, NQN)) {
      long cap = assertSuccess(admin.propertyGet(ControllerRegisters.CAP, true)).result();
      int mqes = ControllerRegisters.capMqes(cap);
      grantQueues(admin, 2);
      try (RawHost tooBig = newQueue(target, admin);
          RawHost largest = newQueue(target, admin)) {
        assertInvalidParameter(
            tooBig.connectWith(0, 1, mqes + 1, 0, 0, data(admin.cntlid, NQN, HOST)),
            false,
            IPO_SQSIZE);
        assertSuccess(largest.connectWith(0, 2, mqes, 0, 0, data(admin.cntlid, NQN, HOST)));
      }
    }
  }

  @Test
  void ioConnectBeforeEnableIsRefused() throws IOException {
    try (RawHost admin = connectAdmin(target, NQN, HOST, 0);
        RawHost io = newQueue(target, admin)) {
      assertInvalidParameter(io.connect(1, NQN, HOST, 31, 0), false, IPO_QID);
    }
  }

  @Test
  void ioConnectBeforeNumberOfQueuesIsRefused() throws IOException {
    try (RawHost admin = adminQueue(target, NQN);
        RawHost io = newQueue(target, admin)) {
      assertInvalidParameter(io.connect(1, NQN, HOST, 31, 0), false, IPO_QID);
    }
  }

  @Test
  void ioConnectAboveTheGrantedQueueCountIsRefused() throws IOException {
    try (RawHost admin = adminQueue(target, NQN);
        RawHost q1 = newQueue(target, admin);
        RawHost q2 = newQueue(target, admin);
        RawHost q3 = newQueue(target, admin)) {
      assertEquals(0x00010001L, grantQueues(admin, 2));
      assertInvalidParameter(q3.connect(3, NQN, HOST, 31, 0), false, IPO_QID);
      assertSuccess(q2.connect(2, NQN, HOST, 31, 0));
      assertSuccess(q1.connect(1, NQN, HOST, 31, 0));
    }
  }

  @Test
  void duplicateQidIsCommandSequenceError() throws IOException {
    try (RawHost admin = adminQueue(target, NQN);
        RawHost first = newQueue(target, admin);
        RawHost second = newQueue(target, admin)) {
      grantQueues(admin, 2);
      assertSuccess(first.connect(1, NQN, HOST, 31, 0));
      assertStatus(Status.COMMAND_SEQUENCE_ERROR | Status.DNR, second.connect(1, NQN, HOST, 31, 0));
      // The queue that holds QID 1 is unaffected.
      assertSuccess(first.command(RawHost.rw(Opcodes.NVM_FLUSH, 1, 0, 1, 0), null, 0));
    }
  }

  @Test
  void ioConnectToAnUnknownControllerIsInvalidParameterPointingAtCntlid() throws IOException {
    try (RawHost admin = adminQueue(target, NQN);
        RawHost io = newQueue(target, admin)) {
      grantQueues(admin, 1);
      Completion c = io.connectWith(0, 1, 31, 0, 0, data(admin.cntlid + 1000, NQN, HOST));
      assertInvalidParameter(c, true, ConnectData.CNTLID);
    }
  }

  @Test
  void ioConnectFromAnotherHostNqnIsRefused() throws IOException {
    try (RawHost admin = adminQueue(target, NQN);
        RawHost io = newQueue(target, admin)) {
      grantQueues(admin, 1);
      Completion c = io.connectWith(0, 1, 31, 0, 0, data(admin.cntlid, NQN, HOST2));
      assertStatus(Status.CONNECT_INVALID_PARAMETERS | Status.DNR, c);
      assertEquals(1, (c.result() >>> 16) & 1, "IATTR: the offending field is in the data");
      long ipo = c.result() & 0xFFFF;
      assertTrue(
          ipo == ConnectData.CNTLID || ipo == ConnectData.HOSTNQN,
          "IPO names the controller ID or the host NQN: " + ipo);
    }
  }

  @Test
  void secondConnectOnAConnectedQueueIsCommandSequenceError() throws IOException {
    try (RawHost admin = adminQueue(target, NQN);
        RawHost io = newQueue(target, admin)) {
      assertStatus(Status.COMMAND_SEQUENCE_ERROR | Status.DNR, admin.connect(0, NQN, HOST, 31, 0));
      grantQueues(admin, 1);
      assertSuccess(io.connect(1, NQN, HOST, 31, 0));
      assertStatus(Status.COMMAND_SEQUENCE_ERROR | Status.DNR, io.connect(1, NQN, HOST, 31, 0));
      // Both queues still work.
      assertSuccess(admin.identify(Opcodes.CNS_CONTROLLER, 0));
      assertSuccess(io.command(RawHost.rw(Opcodes.NVM_FLUSH, 1, 0, 1, 0), null, 0));
    }
  }

  @Test
  void commandsBeforeConnectAreCommandSequenceErrors() throws IOException {
    try (RawHost h = fresh()) {
      assertStatus(
          Status.COMMAND_SEQUENCE_ERROR | Status.DNR, h.identify(Opcodes.CNS_CONTROLLER, 0));
      assertStatus(
          Status.COMMAND_SEQUENCE_ERROR | Status.DNR,
          h.propertyGet(ControllerRegisters.CSTS, false));
      assertStatus(
          Status.COMMAND_SEQUENCE_ERROR | Status.DNR,
          h.propertySet(ControllerRegisters.CC, Harness.CC_ENABLED));
      assertStatus(
          Status.COMMAND_SEQUENCE_ERROR | Status.DNR,
          h.simple(Opcodes.ADMIN_KEEP_ALIVE, 0, 0, 0, 0));
      assertStatus(Status.COMMAND_SEQUENCE_ERROR | Status.DNR, h.read(1, 0, 1, 512));
      // The queue is not spoiled: a Connect still works.
      assertSuccess(h.connect(0, NQN, HOST, 31, 0));
    }
  }

  @Test
  void controllersGetUniqueIdsThatIdentifyReports() throws IOException {
    try (RawHost a = adminQueue(target, NQN);
        RawHost b = adminQueue(target, NQN);
        RawHost c = adminQueue(target, NQN, HOST2, 0)) {
      assertNotEquals(a.cntlid, b.cntlid);
      assertNotEquals(a.cntlid, c.cntlid);
      assertNotEquals(b.cntlid, c.cntlid);
      for (RawHost h : List.of(a, b, c)) {
        IdentifyController id =
            IdentifyController.decode(
                wrap(assertSuccess(h.identify(Opcodes.CNS_CONTROLLER, 0)).data()), 0);
        assertEquals(h.cntlid, id.cntlid(), "Identify CNTLID equals the Connect result");
      }
    }
  }

  @Test
  void connectResponseEchoesTheCommandAndQueue() throws IOException {
    try (RawHost admin = fresh()) {
      Completion c = assertSuccess(admin.connect(0, NQN, HOST, 31, 0));
      assertEquals(0, c.sqid(), "admin Connect completes on SQ 0");
      assertEquals(0, c.result() >>> 16 & 0xFFFF, "no authentication requested (AUTHREQ 0)");
      admin.enable();
      grantQueues(admin, 1);
      try (RawHost io = newQueue(target, admin)) {
        Completion ioc = assertSuccess(io.connect(1, NQN, HOST, 31, 0));
        assertEquals(1, ioc.sqid(), "I/O Connect completes on its own SQ");
        assertEquals(admin.cntlid, ioc.result() & 0xFFFF, "I/O Connect returns the CNTLID");
      }
    }
  }

  /** Fabrics command types other than Connect and Property Get/Set are not offered. */
  @Test
  void unknownFabricsCommandTypeIsInvalidOpcode() throws IOException {
    try (RawHost admin = adminQueue(target, NQN)) {
      Completion c =
          admin.command(
              sqe -> {
                sqe.setByte(Sqe.OPCODE, Opcodes.FABRICS);
                sqe.setByte(Sqe.FCTYPE, 0x0C);
              },
              null,
              0);
      assertStatus(Status.INVALID_OPCODE | Status.DNR, c);
    }
  }
}
