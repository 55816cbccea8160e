package io.weft.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.host.ConnectOptions;
import io.weft.host.multipath.MultipathNamespace;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Weft's own multipath host (a path through each node given) writing sequence-stamped 4 KiB blocks
 * at QD1, one block after another, until stopped; then every block must read back the last stamp
 * acknowledged for it. What cluster tests run while they kill, freeze or cut off parts of the
 * cluster.
 */
final class StampedLoad implements AutoCloseable {
  static final int BLOCK = 4096;

  private final int blocks;
  private final long[] last;
  private final MultipathNamespace ns;
  private final AtomicLong completed = new AtomicLong();
  private final AtomicLong lastCompletionNanos = new AtomicLong(System.nanoTime());
  private final AtomicLong longestPauseNanos = new AtomicLong();
  private final AtomicBoolean stop = new AtomicBoolean();
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private final Thread writer;

  /** Connects through {@code nodes} of {@code cluster} and starts writing to {@code blocks}. */
  StampedLoad(ClusterProcesses cluster, String nqn, List<String> nodes, int blocks)
      throws Exception {
    this.blocks = blocks;
    this.last = new long[blocks];
    List<ConnectOptions> paths =
        nodes.stream()
            .map(
                n ->
                    ConnectOptions.defaults("127.0.0.1", cluster.port(n), nqn)
                        .withTimeouts(5, 600, 1, 1)
                        .withIoTimeout(10))
            .toList();
    this.ns = MultipathNamespace.connect(paths, 1, MultipathNamespace.Policy.FAILOVER, 120);
    this.writer = Thread.ofPlatform().name("stamped-load").start(this::write);
  }

  private static ByteBuf stamp(long seq, int block) {
    ByteBuf b = Unpooled.directBuffer(BLOCK, BLOCK);
    b.writeLong(seq).writeInt(block);
    while (b.isWritable()) {
      b.writeByte((int) (seq * 13 + b.writerIndex()));
    }
    return b;
  }

  private void write() {
    long previous = System.nanoTime();
    try {
      for (long seq = 1; !stop.get(); seq++) {
        int block = (int) (seq % blocks);
        ByteBuf b = stamp(seq, block);
        try {
          ns.writeBlocking(block, 1, b, 0);
        } finally {
          b.release();
        }
        last[block] = seq;
        long now = System.nanoTime();
        longestPauseNanos.accumulateAndGet(now - previous, Math::max);
        previous = now;
        lastCompletionNanos.set(now);
        completed.incrementAndGet();
      }
    } catch (Throwable t) {
      failure.set(t);
    }
  }

  long completed() {
    return completed.get();
  }

  long lastCompletionNanos() {
    return lastCompletionNanos.get();
  }

  long longestPauseMillis() {
    return longestPauseNanos.get() / 1_000_000;
  }

  /** Waits until {@code more} writes past the current count completed; fails on a write error. */
  void awaitProgress(String what, long more, Duration limit) throws Exception {
    long from = completed.get();
    Interop.waitFor(
        what,
        limit,
        () -> {
          if (failure.get() != null) {
            throw new AssertionError("a write failed", failure.get());
          }
          return completed.get() > from + more;
        });
  }

  /** Stops writing, then checks that no write failed and every block holds its last stamp. */
  void stopAndVerify() throws Exception {
    stop.set(true);
    writer.join(60_000);
    assertEquals(null, failure.get(), "no write failed");
    ByteBuf all = Unpooled.directBuffer(BLOCK * blocks).writerIndex(BLOCK * blocks);
    try {
      ns.readBlocking(0, blocks, all, 0);
      for (int block = 0; block < blocks; block++) {
        assertEquals(last[block], all.getLong(block * BLOCK), "block " + block);
        assertEquals(block, all.getInt(block * BLOCK + 8), "block " + block);
      }
    } finally {
      all.release();
    }
  }

  @Override
  public void close() throws InterruptedException {
    stop.set(true);
    writer.join(60_000);
    ns.close();
  }
}
