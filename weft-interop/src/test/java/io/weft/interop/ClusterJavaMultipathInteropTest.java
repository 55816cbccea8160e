package io.weft.interop;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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

  @Test
  void writesRideThroughAKilledOwnerAndTheReplicasEndIdentical() throws Exception {
    try (StampedLoad load = new StampedLoad(cluster, NQN, List.of("n1", "n2"), BLOCKS)) {
      load.awaitProgress("writes under way", 500, Duration.ofSeconds(30));
      cluster.kill("n1");
      load.awaitProgress("writes through n2", 500, Duration.ofSeconds(LEASE_TTL + 30));
      Interop.waitFor("n2 owning", Duration.ofSeconds(10), () -> state().startsWith("n2 "));
      cluster.start("n1");
      Interop.waitFor(
          "n1 fenced, rebuilt and back in sync",
          Duration.ofSeconds(90),
          () -> state().equals("n2 healthy"));
      load.stopAndVerify();
      System.out.println(
          "java multipath interop: "
              + load.completed()
              + " writes; longest pause "
              + load.longestPauseMillis()
              + " ms (lease TTL "
              + LEASE_TTL
              + " s)");
    }
    byte[] one = Files.readAllBytes(cluster.dataDir("n1").resolve("volumes/" + VOLUME + ".img"));
    byte[] two = Files.readAllBytes(cluster.dataDir("n2").resolve("volumes/" + VOLUME + ".img"));
    assertTrue(java.util.Arrays.equals(one, two), "the replicas differ");
  }
}
