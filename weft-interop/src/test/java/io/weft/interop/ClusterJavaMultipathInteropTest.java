package io.weft.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.host.ConnectOptions;
import io.weft.host.multipath.MultipathNamespace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Weft's own multipath host on a 2-replica volume served by two real node processes: it writes
 * sequence-stamped blocks while the owner is killed with SIGKILL; the writes go on through the
 * other node; the old owner is started again, fenced and rebuilt back into the in-sync set. Every
 * block then holds the last write acknowledged for it, and the two replica files are identical.
 * Logs: weft-interop/target/interop-logs/cluster-java-multipath-*.
 */
@Tag("interop")
class ClusterJavaMultipathInteropTest {
  static final String VOLUME = "jmp";
  static final String NQN = "nqn.2026-11.io.weft:vol:" + VOLUME;
  static final int LEASE_TTL = 3;
  static final int BLOCKS = 512;
  static final int BLOCK = 4096;

  private ClusterProcesses cluster;

  @BeforeEach
  void start() throws Exception {
    Path runDir = Interop.newRunLogDir("cluster-java-multipath");
    cluster =
        ClusterProcesses.startLoopback("cluster-java-multipath", runDir, LEASE_TTL, "n1", "n2");
    cluster.createVolume("n1", VOLUME, "16M", 2, "--nodes", "n1,n2", "--block-size", "4096");
    Interop.waitFor("n1 serving", Duration.ofSeconds(30), () -> state().startsWith("n1 healthy"));
    System.out.println("java multipath interop: logs in " + runDir);
  }

  @AfterEach
  void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** "owner state", from whichever node answers. */
  private String state() {
    for (String n : List.of("n2", "n1")) {
      try {
        var v = cluster.get(n, "/v1/volumes/" + VOLUME);
        return v.path("owner").asText() + " " + v.path("state").asText();
      } catch (Exception e) {
        // that node is down; ask the other
      }
    }
    return "unknown";
  }

  private static ByteBuf stamp(long seq, int block) {
    ByteBuf b = Unpooled.directBuffer(BLOCK, BLOCK);
    b.writeLong(seq).writeInt(block);
    while (b.isWritable()) {
      b.writeByte((int) (seq * 13 + b.writerIndex()));
    }
    return b;
  }

  @Test
  void writesRideThroughAKilledOwnerAndTheReplicasEndIdentical() throws Exception {
    List<ConnectOptions> paths =
        List.of("n1", "n2").stream()
            .map(
                n ->
                    ConnectOptions.defaults("127.0.0.1", cluster.port(n), NQN)
                        .withTimeouts(5, 600, 1, 1)
                        .withIoTimeout(10))
            .toList();
    long[] last = new long[BLOCKS];
    AtomicLong completed = new AtomicLong();
    AtomicLong longestPauseNanos = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    try (MultipathNamespace ns =
        MultipathNamespace.connect(paths, 1, MultipathNamespace.Policy.FAILOVER, 120)) {
      Thread writer =
          Thread.ofPlatform()
              .start(
                  () -> {
                    long previous = System.nanoTime();
                    try {
                      for (long seq = 1; !stop.get(); seq++) {
                        int block = (int) (seq % BLOCKS);
                        ByteBuf b = stamp(seq, block);
                        ns.writeBlocking(block, 1, b, 0);
                        b.release();
                        last[block] = seq;
                        long now = System.nanoTime();
                        longestPauseNanos.accumulateAndGet(now - previous, Math::max);
                        previous = now;
                        completed.incrementAndGet();
                      }
                    } catch (Throwable t) {
                      failure.set(t);
                    }
                  });
      Interop.waitFor("writes under way", Duration.ofSeconds(30), () -> completed.get() > 500);
      cluster.kill("n1");
      long killedAt = completed.get();
      Interop.waitFor(
          "writes through n2",
          Duration.ofSeconds(LEASE_TTL + 30),
          () -> {
            if (failure.get() != null) {
              throw new AssertionError("a write failed", failure.get());
            }
            return completed.get() > killedAt + 500 && state().startsWith("n2 ");
          });
      cluster.start("n1");
      Interop.waitFor(
          "n1 fenced, rebuilt and back in sync",
          Duration.ofSeconds(90),
          () -> state().equals("n2 healthy"));
      stop.set(true);
      writer.join(60_000);
      assertEquals(null, failure.get(), "no write failed");
      System.out.println(
          "java multipath interop: "
              + completed.get()
              + " writes; longest pause "
              + longestPauseNanos.get() / 1_000_000
              + " ms (lease TTL "
              + LEASE_TTL
              + " s)");
      ByteBuf all = Unpooled.directBuffer(BLOCK * BLOCKS).writerIndex(BLOCK * BLOCKS);
      ns.readBlocking(0, BLOCKS, all, 0);
      for (int block = 0; block < BLOCKS; block++) {
        assertEquals(last[block], all.getLong(block * BLOCK), "block " + block);
        assertEquals(block, all.getInt(block * BLOCK + 8), "block " + block);
      }
      all.release();
    }
    byte[] one = Files.readAllBytes(cluster.dataDir("n1").resolve("volumes/" + VOLUME + ".img"));
    byte[] two = Files.readAllBytes(cluster.dataDir("n2").resolve("volumes/" + VOLUME + ".img"));
    assertTrue(java.util.Arrays.equals(one, two), "the replicas differ");
  }
}
