package io.weft.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
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
 * The cluster store goes silent (etcd frozen with SIGSTOP, its connections open) under a host's
 * writes to a 2-replica volume. Shorter than the lease TTL: the owner keeps serving, nothing
 * changes hands. Longer: the owner stops acknowledging before its lease can have expired (so no one
 * else may be serving yet), and once the store answers again the volume is served again. Every
 * block read back holds the last write acknowledged for it, and the replicas end identical. Logs:
 * weft-interop/target/interop-logs/cluster-store-outage-*.
 */
@Tag("interop")
class ClusterStoreOutageInteropTest {
  static final String VOLUME = "outage";
  static final String NQN = "nqn.2026-11.io.weft:vol:" + VOLUME;
  static final int LEASE_TTL = 3;
  static final int BLOCKS = 256;
  static final int BLOCK = 4096;

  private ClusterProcesses cluster;

  @BeforeEach
  void start() throws Exception {
    Path runDir = Interop.newRunLogDir("cluster-store-outage");
    cluster = ClusterProcesses.startLoopback("cluster-store-outage", runDir, LEASE_TTL, "n1", "n2");
    cluster.createVolume("n1", VOLUME, "16M", 2, "--nodes", "n1,n2", "--block-size", "4096");
    Interop.waitFor(
        "n1 serving", Duration.ofSeconds(30), () -> volume().path("owner").asText().equals("n1"));
    System.out.println("cluster store outage: logs in " + runDir);
  }

  @AfterEach
  void stop() throws Exception {
    if (cluster != null) {
      cluster.thawStore();
      cluster.close();
    }
  }

  private JsonNode volume() {
    try {
      return cluster.get("n1", "/v1/volumes/" + VOLUME);
    } catch (Exception e) {
      return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }
  }

  private static ByteBuf stamp(long seq, int block) {
    ByteBuf b = Unpooled.directBuffer(BLOCK, BLOCK);
    b.writeLong(seq).writeInt(block);
    while (b.isWritable()) {
      b.writeByte((int) (seq * 7 + b.writerIndex()));
    }
    return b;
  }

  @Test
  void theOwnerServesThroughAShortOutageAndStopsBeforeItsLeaseCanExpire() throws Exception {
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
    AtomicLong lastCompletionNanos = new AtomicLong(System.nanoTime());
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    try (MultipathNamespace ns =
        MultipathNamespace.connect(paths, 1, MultipathNamespace.Policy.FAILOVER, 120)) {
      Thread writer =
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      for (long seq = 1; !stop.get(); seq++) {
                        int block = (int) (seq % BLOCKS);
                        ByteBuf b = stamp(seq, block);
                        ns.writeBlocking(block, 1, b, 0);
                        b.release();
                        last[block] = seq;
                        lastCompletionNanos.set(System.nanoTime());
                        completed.incrementAndGet();
                      }
                    } catch (Throwable t) {
                      failure.set(t);
                    }
                  });
      Interop.waitFor("writes under way", Duration.ofSeconds(30), () -> completed.get() > 200);
      long generation = volume().path("generation").asLong();

      // Shorter than the lease: writes go on while the store is silent.
      cluster.freezeStore();
      long before = completed.get();
      Thread.sleep(1500);
      long during = completed.get() - before;
      cluster.thawStore();
      assertTrue(during > 50, "only " + during + " writes completed while the store was silent");
      Thread.sleep(1000);
      JsonNode v = volume();
      assertEquals("n1", v.path("owner").asText(), "no ownership change without the store");
      assertEquals(generation, v.path("generation").asLong());

      // Longer than the lease: the owner must stop acknowledging before its lease may expire; the
      // cluster view says why it cannot answer (the store client gives up after 10 s).
      cluster.freezeStore();
      long frozenAt = System.nanoTime();
      Interop.CommandResult show =
          cluster.cli("volume", "show", VOLUME, "--admin", cluster.node("n1").admin());
      long showMs = (System.nanoTime() - frozenAt) / 1_000_000;
      Thread.sleep(Math.max(0, (LEASE_TTL + 1) * 1000L - showMs));
      long lastAckMs = (lastCompletionNanos.get() - frozenAt) / 1_000_000;
      cluster.thawStore();
      assertTrue(
          !show.ok() && show.output().contains("the cluster store is unavailable"), show.output());
      assertTrue(
          lastAckMs < LEASE_TTL * 1000,
          "a write was acknowledged " + lastAckMs + " ms into the outage, past the lease TTL");
      long resumedFrom = completed.get();
      Interop.waitFor(
          "writes again after the store came back",
          Duration.ofSeconds(60),
          () -> {
            if (failure.get() != null) {
              throw new AssertionError("a write failed", failure.get());
            }
            return completed.get() > resumedFrom + 200;
          });
      stop.set(true);
      writer.join(60_000);
      assertEquals(null, failure.get(), "no write failed");
      System.out.println(
          "cluster store outage: "
              + during
              + " writes during the short outage; the last acknowledged "
              + lastAckMs
              + " ms into the long one; volume show said: "
              + show.output().strip()
              + "; owner now "
              + volume().path("owner").asText());

      ByteBuf all = Unpooled.directBuffer(BLOCK * BLOCKS).writerIndex(BLOCK * BLOCKS);
      ns.readBlocking(0, BLOCKS, all, 0);
      for (int block = 0; block < BLOCKS; block++) {
        assertEquals(last[block], all.getLong(block * BLOCK), "block " + block);
      }
      all.release();
    }
    Interop.waitFor(
        "both replicas in sync",
        Duration.ofSeconds(60),
        () -> volume().path("state").asText().startsWith("healthy"));
    byte[] one = Files.readAllBytes(cluster.dataDir("n1").resolve("volumes/" + VOLUME + ".img"));
    byte[] two = Files.readAllBytes(cluster.dataDir("n2").resolve("volumes/" + VOLUME + ".img"));
    assertTrue(java.util.Arrays.equals(one, two), "the replicas differ");
  }
}
