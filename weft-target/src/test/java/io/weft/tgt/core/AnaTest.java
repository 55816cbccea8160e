package io.weft.tgt.core;

import static io.weft.tgt.core.Harness.HOST;
import static io.weft.tgt.core.Harness.MIB;
import static io.weft.tgt.core.Harness.NQN;
import static io.weft.tgt.core.Harness.assertStatus;
import static io.weft.tgt.core.Harness.assertSuccess;
import static io.weft.tgt.core.Harness.grantQueues;
import static io.weft.tgt.core.Harness.memory;
import static io.weft.tgt.core.Harness.subsystem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.protocol.nvme.AnaLogPage;
import io.weft.protocol.nvme.AsyncEvent;
import io.weft.protocol.nvme.IdentifyNamespace;
import io.weft.protocol.nvme.Opcodes;
import io.weft.protocol.nvme.Status;
import io.weft.tgt.AnaStateInfo;
import io.weft.tgt.Target;
import io.weft.tgt.TargetException;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.testing.RawHost;
import io.weft.tgt.testing.RawHost.Completion;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Asymmetric Namespace Access on a target with two ports (listeners): the ANA log page with and
 * without RGO, per-port states changed at run time, the ANA change notice, and the path-related
 * status an I/O gets on an inaccessible path, with the connection kept.
 */
class AnaTest {
  private static final int AER_CID = 31;
  private static final int AEC_ANA = 1 << 11;
  private static final int RGO = 1 << 8;

  private Target target;

  @BeforeEach
  void start() throws IOException {
    target =
        Harness.start(
            null,
            Harness.tuning(),
            List.of(ListenerConfig.of("127.0.0.1", 0), ListenerConfig.of("127.0.0.1", 0)),
            List.of(subsystem(NQN, List.of(), memory(1, MIB, 512), memory(2, MIB, 512))));
  }

  @AfterEach
  void stop() {
    target.close();
  }

  /** An enabled admin queue on port 1 or 2, with ANA notices enabled. */
  private RawHost admin(int port) throws IOException {
    InetSocketAddress at = target.listenAddresses().get(port - 1);
    RawHost h = new RawHost(at);
    h.initialize(false, false);
    assertSuccess(h.connect(0, NQN, HOST, 31, 0));
    h.enable();
    h.reserveCid(AER_CID);
    assertSuccess(h.setFeatures(Opcodes.FEAT_ASYNC_EVENT_CONFIG, AEC_ANA));
    return h;
  }

  private static AnaLogPage readLog(RawHost h, boolean groupsOnly, boolean retain)
      throws IOException {
    Completion c =
        assertSuccess(
            h.command(
                sqe -> {
                  sqe.setByte(0, Opcodes.ADMIN_GET_LOG_PAGE);
                  sqe.setIntLE(4, 0xFFFFFFFF);
                  int numd = 4096 / 4 - 1;
                  sqe.setIntLE(
                      40,
                      Opcodes.LOG_ANA
                          | (groupsOnly ? RGO : 0)
                          | (retain ? 1 << 15 : 0)
                          | (numd & 0xFFFF) << 16);
                },
                null,
                4096));
    return decode(Unpooled.wrappedBuffer(c.data()));
  }

  /** Reads back what {@link AnaLogPage#encode} wrote (the test's own decoder). */
  private static AnaLogPage decode(ByteBuf b) {
    long changeCount = b.getLongLE(0);
    int n = b.getUnsignedShortLE(8);
    List<AnaLogPage.Group> groups = new java.util.ArrayList<>();
    int at = AnaLogPage.HEADER_SIZE;
    for (int i = 0; i < n; i++) {
      int nnsid = b.getIntLE(at + 4);
      int[] nsids = new int[nnsid];
      for (int k = 0; k < nnsid; k++) {
        nsids[k] = b.getIntLE(at + AnaLogPage.DESCRIPTOR_SIZE + 4 * k);
      }
      groups.add(
          new AnaLogPage.Group(
              b.getIntLE(at), b.getLongLE(at + 8), b.getUnsignedByte(at + 16) & 0xF, nsids));
      at += AnaLogPage.DESCRIPTOR_SIZE + 4 * nnsid;
    }
    return new AnaLogPage(changeCount, groups);
  }

  @Test
  void everyNamespaceIsItsOwnGroupAndStartsOptimized() throws Exception {
    try (RawHost h = admin(1)) {
      AnaLogPage log = readLog(h, false, false);
      assertEquals(0, log.changeCount());
      assertEquals(2, log.groups().size());
      for (int i = 0; i < 2; i++) {
        AnaLogPage.Group g = log.groups().get(i);
        assertEquals(i + 1, g.groupId());
        assertEquals(AnaLogPage.OPTIMIZED, g.state());
        assertEquals(List.of(i + 1), java.util.Arrays.stream(g.nsids()).boxed().toList());
      }
      AnaLogPage groupsOnly = readLog(h, true, false);
      assertEquals(2, groupsOnly.groups().size());
      assertEquals(0, groupsOnly.groups().get(0).nsids().length, "RGO: no NSID lists");
      IdentifyNamespace ns =
          IdentifyNamespace.decode(
              Unpooled.wrappedBuffer(assertSuccess(h.identify(Opcodes.CNS_NAMESPACE, 2)).data()),
              0);
      assertEquals(2, ns.anaGroupId(), "ANAGRPID is the NSID");
    }
  }

