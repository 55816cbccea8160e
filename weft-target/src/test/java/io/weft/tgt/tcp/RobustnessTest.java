package io.weft.tgt.tcp;

import static io.weft.tgt.tcp.TcpTestSupport.BS;
import static io.weft.tgt.tcp.TcpTestSupport.NQN;
import static io.weft.tgt.tcp.TcpTestSupport.PATTERN_LBA;
import static io.weft.tgt.tcp.TcpTestSupport.expectR2t;
import static io.weft.tgt.tcp.TcpTestSupport.r2tWrite;
import static io.weft.tgt.tcp.TcpTestSupport.withBystander;
import static io.weft.tgt.testing.RawHost.check;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.protocol.nvme.Opcodes;
import io.weft.protocol.nvme.Sgl;
import io.weft.protocol.tcp.Pdu;
import io.weft.protocol.tcp.PduType;
import io.weft.tgt.Target;
import io.weft.tgt.config.NamespaceConfig;
import io.weft.tgt.tcp.TcpTestSupport.Responses;
import io.weft.tgt.tcp.TcpTestSupport.Session;
import io.weft.tgt.testing.RawHost;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hosts that stall, hosts that leave with work in flight, and slow backends must not hurt anyone
 * else; all of it with Netty's leak detector at PARANOID. Targets here run one event loop so that
 * every connection shares it.
 */
class RobustnessTest {
  private static final long MEMORY_SIZE = 8 << 20;
  private static final long FILE_SIZE = 32 << 20;

  @TempDir Path dir;
  private Target target;
  private Release blocked;

  @BeforeAll
  static void watch() {
    LeakWatch.start();
  }

  @AfterAll
  static void unwatch() {
    LeakWatch.stop();
  }

  @AfterEach
  void stop() {
    if (blocked != null) {
      blocked.release();
    }
    if (target != null) {
      target.close();
    }
  }

  /** One event loop; NSID 1 in memory, NSID 2 a file. */
  private Target start(int ioWorkers) throws IOException {
    target =
        TcpTestSupport.start(
            dir,
            TcpTestSupport.tuning(1, ioWorkers),
            NamespaceConfig.memory(1, MEMORY_SIZE),
            NamespaceConfig.file(2, "ns2.img", FILE_SIZE));
    return target;
  }

  @Test
  void halfAPduDoesNotStallOtherConnectionsOnTheLoop() throws Exception {
    InetSocketAddress addr = TcpTestSupport.address(start(2));
    byte[] icreq = Pdus.icReq(0, 0, 0, 128);
    byte[] connect =
        Pdus.capsule(Pdus.connectSqe(1, 0, 31, 0, 0), Pdus.connectData(0xFFFF, NQN), false, false);
    byte[] digestConnect =
        Pdus.capsule(Pdus.connectSqe(1, 0, 31, 0, 0), Pdus.connectData(0xFFFF, NQN), true, false);
    try (RawHost halfHeader = new RawHost(addr);
        RawHost halfCapsule = new RawHost(addr);
        RawHost halfDigest = new RawHost(addr)) {
      // Stalled inside a common header, inside a capsule, and inside a header digest.
      halfHeader.sendRaw(Pdus.head(icreq, 5));
      halfCapsule.initialize(false, false);
      halfCapsule.sendRaw(Pdus.head(connect, 40));
      halfDigest.initialize(true, false);
      halfDigest.sendRaw(Pdus.head(digestConnect, 74));

      try (Session s = Session.open(addr)) {
        for (int i = 0; i < 20; i++) {
          byte[] data = TcpTestSupport.pattern(i, 16 * BS);
          check(s.io.write(1, 64L * i, data, BS, i % 2 == 0));
          assertArrayEquals(data, s.read(1, 64L * i, 16));
        }
      }

      // The stalled hosts were only slow: their PDUs complete normally.
      halfHeader.sendRaw(tail(icreq, 5));
      assertEquals(PduType.IC_RESP.code, Pdu.type(halfHeader.readPdu(), 0));
      halfCapsule.sendRaw(tail(connect, 40));
      check(new Responses(halfCapsule).next());
      halfDigest.sendRaw(tail(digestConnect, 74));
      check(new Responses(halfDigest).next());
      TcpTestSupport.awaitControllers(target, 2);
    }
    TcpTestSupport.awaitControllers(target, 0);
  }

  /**
   * Deterministic: with the only backend worker held, a file write cannot finish; a later read of
   * the memory namespace on the same queue, and reads on another host on the same loop, must still
   * complete, which they could not if the file I/O ran on (and held) the event loop.
   */
  @Test
  void fileBackendIoDoesNotHoldTheEventLoop() throws Exception {
    InetSocketAddress addr = TcpTestSupport.address(start(1));
    byte[] fileData = TcpTestSupport.pattern(20, 16 * BS);
    byte[] memData = TcpTestSupport.pattern(21, 16 * BS);
    try (Session a = Session.open(addr);
        Session b = Session.open(addr)) {
      check(b.io.write(1, 0, memData, BS, true));
      blocked = blockBackend(target, 1);
      a.io.sendRaw(
          Pdus.capsule(
              Pdus.rw(Opcodes.NVM_WRITE, 1, 2, 100, 16, BS, Sgl.DATA_BLOCK_OFFSET),
              fileData,
              false,
              false));
      a.io.sendRaw(
          Pdus.capsule(
              Pdus.rw(Opcodes.NVM_READ, 2, 1, 0, 16, BS, Sgl.TRANSPORT_DATA_BLOCK),
              null,
              false,
              false));
      Responses ra = new Responses(a.io);
      RawHost.Completion first = check(ra.next());
      assertEquals(2, first.cid(), "the memory read must overtake the held file write");
      assertArrayEquals(memData, first.data());
      for (int i = 0; i < 10; i++) {
        assertArrayEquals(memData, b.read(1, 0, 16));
      }
      blocked.release();
      assertEquals(1, check(ra.next()).cid());
      assertArrayEquals(fileData, a.read(2, 100, 16));
    }
  }

