package io.weft.tgt.core;

import static io.weft.tgt.core.Harness.MIB;
import static io.weft.tgt.core.Harness.NQN;
import static io.weft.tgt.core.Harness.adminQueue;
import static io.weft.tgt.core.Harness.assertSuccess;
import static io.weft.tgt.core.Harness.grantQueues;
import static io.weft.tgt.core.Harness.ioQueue;
import static io.weft.tgt.core.Harness.pattern;
import static io.weft.tgt.core.Harness.subsystem;
import static io.weft.tgt.core.Harness.wrap;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.protocol.nvme.IdentifyNamespace;
import io.weft.protocol.nvme.NamespaceDescriptors;
import io.weft.protocol.nvme.Opcodes;
import io.weft.tgt.Target;
import io.weft.tgt.config.NamespaceConfig;
import io.weft.tgt.testing.RawHost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A file namespace keeps its data and its identity (NGUID, UUID) across a target restart. */
class PersistenceTest {
  private static final long SIZE = 16L * MIB;

  @TempDir Path dataDir;

  /** What a host learns about NSID 1: Identify NGUID and the CNS 03h descriptor list. */
  private record Identity(byte[] identifyNguid, byte[] descriptors) {}

  private Target start(String file) throws IOException {
    return Harness.start(dataDir, subsystem(NQN, List.of(), NamespaceConfig.file(1, file, SIZE)));
  }

  private static Identity identity(RawHost admin) throws IOException {
    IdentifyNamespace ns =
        IdentifyNamespace.decode(
            wrap(assertSuccess(admin.identify(Opcodes.CNS_NAMESPACE, 1)).data()), 0);
    assertEquals(SIZE / 512, ns.sizeBlocks());
    return new Identity(
        ns.nguid(), assertSuccess(admin.identify(Opcodes.CNS_NS_DESCRIPTORS, 1)).data());
  }

  @Test
  void dataAndIdentifiersSurviveARestart() throws IOException {
    byte[] head = pattern(8192, 1);
    byte[] far = pattern(192 * 1024, 2);
    long farLba = SIZE / 512 - far.length / 512;
    Identity before;
    try (Target t = start("vol1.img");
        RawHost admin = adminQueue(t, NQN)) {
      grantQueues(admin, 1);
      try (RawHost io = ioQueue(t, admin, 1, 31)) {
        assertSuccess(io.write(1, 0, head, 512, true));
        assertSuccess(io.write(1, farLba, far, 512, false));
        assertSuccess(io.command(RawHost.rw(Opcodes.NVM_FLUSH, 1, 0, 1, 0), null, 0));
      }
      before = identity(admin);
    }
    assertTrue(Files.exists(dataDir.resolve("vol1.img")), "relative paths are under dataDir");

    try (Target t = start("vol1.img");
        RawHost admin = adminQueue(t, NQN)) {
      grantQueues(admin, 1);
      try (RawHost io = ioQueue(t, admin, 1, 31)) {
        assertArrayEquals(head, assertSuccess(io.read(1, 0, head.length / 512, 512)).data());
        assertArrayEquals(far, assertSuccess(io.read(1, farLba, far.length / 512, 512)).data());
        assertTrue(
            Harness.allZero(assertSuccess(io.read(1, 100, 8, 512)).data(), 0, 4096),
            "never-written blocks read as zeros");
      }
      Identity after = identity(admin);
      assertArrayEquals(before.identifyNguid(), after.identifyNguid(), "NGUID");
      assertArrayEquals(before.descriptors(), after.descriptors(), "CNS 03h: NGUID, UUID, CSI");
      Map<Integer, byte[]> d = AdminCommandsTest.descriptors(after.descriptors());
      assertArrayEquals(after.identifyNguid(), d.get(NamespaceDescriptors.NIDT_NGUID));
      assertFalse(Harness.allZero(d.get(NamespaceDescriptors.NIDT_UUID), 0, 16));
    }
  }

  @Test
  void anotherFileUnderTheSameNsidGetsOtherIdentifiers() throws IOException {
    Identity first;
    try (Target t = start("vol1.img");
        RawHost admin = adminQueue(t, NQN)) {
      first = identity(admin);
    }
    try (Target t = start("vol2.img");
        RawHost admin = adminQueue(t, NQN)) {
      Identity second = identity(admin);
      assertFalse(Arrays.equals(first.identifyNguid(), second.identifyNguid()), "NGUID");
      assertNotEquals(
          AdminCommandsTest.uuid(
              AdminCommandsTest.descriptors(first.descriptors())
                  .get(NamespaceDescriptors.NIDT_UUID)),
          AdminCommandsTest.uuid(
              AdminCommandsTest.descriptors(second.descriptors())
                  .get(NamespaceDescriptors.NIDT_UUID)),
          "UUID");
    }
  }
}
