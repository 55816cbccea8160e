package io.weft.host;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.host.testing.TargetProcess;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The target process is killed, restarted or frozen under a workload; the host's connection options
 * decide whether I/O waits and resumes or fails with a clear error in time.
 */
class HostFaultTest {
  static final String NQN = "nqn.2026-11.io.weft.test:faults";
  static final long SIZE = 64L << 20;
  static final int BLOCKS = 16; // 8 KiB per write
  @TempDir Path dir;

  private ConnectOptions options(TargetProcess t, int kato, int ctrlLoss, int delay, int fastFail) {
    return ConnectOptions.defaults("127.0.0.1", t.port(), NQN)
        .withHost("nqn.2014-08.org.nvmexpress:uuid:" + UUID.randomUUID(), UUID.randomUUID())
        .withQueues(2, 32)
        .withTimeouts(kato, ctrlLoss, delay, fastFail)
        .withIoTimeout(5);
  }

  private static byte[] pattern(int i) {
    byte[] b = new byte[BLOCKS * 512];
    new Random(i).nextBytes(b);
    return b;
  }

  @Test
  void workloadSurvivesTargetRestartAndEveryAcknowledgedWriteReadsBack() throws Exception {
    try (TargetProcess t = new TargetProcess(NQN, dir.resolve("vol.img"), SIZE)) {
      t.start();
      try (HostController c = HostController.connect(options(t, 2, 60, 1, -1))) {
        NvmeNamespace ns = c.namespace(1);
        List<CompletableFuture<Void>> acked = new ArrayList<>();
        int writes = 400;
        for (int i = 0; i < writes; i++) {
          ByteBuf src = Unpooled.wrappedBuffer(pattern(i));
          acked.add(ns.write((long) i * BLOCKS, BLOCKS, src, 0));
          if (i == writes / 4) {
            // Mid-workload: the target dies without warning and comes back on the same port.
            t.kill();
          }
          if (i == writes / 2) {
            t.start();
          }
        }
        for (CompletableFuture<Void> f : acked) {
          f.get(60, TimeUnit.SECONDS); // every write completes once the target is back
        }
        assertTrue(c.isLive());
        assertEquals(1, c.reconnects());
        ByteBuf dst = Unpooled.buffer(BLOCKS * 512).writerIndex(BLOCKS * 512);
        for (int i = 0; i < writes; i++) {
          ns.readBlocking((long) i * BLOCKS, BLOCKS, dst, 0);
          byte[] back = new byte[BLOCKS * 512];
          dst.getBytes(0, back);
          assertArrayEquals(pattern(i), back, "write " + i);
        }
      }
    }
  }

  @Test
  void shortCtrlLossTimeoutFailsPendingIoWithAClearError() throws Exception {
    try (TargetProcess t = new TargetProcess(NQN, dir.resolve("vol.img"), SIZE)) {
      t.start();
      try (HostController c = HostController.connect(options(t, 2, 3, 1, -1))) {
        NvmeNamespace ns = c.namespace(1);
        t.kill();
        long start = System.nanoTime();
        CompletableFuture<Void> w = ns.write(0, BLOCKS, Unpooled.wrappedBuffer(pattern(1)), 0);
        ExecutionException e =
            org.junit.jupiter.api.Assertions.assertThrows(
                ExecutionException.class, () -> w.get(30, TimeUnit.SECONDS));
        double waited = (System.nanoTime() - start) / 1e9;
        NvmeException ne = (NvmeException) e.getCause();
        assertEquals(HostStatus.CONTROLLER_LOST, ne.status());
        assertTrue(waited < 3 + 1 + 5, "failed after " + waited + " s; ctrl-loss-tmo is 3 s");
        assertFalse(c.isLive());
      }
    }
  }

  @Test
  void fastIoFailTimeoutFailsPendingIoBeforeCtrlLoss() throws Exception {
    try (TargetProcess t = new TargetProcess(NQN, dir.resolve("vol.img"), SIZE)) {
      t.start();
      try (HostController c = HostController.connect(options(t, 2, 60, 1, 1))) {
        NvmeNamespace ns = c.namespace(1);
        t.kill();
        CompletableFuture<Void> w = ns.write(0, BLOCKS, Unpooled.wrappedBuffer(pattern(1)), 0);
        ExecutionException e =
            org.junit.jupiter.api.Assertions.assertThrows(
                ExecutionException.class, () -> w.get(30, TimeUnit.SECONDS));
        assertEquals(HostStatus.FAST_IO_FAIL, ((NvmeException) e.getCause()).status());
      }
    }
  }

  @Test
  void aFrozenTargetIsDetectedThroughKeepAlive() throws Exception {
    try (TargetProcess t = new TargetProcess(NQN, dir.resolve("vol.img"), SIZE)) {
      t.start();
      try (HostController c = HostController.connect(options(t, 2, 4, 1, -1))) {
        assertTrue(c.isLive());
        t.signal("STOP"); // no FIN, no RST: only keep-alive can tell
        long start = System.nanoTime();
        while (c.isLive() && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20)) {
          Thread.sleep(50);
        }
        double detected = (System.nanoTime() - start) / 1e9;
        assertFalse(c.isLive(), "still live after " + detected + " s");
        // KATO 2 s: a keep-alive goes out every second and must be answered within KATO.
        assertTrue(detected < 2 + 1 + 2, "detected after " + detected + " s");
        t.signal("CONT");
      }
    }
  }
}
