package io.weft.tgt.core;

import static io.weft.tgt.core.Harness.HOST;
import static io.weft.tgt.core.Harness.MIB;
import static io.weft.tgt.core.Harness.NQN;
import static io.weft.tgt.core.Harness.adminQueue;
import static io.weft.tgt.core.Harness.allZero;
import static io.weft.tgt.core.Harness.assertStatus;
import static io.weft.tgt.core.Harness.assertSuccess;
import static io.weft.tgt.core.Harness.connectAdmin;
import static io.weft.tgt.core.Harness.memory;
import static io.weft.tgt.core.Harness.nsidList;
import static io.weft.tgt.core.Harness.subsystem;
import static io.weft.tgt.core.Harness.wrap;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.weft.protocol.nvme.IdentifyController;
import io.weft.protocol.nvme.IdentifyNamespace;
import io.weft.protocol.nvme.NamespaceDescriptors;
import io.weft.protocol.nvme.Opcodes;
import io.weft.protocol.nvme.Sgl;
import io.weft.protocol.nvme.Status;
import io.weft.tgt.NamespaceInfo;
import io.weft.tgt.Target;
import io.weft.tgt.testing.RawHost;
import io.weft.tgt.testing.RawHost.Completion;
import java.io.IOException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Admin command set basics: sequencing, opcodes, Identify (CNS 00h-03h), Abort. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdminCommandsTest {
  private Target target;

  @BeforeAll
  void start() throws IOException {
    target =
        Harness.start(
            null,
            subsystem(
                NQN,
                List.of(),
                memory(1, 64 * MIB, 512),
                memory(2, 16 * MIB, 4096),
                memory(5, MIB, 512)));
  }

  @AfterAll
  void stop() {
    target.close();
  }

  private static NamespaceInfo info(Target t, int nsid) {
    return t.subsystems().stream()
        .filter(s -> s.nqn().equals(NQN))
        .flatMap(s -> s.namespaces().stream())
        .filter(n -> n.nsid() == nsid)
        .findFirst()
        .orElseThrow();
  }

  /** Namespace identification descriptors by NIDT. */
  static Map<Integer, byte[]> descriptors(byte[] page) {
    Map<Integer, byte[]> out = new HashMap<>();
    int at = 0;
    while (at + 4 <= page.length) {
      int nidt = page[at] & 0xFF;
      int nidl = page[at + 1] & 0xFF;
      if (nidl == 0) {
        break;
      }
      byte[] id = new byte[nidl];
      System.arraycopy(page, at + 4, id, 0, nidl);
      out.put(nidt, id);
      at += 4 + nidl;
    }
    return out;
  }

  static UUID uuid(byte[] id) {
    ByteBuf b = wrap(id);
    return new UUID(b.getLong(0), b.getLong(8));
  }

  @Test
  void adminCommandsBeforeEnableAreCommandSequenceErrors() throws IOException {
    try (RawHost h = connectAdmin(target, NQN, HOST, 0)) {
      int seq = Status.COMMAND_SEQUENCE_ERROR | Status.DNR;
      assertStatus(seq, h.identify(Opcodes.CNS_CONTROLLER, 0));
      assertStatus(seq, h.getLogPage(Opcodes.LOG_SMART, 0xFFFFFFFF, 512, 0));
      assertStatus(seq, h.getFeatures(Opcodes.FEAT_VOLATILE_WRITE_CACHE, 0));
      assertStatus(seq, h.setFeatures(Opcodes.FEAT_NUMBER_OF_QUEUES, 0));
      assertStatus(seq, h.simple(Opcodes.ADMIN_KEEP_ALIVE, 0, 0, 0, 0));
      assertStatus(seq, h.simple(Opcodes.ADMIN_ASYNC_EVENT_REQUEST, 0, 0, 0, 0));
      h.enable();
      assertSuccess(h.identify(Opcodes.CNS_CONTROLLER, 0));
    }
  }

  @Test
  void unknownAdminOpcodeIsInvalidOpcode() throws IOException {
    try (RawHost h = adminQueue(target, NQN)) {
      // Create I/O SQ (not used over fabrics), Format NVM, Namespace Management, vendor specific.
      for (int opcode : new int[] {0x01, 0x80, 0x0D, 0xC0}) {
        assertStatus(Status.INVALID_OPCODE | Status.DNR, h.simple(opcode, 0, 0, 0, 0));
      }
    }
  }

  @Test
  void identifyNamespaceReportsSizeFormatAndSharing() throws IOException {
    try (RawHost h = adminQueue(target, NQN)) {
      byte[] raw1 = assertSuccess(h.identify(Opcodes.CNS_NAMESPACE, 1)).data();
      assertEquals(IdentifyNamespace.SIZE, raw1.length);
      IdentifyNamespace ns1 = IdentifyNamespace.decode(wrap(raw1), 0);
      assertEquals(64L * MIB / 512, ns1.sizeBlocks(), "NSZE");
      assertEquals(64L * MIB / 512, wrap(raw1).getLongLE(IdentifyNamespace.NCAP), "NCAP");
      assertEquals(9, ns1.blockSizeShift(), "LBADS of a 512-byte namespace");
      assertEquals(1, ns1.nmic() & 1, "NMIC bit 0: may be shared (multipath)");
      assertEquals(0, raw1[IdentifyNamespace.FLBAS], "FLBAS: format 0");
      assertEquals(0, wrap(raw1).getShortLE(IdentifyNamespace.LBAF0), "LBAF0.MS: no metadata");
      assertFalse(ns1.readOnly());

      IdentifyNamespace ns2 =
          IdentifyNamespace.decode(
              wrap(assertSuccess(h.identify(Opcodes.CNS_NAMESPACE, 2)).data()), 0);
      assertEquals(16L * MIB / 4096, ns2.sizeBlocks());
      assertEquals(12, ns2.blockSizeShift(), "LBADS of a 4096-byte namespace");
      assertNotEquals(HexFormat.of().formatHex(ns1.nguid()), HexFormat.of().formatHex(ns2.nguid()));
    }
  }

  @Test
  void inactiveNamespaceIdentifiesAsAZeroPage() throws IOException {
    try (RawHost h = adminQueue(target, NQN)) {
      for (int nsid : new int[] {3, 4, 1024}) {
        byte[] page = assertSuccess(h.identify(Opcodes.CNS_NAMESPACE, nsid)).data();
        assertEquals(IdentifyNamespace.SIZE, page.length);
        assertTrue(allZero(page, 0, page.length), "NSID " + nsid + " is inactive");
      }
    }
  }

  @Test
  void namespaceZeroOrBroadcastOrBeyondNnIsInvalidNamespace() throws IOException {
    try (RawHost h = adminQueue(target, NQN)) {
      for (int nsid : new int[] {0, 0xFFFFFFFF, 1025}) {
        assertStatus(
            Status.INVALID_NAMESPACE | Status.DNR, h.identify(Opcodes.CNS_NAMESPACE, nsid));
      }
    }
  }

  @Test
  void activeNamespaceListIsAscendingAndStartsAfterTheGivenNsid() throws IOException {
    try (RawHost h = adminQueue(target, NQN)) {
      assertEquals(List.of(1, 2, 5), list(h, 0));
      assertEquals(List.of(2, 5), list(h, 1));
      assertEquals(List.of(5), list(h, 2));
      assertEquals(List.of(5), list(h, 4));
      assertEquals(List.of(), list(h, 5));
      assertEquals(List.of(), list(h, 0xFFFFFFF0));
      for (int nsid : new int[] {0xFFFFFFFE, 0xFFFFFFFF}) {
        assertStatus(
            Status.INVALID_NAMESPACE | Status.DNR, h.identify(Opcodes.CNS_ACTIVE_NAMESPACES, nsid));
      }
    }
  }

  private static List<Integer> list(RawHost h, int start) throws IOException {
    byte[] page = assertSuccess(h.identify(Opcodes.CNS_ACTIVE_NAMESPACES, start)).data();
    assertEquals(4096, page.length);
    List<Integer> nsids = nsidList(page);
    assertTrue(allZero(page, nsids.size() * 4, page.length), "zero after the last NSID");
    return nsids;
  }

  @Test
  void descriptorListCarriesStableNguidUuidAndCsi() throws IOException {
    try (RawHost h = adminQueue(target, NQN)) {
      byte[] first = assertSuccess(h.identify(Opcodes.CNS_NS_DESCRIPTORS, 1)).data();
      byte[] second = assertSuccess(h.identify(Opcodes.CNS_NS_DESCRIPTORS, 1)).data();
      assertEquals(NamespaceDescriptors.SIZE, first.length);
      assertArrayEquals(first, second, "identifiers do not change between calls");

      Map<Integer, byte[]> d = descriptors(first);
      assertEquals(16, d.get(NamespaceDescriptors.NIDT_NGUID).length);
      assertEquals(16, d.get(NamespaceDescriptors.NIDT_UUID).length);
      assertArrayEquals(new byte[] {0}, d.get(NamespaceDescriptors.NIDT_CSI), "CSI: NVM");
      assertFalse(allZero(d.get(NamespaceDescriptors.NIDT_NGUID), 0, 16));

      IdentifyNamespace ns =
          IdentifyNamespace.decode(
              wrap(assertSuccess(h.identify(Opcodes.CNS_NAMESPACE, 1)).data()), 0);
      assertArrayEquals(ns.nguid(), d.get(NamespaceDescriptors.NIDT_NGUID), "same NGUID");
      NamespaceInfo info = info(target, 1);
      assertEquals(info.uuid(), uuid(d.get(NamespaceDescriptors.NIDT_UUID)).toString());
      assertEquals(info.nguid(), HexFormat.of().formatHex(d.get(NamespaceDescriptors.NIDT_NGUID)));

      Map<Integer, byte[]> other =
          descriptors(assertSuccess(h.identify(Opcodes.CNS_NS_DESCRIPTORS, 5)).data());
      assertFalse(
          java.util.Arrays.equals(
              d.get(NamespaceDescriptors.NIDT_UUID), other.get(NamespaceDescriptors.NIDT_UUID)),
          "namespaces never share a UUID");
      assertFalse(
          java.util.Arrays.equals(
              d.get(NamespaceDescriptors.NIDT_NGUID), other.get(NamespaceDescriptors.NIDT_NGUID)),
          "namespaces never share an NGUID");
    }
  }

  @Test
  void descriptorListOfAnInactiveNamespaceIsInvalidNamespace() throws IOException {
    try (RawHost h = adminQueue(target, NQN)) {
      for (int nsid : new int[] {3, 0, 0xFFFFFFFF}) {
        assertStatus(
            Status.INVALID_NAMESPACE | Status.DNR, h.identify(Opcodes.CNS_NS_DESCRIPTORS, nsid));
      }
    }
  }

  @Test
  void unknownCnsIsInvalidField() throws IOException {
    try (RawHost h = adminQueue(target, NQN)) {
      // 10h allocated namespace list, 12h controller list, 1Fh, FFh: none offered.
      for (int cns : new int[] {0x10, 0x12, 0x1F, 0xFF}) {
        assertStatus(Status.INVALID_FIELD | Status.DNR, h.identify(cns, 0));
      }
    }
  }

  @Test
  void identifyControllerHasWhatTheLinuxHostRequires() throws IOException {
    try (RawHost h = adminQueue(target, NQN)) {
      Completion c = assertSuccess(h.identify(Opcodes.CNS_CONTROLLER, 0));
      byte[] raw = c.data();
      assertEquals(IdentifyController.SIZE, raw.length);
      ByteBuf b = wrap(raw);
      IdentifyController id = IdentifyController.decode(b, 0);

      assertEquals(h.cntlid, id.cntlid());
      assertEquals(1, id.controllerType(), "CNTRLTYPE: I/O controller");
      assertEquals(0x00010300, id.version(), "VER 1.3");
      assertEquals(NQN, id.subsystemNqn());
      assertEquals("WEFTCORE0001", id.serial());
      assertEquals("Weft core test", id.model());
      assertEquals(Version.FIRMWARE, id.firmware());
      assertNotEquals(0, id.keepAliveSupport(), "KAS: keep alive is mandatory on fabrics");
      assertEquals(1, id.sgls() & 3, "SGLS bits 1:0: SGLs supported");
      assertEquals(1, id.sgls() >>> 20 & 1, "SGLS bit 20: address as offset (in-capsule data)");
      assertTrue(id.ioccsz() >= 4, "IOCCSZ >= 4: " + id.ioccsz());
      assertEquals(
          (64 + Harness.tuning().inCapsuleDataSize()) / 16,
          id.ioccsz(),
          "IOCCSZ covers the SQE and the in-capsule data size");
      assertEquals(1, id.iorcsz(), "IORCSZ: 16-byte response capsules");
      assertEquals(0, b.getUnsignedShortLE(IdentifyController.ICDOFF), "ICDOFF must be 0");
      assertEquals(0, b.getUnsignedByte(IdentifyController.FCATT), "dynamic controller model");
      assertTrue(id.maxcmd() >= 128, "MAXCMD covers the Linux default queue depth");
      assertEquals(1, id.oaes() >>> 8 & 1, "OAES bit 8: namespace attribute notices");
      assertEquals(Harness.tuning().mdts(), id.mdts(), "MDTS");
      assertEquals(1, id.cmic() >>> 1 & 1, "CMIC bit 1: more than one controller");
      assertEquals(1, id.cmic() >>> 3 & 1, "CMIC bit 3: ANA reporting");
      assertEquals(1, id.oaes() >>> 11 & 1, "OAES bit 11: ANA change notices");
      // The Linux host refuses ANA without MNAN in 1..NN, and an ANA log larger than MDTS.
      assertTrue(id.ana().mnan() >= 1 && id.ana().mnan() <= id.numberOfNamespaces(), "MNAN");
      long anaLogMax = 16L + 32L * id.ana().nanagrpid() + 4L * id.ana().mnan();
      assertTrue(anaLogMax <= IdentifyController.maxTransferBytes(id.mdts()), "ANA log fits MDTS");
      assertEquals(0x5F, id.ana().anacap(), "ANACAP: every state, static group IDs");
      assertTrue(id.ana().anatt() > 0, "ANATT");
      assertEquals(1, id.ctratt() >>> 6 & 1, "CTRATT bit 6: traffic based keep alive");
      assertEquals(0b110, id.lpa() & 0b110, "LPA: effects log, extended data (offsets)");
      assertEquals(Subsystem.MAX_NAMESPACES, id.numberOfNamespaces(), "NN");
      assertEquals(
          IdentifyController.ONCS_DSM | IdentifyController.ONCS_WRITE_ZEROES,
          id.oncs() & (IdentifyController.ONCS_DSM | IdentifyController.ONCS_WRITE_ZEROES),
          "ONCS: Dataset Management and Write Zeroes");
      assertEquals(1, id.vwc() & 1, "VWC: volatile write cache present");
      assertEquals(0x66, b.getUnsignedByte(IdentifyController.SQES));
      assertEquals(0x44, b.getUnsignedByte(IdentifyController.CQES));
      assertEquals(Controller.MAX_AERS - 1, id.aerl(), "AERL");
      assertEquals(ErrorLog.ENTRIES - 1, id.elpe(), "ELPE");
      assertEquals(0, b.getUnsignedByte(265), "APSTA 0: no autonomous power state changes");
    }
  }

  @Test
  void identifyIntoABufferOtherThan4096BytesIsDataSglLengthInvalid() throws IOException {
    try (RawHost h = adminQueue(target, NQN)) {
      for (int length : new int[] {1024, 8192}) {
        assertStatus(
            Status.SGL_DATA_LENGTH_INVALID | Status.DNR,
            h.commandWithSgl(
                Harness.sqe(Opcodes.ADMIN_IDENTIFY, 0, Opcodes.CNS_CONTROLLER, 0, 0),
                Sgl.TRANSPORT_DATA_BLOCK,
                length,
                null));
      }
    }
  }

  @Test
  void abortReportsTheCommandWasNotAborted() throws IOException {
    try (RawHost h = adminQueue(target, NQN)) {
      // Abort CID 1 on the admin queue: already completed, so nothing to abort.
      Completion c = assertSuccess(h.simple(Opcodes.ADMIN_ABORT, 0, 1 << 16, 0, 0));
      assertEquals(1, c.result() & 1, "DW0 bit 0: command not aborted");
    }
  }
}