  @Test
  void anInaccessiblePathFailsIoWithAPathStatusAndKeepsTheConnection() throws Exception {
    try (RawHost h = admin(1)) {
      grantQueues(h, 1);
      try (RawHost io = Harness.ioQueue(target, h, 1, 31)) {
        byte[] block = Harness.pattern(512, 3);
        assertSuccess(io.write(1, 0, block, 512, true));
        h.asyncEventRequest(AER_CID);
        target.setAnaState(NQN, 1, 1, "inaccessible");
        Completion notice = h.await(AER_CID);
        assertEquals(AsyncEvent.ANA_CHANGE, (int) notice.result(), notice.toString());

        Completion refused = io.read(1, 0, 1, 512);
        assertStatus(Status.ANA_INACCESSIBLE, refused); // SCT 3, SC 2, no DNR
        assertFalse(Status.dnr(refused.status()), "a multipath host may retry elsewhere");
        assertSuccess(io.read(2, 0, 1, 512)); // group 2 is still optimized
        assertSuccess(h.identify(Opcodes.CNS_NAMESPACE, 1)); // admin works on the path

        AnaLogPage log = readLog(h, false, false);
        assertEquals(1, log.changeCount());
        assertEquals(AnaLogPage.INACCESSIBLE, log.groups().get(0).state());
        assertEquals(1, log.groups().get(0).changeCount());
        assertEquals(AnaLogPage.OPTIMIZED, log.groups().get(1).state());

        target.setAnaState(NQN, 1, 1, "change");
        assertStatus(Status.ANA_TRANSITION, io.read(1, 0, 1, 512));
        target.setAnaState(NQN, 1, 1, "persistent-loss");
        assertStatus(Status.ANA_PERSISTENT_LOSS, io.read(1, 0, 1, 512));
        target.setAnaState(NQN, 1, 1, "non-optimized");
        assertEquals(
            List.of(block[0], block[511]),
            List.of(
                assertSuccess(io.read(1, 0, 1, 512)).data()[0],
                assertSuccess(io.read(1, 0, 1, 512)).data()[511]),
            "the data is untouched and served again");
      }
    }
  }

  @Test
  void statesArePerPortAndNoticesGoOnlyToThatPort() throws Exception {
    try (RawHost one = admin(1);
        RawHost two = admin(2)) {
      one.asyncEventRequest(AER_CID);
      two.asyncEventRequest(AER_CID);
      target.setAnaState(NQN, 2, 1, "non-optimized");
      assertEquals(AsyncEvent.ANA_CHANGE, (int) two.await(AER_CID).result());
      assertNull(one.poll(300), "port 1 did not change");
      assertEquals(AnaLogPage.OPTIMIZED, readLog(one, true, false).groups().get(0).state());
      assertEquals(AnaLogPage.NON_OPTIMIZED, readLog(two, true, false).groups().get(0).state());
      assertEquals(
          new AnaStateInfo(2, 1, "non-optimized"),
          target.anaStates(NQN).stream()
              .filter(s -> s.port() == 2 && s.group() == 1)
              .findFirst()
              .orElseThrow());
    }
  }

  @Test
  void theNoticeStaysMaskedUntilTheLogIsReadWithoutRae() throws Exception {
    try (RawHost h = admin(1)) {
      h.asyncEventRequest(AER_CID);
      target.setAnaState(NQN, 1, 1, "non-optimized");
      h.await(AER_CID);
      h.asyncEventRequest(AER_CID);
      target.setAnaState(NQN, 1, 1, "optimized");
      assertNull(h.poll(300), "masked: the host has not read the log");
      readLog(h, false, true);
      assertNull(h.poll(300), "RAE keeps it masked");
      readLog(h, false, false);
      target.setAnaState(NQN, 1, 2, "inaccessible");
      assertEquals(AsyncEvent.ANA_CHANGE, (int) h.await(AER_CID).result());
    }
  }

  @Test
  void badStatesPortsAndGroupsAreRefused() throws Exception {
    for (Runnable bad :
        List.<Runnable>of(
            () -> set(NQN, 1, 1, "sideways"),
            () -> set(NQN, 3, 1, "optimized"),
            () -> set(NQN, 1, 0, "optimized"),
            () -> set("nqn.2026-11.io.weft.test:none", 1, 1, "optimized"))) {
      assertThrows(IllegalStateException.class, bad::run);
    }
    assertTrue(target.anaStates(NQN).stream().allMatch(s -> s.state().equals("optimized")));
  }

  private void set(String nqn, int port, int group, String state) {
    try {
      target.setAnaState(nqn, port, group, state);
    } catch (TargetException e) {
      throw new IllegalStateException(e);
    }
  }
}
