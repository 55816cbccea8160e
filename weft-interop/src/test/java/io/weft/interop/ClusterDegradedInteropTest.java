package io.weft.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.host.ConnectOptions;
import io.weft.host.HostController;
import io.weft.host.NvmeNamespace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A 3-replica volume loses a replica node (kill -9) under load and keeps serving; {@code weft
 * volume show} reports it degraded; when the node returns, the show output follows its rebuild to
 * in sync, and all three replica files end identical. Logs:
 * weft-interop/target/interop-logs/cluster-degraded-*.
 */
@Tag("interop")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterDegradedInteropTest {
  static final String VOLUME = "three";
  static final String NQN = "nqn.2026-11.io.weft:vol:" + VOLUME;

  private ClusterProcesses cluster;

  @BeforeAll
  void start() throws Exception {
    Path runDir = Interop.newRunLogDir("cluster-degraded");
    cluster = ClusterProcesses.startLoopback("cluster-degraded", runDir, 3, "n1", "n2", "n3");
    Interop.CommandResult created = cluster.createVolume("n2", VOLUME, "256M", 3);
    System.out.println("cluster degraded: " + created.oneLine() + "; logs in " + runDir);
  }

  @AfterAll
  void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** Any node's API answers; the owner's is never the one killed here. */
  private String viaNode = "n1";

  private String show() {
    return cluster.cli("volume", "show", VOLUME, "--admin", cluster.node(viaNode).admin()).output();
  }

  @Test
  void losingAReplicaUnderLoadDegradesThenRebuildsToInSync() throws Exception {
    JsonNode v = cluster.get("n1", "/v1/volumes/" + VOLUME);
    String owner = v.path("owner").asText();
    String victim =
        List.of("n1", "n2", "n3").stream().filter(n -> !n.equals(owner)).findFirst().orElseThrow();
    // Placement decides the owner: when it is not n1, n1 is the victim and its API goes with it.
    viaNode = owner;
    // Serving means a write completes: a connection alone may still meet ANA change while the
    // owner connects to its replicas.
    Interop.waitFor(
        "the owner serving",
        Duration.ofSeconds(30),
        () -> {
          try (HostController c = host(owner)) {
            NvmeNamespace probe = c.namespace(1);
            probe.writeBlocking(
                0, 4096 / probe.blockSize(), Unpooled.wrappedBuffer(new byte[4096]), 0);
            return true;
          } catch (Exception e) {
            return false;
          }
        });
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong writes = new AtomicLong();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread load =
        Thread.ofPlatform()
            .start(
                () -> {
                  try (HostController c = host(owner)) {
                    NvmeNamespace ns = c.namespace(1);
                    Random random = new Random(42);
                    ByteBuf block = Unpooled.directBuffer(4096, 4096);
                    while (!stop.get()) {
                      block.clear();
                      while (block.isWritable()) {
                        block.writeLong(random.nextLong());
                      }
                      long lba = (long) random.nextInt((int) (ns.sizeBlocks() / 8)) * 8;
                      ns.writeBlocking(lba, 4096 / ns.blockSize(), block, 0);
                      writes.incrementAndGet();
                    }
                    block.release();
                  } catch (Throwable t) {
                    failure.set(t);
                  }
                });
    // Under load before the kill: a host that never got going would leave nothing to degrade.
    awaitUnderLoad("the host writing", load, failure, () -> writes.get() > 200);
    cluster.kill(victim);
    long before = writes.get();
    awaitUnderLoad(
        "the volume degraded",
        load,
        failure,
        () -> show().contains("state       degraded (2 of 3 replicas in sync)"));
    String degraded = show();
    Thread.sleep(2000);
    assertTrue(writes.get() > before, "writes go on without " + victim);
    assertTrue(
        degraded
            .lines()
            .anyMatch(l -> l.matches(victim + "\\s+replica\\s+out-of-sync: unreachable.*")),
        degraded);

    cluster.start(victim);
    Set<String> seen = new LinkedHashSet<>();
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (System.nanoTime() < deadline) {
      String s = show();
      s.lines().filter(l -> l.startsWith(victim + " ")).map(String::strip).forEach(seen::add);
      if (s.contains("state       healthy")) {
        break;
      }
      Thread.sleep(200);
    }
    stop.set(true);
    load.join(30_000);
    assertEquals(null, failure.get(), "the host's writes never failed");
    System.out.println(
        "cluster degraded: " + writes.get() + " writes; " + victim + " states seen: " + seen);
    assertTrue(show().contains("state       healthy (3 of 3 replicas in sync)"), show());
    assertTrue(
        seen.stream().anyMatch(l -> l.contains("rebuilding") || l.contains("in-sync")),
        seen.toString());
    byte[] r = Files.readAllBytes(cluster.dataDir(owner).resolve("volumes/" + VOLUME + ".img"));
    for (String n : List.of("n1", "n2", "n3")) {
      assertTrue(
          java.util.Arrays.equals(
              r, Files.readAllBytes(cluster.dataDir(n).resolve("volumes/" + VOLUME + ".img"))),
          n + "'s replica differs");
    }
  }

  /**
   * Waits up to 30 s for {@code check} while the load runs; fails at once with the load's own
   * failure, and on a timeout with where the load thread is, so a failure says why writes stopped.
   */
  private void awaitUnderLoad(
      String what, Thread load, AtomicReference<Throwable> failure, Interop.Check check)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!check.holds()) {
      if (failure.get() != null) {
        throw new AssertionError("the host's writes failed before " + what, failure.get());
      }
      if (System.nanoTime() > deadline) {
        StringBuilder where = new StringBuilder();
        for (StackTraceElement e : load.getStackTrace()) {
          where.append("\n  at ").append(e);
        }
        throw new AssertionError(
            "timed out after 30 s waiting for "
                + what
                + "; 'weft volume show' through "
                + viaNode
                + " says:\n"
                + show()
                + "\nthe load thread is"
                + where);
      }
      Thread.sleep(100);
    }
  }

  private HostController host(String node) throws Exception {
    return HostController.connect(
        ConnectOptions.defaults("127.0.0.1", cluster.port(node), NQN).withIoTimeout(30));
  }
}
