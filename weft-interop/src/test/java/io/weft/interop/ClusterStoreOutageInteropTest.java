package io.weft.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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

  @Test
  void theOwnerServesThroughAShortOutageAndStopsBeforeItsLeaseCanExpire() throws Exception {
    try (StampedLoad load = new StampedLoad(cluster, NQN, List.of("n1", "n2"), BLOCKS)) {
      load.awaitProgress("writes under way", 200, Duration.ofSeconds(30));
      long generation = volume().path("generation").asLong();

      // Shorter than the lease: writes go on while the store is silent.
      cluster.freezeStore();
      long before = load.completed();
      Thread.sleep(1500);
      long during = load.completed() - before;
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
      long lastAckMs = (load.lastCompletionNanos() - frozenAt) / 1_000_000;
      cluster.thawStore();
      assertTrue(
          !show.ok() && show.output().contains("the cluster store is unavailable"), show.output());
      assertTrue(
          lastAckMs < LEASE_TTL * 1000,
          "a write was acknowledged " + lastAckMs + " ms into the outage, past the lease TTL");
      load.awaitProgress("writes again after the store came back", 200, Duration.ofSeconds(60));
      load.stopAndVerify();
      System.out.println(
          "cluster store outage: "
              + during
              + " writes during the short outage; the last acknowledged "
              + lastAckMs
              + " ms into the long one; volume show said: "
              + show.output().strip()
              + "; owner now "
              + volume().path("owner").asText());
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