  @Test
  void largeFileWritesAndReadsOnOneLoopAllComplete() throws Exception {
    InetSocketAddress addr = TcpTestSupport.address(start(2));
    int mib = 1 << 20;
    byte[] memData = TcpTestSupport.pattern(30, 64 * BS);
    try (Session writer = Session.open(addr);
        Session reader = Session.open(addr)) {
      check(reader.io.write(1, 0, memData, BS, false));
      ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
      try {
        Future<?> writes =
            pool.submit(
                () -> {
                  for (int i = 0; i < 16; i++) {
                    byte[] d = TcpTestSupport.pattern(100 + i, mib);
                    check(writer.io.write(2, (long) i * mib / BS, d, BS, false));
                  }
                  return null;
                });
        AtomicInteger reads = new AtomicInteger();
        Future<?> readsDone =
            pool.submit(
                () -> {
                  for (int i = 0; i < 200; i++) {
                    assertArrayEquals(memData, reader.read(1, 0, 64));
                    reads.incrementAndGet();
                  }
                  return null;
                });
        writes.get(30, TimeUnit.SECONDS);
        readsDone.get(30, TimeUnit.SECONDS);
        assertEquals(200, reads.get());
      } finally {
        pool.shutdownNow();
      }
      for (int i = 0; i < 16; i += 5) {
        assertArrayEquals(
            TcpTestSupport.pattern(100 + i, mib), writer.read(2, (long) i * mib / BS, mib / BS));
      }
    }
  }

  @Test
  void closingWithR2tOutstandingLosesNothing() throws Exception {
    start(2);
    withBystander(
        target,
        addr -> {
          for (boolean reset : new boolean[] {false, true}) {
            Session s = Session.open(addr);
            try {
              for (int cid = 1; cid <= 8; cid++) {
                s.io.sendRaw(r2tWrite(s.io, cid, 1, PATTERN_LBA, 8));
                int[] r2t = expectR2t(s.io, cid);
                if (cid == 8) {
                  // Part of the data of the last one.
                  s.io.sendRaw(
                      Pdus.h2cData(cid, r2t[0], 0, Pdus.filled(4 * BS, 0xEE), false, false, false));
                }
              }
              closeIo(s.io, reset);
              TcpTestSupport.awaitIoQueues(target, s.admin.cntlid, 0);
            } finally {
              s.close();
            }
          }
        });
  }

  @Test
  void closingWithReadsInFlightLeavesTheTargetHealthy() throws Exception {
    start(1);
    withBystander(
        target,
        addr -> {
          // Memory namespace: 32 reads of 128 KiB in one go, then the host leaves.
          for (boolean reset : new boolean[] {false, true}) {
            try (Session s = Session.open(addr)) {
              byte[] burst = new byte[0];
              for (int cid = 1; cid <= 32; cid++) {
                burst =
                    Pdus.concat(
                        burst,
                        Pdus.capsule(
                            Pdus.rw(Opcodes.NVM_READ, cid, 1, 0, 256, BS, Sgl.TRANSPORT_DATA_BLOCK),
                            null,
                            false,
                            false));
              }
              s.io.sendRaw(burst);
              closeIo(s.io, reset);
            }
          }
          // File namespace with the backend held: the reads finish after their queue is gone.
          try (Session s = Session.open(addr)) {
            blocked = blockBackend(target, 1);
            for (int cid = 1; cid <= 8; cid++) {
              s.io.sendRaw(
                  Pdus.capsule(
                      Pdus.rw(Opcodes.NVM_READ, cid, 2, 0, 64, BS, Sgl.TRANSPORT_DATA_BLOCK),
                      null,
                      false,
                      false));
            }
            // A write whose data is all in, also held.
            s.io.sendRaw(
                Pdus.capsule(
                    Pdus.rw(Opcodes.NVM_WRITE, 9, 2, 0, 8, BS, Sgl.DATA_BLOCK_OFFSET),
                    Pdus.filled(8 * BS, 0x5A),
                    false,
                    false));
            closeIo(s.io, true);
            blocked.release();
          }
        });
  }

  // ---- helpers ----

  /** Closes a host's socket: a normal close (FIN) or a reset (SO_LINGER 0). */
  private static void closeIo(RawHost h, boolean reset) throws IOException {
    if (reset) {
      h.socket().setSoLinger(true, 0);
    }
    h.close();
  }

  private static byte[] tail(byte[] b, int from) {
    byte[] out = new byte[b.length - from];
    System.arraycopy(b, from, out, 0, out.length);
    return out;
  }

  /** Held backend workers; {@link #release} lets them go (idempotent). */
  interface Release {
    void release();
  }

  /**
   * Occupies all {@code workers} threads of the target's backend executor until released, so file
   * I/O queues up behind them.
   */
  static Release blockBackend(Target t, int workers) throws Exception {
    java.util.concurrent.Executor executor = t.ioExecutor();
    CountDownLatch started = new CountDownLatch(workers);
    CountDownLatch gate = new CountDownLatch(1);
    for (int i = 0; i < workers; i++) {
      executor.execute(
          () -> {
            started.countDown();
            try {
              gate.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
    }
    assertTrue(started.await(10, TimeUnit.SECONDS), "backend workers did not start");
    return gate::countDown;
  }
}
