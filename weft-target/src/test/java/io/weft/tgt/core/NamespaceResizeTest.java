package io.weft.tgt.core;

import static io.weft.tgt.core.Harness.MIB;
import static io.weft.tgt.core.Harness.NQN;
import static io.weft.tgt.core.Harness.adminQueue;
import static io.weft.tgt.core.Harness.assertStatus;
import static io.weft.tgt.core.Harness.assertSuccess;
import static io.weft.tgt.core.Harness.grantQueues;
import static io.weft.tgt.core.Harness.ioQueue;
import static io.weft.tgt.core.Harness.memory;
import static io.weft.tgt.core.Harness.nsidList;
import static io.weft.tgt.core.Harness.pattern;
import static io.weft.tgt.core.Harness.subsystem;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.weft.protocol.nvme.AsyncEvent;
import io.weft.protocol.nvme.Opcodes;
import io.weft.protocol.nvme.Status;
import io.weft.tgt.Target;
import io.weft.tgt.TargetException;
import io.weft.tgt.config.NamespaceConfig;
import io.weft.tgt.testing.RawHost;
import io.weft.tgt.testing.RawHost.Completion;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Growing a namespace while a host is connected: the host hears of it (Namespace Attribute Changed,
 * the NSID in log 04h), Identify Namespace reports the new size, I/O up to the new end works and
 * nothing written before moves.
 */
class NamespaceResizeTest {
  private static final int AER_CID = 31;
  private static final int BLOCK = 512;

  @TempDir Path dir;

  private static long nsze(RawHost h) throws Exception {
    byte[] id = assertSuccess(h.identify(Opcodes.CNS_NAMESPACE, 1)).data();
    return Unpooled.wrappedBuffer(id).getLongLE(0);
  }

  @Test
  void aFileNamespaceGrowsOnlineAndTheHostIsTold() throws Exception {
    try (Target t =
        Harness.start(
            dir, subsystem(NQN, List.of(), NamespaceConfig.file(1, "ns1.img", 4 * MIB)))) {
      RawHost admin = adminQueue(t, NQN);
      admin.reserveCid(AER_CID);
      assertSuccess(admin.setFeatures(Opcodes.FEAT_ASYNC_EVENT_CONFIG, 1 << 8));
      grantQueues(admin, 1);
      RawHost io = ioQueue(t, admin, 1, 32);
      long oldBlocks = 4L * MIB / BLOCK;
      byte[] last = pattern(BLOCK * 8, 1);
      assertSuccess(io.write(1, oldBlocks - 8, last, BLOCK, true));
      assertStatus(Status.LBA_OUT_OF_RANGE | Status.DNR, io.read(1, oldBlocks, 8, BLOCK));
      admin.asyncEventRequest(AER_CID);

      t.resizeNamespace(NQN, 1, 8 * MIB);

      Completion event = admin.await(AER_CID);
      assertEquals(AsyncEvent.NAMESPACE_ATTRIBUTE_CHANGED, (int) event.result());
      assertEquals(
          List.of(1),
          nsidList(
              assertSuccess(admin.getLogPage(Opcodes.LOG_CHANGED_NAMESPACES, -1, 4096, 0, false))
                  .data()));
      assertEquals(2 * oldBlocks, nsze(admin));
      assertArrayEquals(last, assertSuccess(io.read(1, oldBlocks - 8, 8, BLOCK)).data());
      byte[] beyond = pattern(BLOCK * 8, 2);
      assertSuccess(io.write(1, 2 * oldBlocks - 8, beyond, BLOCK, true));
      assertArrayEquals(beyond, assertSuccess(io.read(1, 2 * oldBlocks - 8, 8, BLOCK)).data());
      assertTrue(
          assertSuccess(io.read(1, oldBlocks, 8, BLOCK)).data().length == 8 * BLOCK,
          "the new range reads");
      assertStatus(Status.LBA_OUT_OF_RANGE | Status.DNR, io.read(1, 2 * oldBlocks, 8, BLOCK));
      io.close();
      admin.close();
    }
  }

  @Test
  void shrinkingMisalignedSizesAndMemoryNamespacesAreRefusedAndChangeNothing() throws Exception {
    try (Target t =
        Harness.start(
            dir,
            subsystem(
                NQN,
                List.of(),
                NamespaceConfig.file(1, "ns1.img", 4 * MIB),
                memory(2, MIB, 512)))) {
      TargetException shrink =
          assertThrows(TargetException.class, () -> t.resizeNamespace(NQN, 1, 2 * MIB));
      assertTrue(shrink.getMessage().contains("never shrink"), shrink.getMessage());
      assertThrows(TargetException.class, () -> t.resizeNamespace(NQN, 1, 8 * MIB + 100));
      TargetException memory =
          assertThrows(TargetException.class, () -> t.resizeNamespace(NQN, 2, 2 * MIB));
      assertTrue(memory.getMessage().contains("cannot grow"), memory.getMessage());
      assertThrows(TargetException.class, () -> t.resizeNamespace(NQN, 9, 8 * MIB));
      assertEquals(
          4L * MIB,
          t.subsystems().stream()
              .filter(s -> s.nqn().equals(NQN))
              .findFirst()
              .orElseThrow()
              .namespaces()
              .get(0)
              .sizeBytes());
    }
  }
}
