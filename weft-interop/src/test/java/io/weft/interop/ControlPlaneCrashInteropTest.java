package io.weft.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Storage nodes killed (as kill -9: the process halts at a named failpoint, no hook runs) at each
 * step of creating, deleting and growing a volume, and of taking a snapshot and making a clone,
 * then restarted: every time, the work completed or was undone, no replica file is left that no
 * volume owns (a replica of a deleted volume may wait in {@code orphans/}, never in service), no
 * copy is left that no ready snapshot owns, and the volume is healthy and served. Two nodes on one
 * etcd member, their data on the reflink file system; logs:
 * weft-interop/target/interop-logs/crash-*.
 */
@Tag("interop")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ControlPlaneCrashInteropTest {
  private ClusterProcesses cluster;
  private ClusterProcesses.Node n1;
  private ClusterProcesses.Node n2;
  private final List<String> report = new ArrayList<>();

  @BeforeAll
  void start() throws Exception {
    Path runDir = Interop.newRunLogDir("crash");
    // snapshots and clones: the nodes' data shares extents
    Path work = Interop.newReflinkWorkDir("crash");
    cluster =
        new ClusterProcesses(
            Files.copy(Interop.weftJar(), work.resolve("weft.jar")), work, runDir, 3);
    cluster.startEtcd();
    n1 = cluster.add("n1", "z1", null);
    n2 = cluster.add("n2", "z2", null);
    cluster.start("n1");
    cluster.start("n2");
    System.out.println("control plane crash: logs in " + runDir);
  }

  @AfterAll
  void stop() throws Exception {
    System.out.println("control plane crash steps:");
    report.forEach(l -> System.out.println("  " + l));
    if (cluster != null) {
      cluster.close();
    }
  }

  /** Restarts {@code id} with {@code failpoint} armed. */
  private void arm(String id, String failpoint) throws Exception {
    cluster.kill(id);
    cluster.start(id, failpoint);
  }

  /** Waits for the armed node to halt at its failpoint, then starts it again, disarmed. */
  private void crashAndRestart(String id, String failpoint) throws Exception {
    int code = cluster.awaitExit(id, Duration.ofSeconds(60));
    assertEquals(137, code, id + " did not halt at " + failpoint);
    cluster.start(id);
  }

  private void createVolume(String name, long mib) {
    Interop.CommandResult r = cluster.createVolume("n1", name, mib + "M", 2, "--nodes", "n1,n2");
    assertTrue(r.ok(), r.output());
  }

  private JsonNode volume(String name) throws Exception {
    return cluster.get("n1", "/v1/volumes/" + name);
  }

  /** The size hosts see on {@code node} for the volume, -1 if it does not export it. */
  private long served(String node, String name) throws Exception {
    for (JsonNode s : cluster.get(node, "/v1/subsystems")) {
      if (s.path("nqn").asText().equals("nqn.2026-11.io.weft:vol:" + name)) {
        return s.path("namespaces").path(0).path("sizeBytes").asLong(-1);
      }
    }
    return -1;
  }

  private void awaitHealthy(String name, long bytes) throws Exception {
    Interop.waitFor(
        name + " healthy and served at " + bytes + " bytes by both nodes",
        Duration.ofSeconds(60),
        () -> {
          try {
            JsonNode v = volume(name);
            return v.path("state").asText().equals("healthy")
                && v.path("sizeBytes").asLong() == bytes
                && served("n1", name) == bytes
                && served("n2", name) == bytes;
          } catch (Exception e) {
            return false;
          }
        });
  }

  /** Replica files (and their markers) in a node's volumes directory, orphans/ aside. */
  private TreeSet<String> files(String node) throws IOException {
    Path dir = cluster.dataDir(node).resolve("volumes");
    TreeSet<String> out = new TreeSet<>();
    if (Files.isDirectory(dir)) {
      try (Stream<Path> s = Files.list(dir)) {
        s.filter(Files::isRegularFile).forEach(p -> out.add(p.getFileName().toString()));
      }
    }
    return out;
  }

  /** What {@code node} should hold: a replica file and its UUID marker per volume it has. */
  private TreeSet<String> expectedFiles(String... volumes) {
    TreeSet<String> out = new TreeSet<>();
    for (String v : volumes) {
      out.add(v + ".img");
      out.add(v + ".img.uuid");
    }
    return out;
  }

  private List<String> volumeNames() throws Exception {
    List<String> out = new ArrayList<>();
    cluster.get("n1", "/v1/volumes").forEach(v -> out.add(v.path("name").asText()));
    return out;
  }

  @Test
  void aNodeKilledAtEachStepOfCreateDeleteAndGrowLeavesNothingBehind() throws Exception {
    // create: n2 dies at each step of exporting its replica of a new volume
    int i = 0;
    for (String step :
        List.of(
            "export.claimed", "export.replica-open", "export.replica-exported", "export.done")) {
      String name = "c" + i++;
      arm("n2", step);
      createVolume(name, 16);
      crashAndRestart("n2", step);
      awaitHealthy(name, 16L << 20);
      report.add("create, n2 killed at " + step + ": completed, healthy");
    }
    List<String> all = volumeNames();
    assertEquals(
        expectedFiles(all.toArray(String[]::new)), files("n2"), "n2 holds its replicas only");

    // delete: n2 dies at each step of removing its replica of a deleted volume
    for (String step : List.of("remove.unexported", "remove.replica-deleted")) {
      String name = "d" + i++;
      createVolume(name, 16);
      awaitHealthy(name, 16L << 20);
      arm("n2", step);
      awaitHealthy(name, 16L << 20);
      Interop.CommandResult del = cluster.cli("volume", "delete", name, "--admin", n1.admin());
      assertTrue(del.ok(), del.output());
      crashAndRestart("n2", step);
      Interop.waitFor(
          name + " gone from n2",
          Duration.ofSeconds(60),
          () -> {
            try {
              return served("n2", name) < 0
                  && files("n2").stream().noneMatch(f -> f.startsWith(name + "."));
            } catch (Exception e) {
              return false;
            }
          });
      Path orphans = cluster.dataDir("n2").resolve("volumes/orphans");
      boolean quarantined;
      try (Stream<Path> s = Files.exists(orphans) ? Files.list(orphans) : Stream.empty()) {
        quarantined = s.anyMatch(p -> p.getFileName().toString().endsWith("-" + name + ".img"));
      }
      report.add(
          "delete, n2 killed at "
              + step
              + ": completed, "
              + (quarantined
                  ? "its replica moved to orphans/ (deleted after the grace period)"
                  : "no file left"));
    }
    all = volumeNames();
    assertEquals(
        expectedFiles(all.toArray(String[]::new)), files("n2"), "n2 holds its replicas only");
    assertEquals(
        expectedFiles(all.toArray(String[]::new)), files("n1"), "n1 holds its replicas only");

    // grow: a replica's node dies after growing its file; the owner dies after its hand-over
    String grown = "g" + i++;
    createVolume(grown, 16);
    awaitHealthy(grown, 16L << 20);
    arm("n2", "grow.file-grown");
    awaitHealthy(grown, 16L << 20);
    Interop.CommandResult r1 =
        cluster.cli("volume", "resize", grown, "--size", "32M", "--admin", n1.admin());
    assertTrue(r1.ok(), r1.output());
    crashAndRestart("n2", "grow.file-grown");
    awaitHealthy(grown, 32L << 20);
    report.add("grow, n2 (a replica) killed after growing its file: completed, healthy");

    String owner = volume(grown).path("owner").asText();
    arm(owner, "grow.handed-over");
    awaitHealthy(grown, 32L << 20);
    Interop.CommandResult r2 =
        cluster.cli(
            "volume",
            "resize",
            grown,
            "--size",
            "48M",
            "--admin",
            (owner.equals("n1") ? n2 : n1).admin());
    assertTrue(r2.ok(), r2.output());
    crashAndRestart(owner, "grow.handed-over");
    awaitHealthy(grown, 48L << 20);
    report.add(
        "grow, the owner ("
            + owner
            + ") killed right after its hand-over: completed, healthy, owner now "
            + volume(grown).path("owner").asText());
    all = volumeNames();
    assertEquals(expectedFiles(all.toArray(String[]::new)), files("n1"));
    assertEquals(expectedFiles(all.toArray(String[]::new)), files("n2"));
    assertPromisesAreTheVolumes();
  }

  /** No leaked capacity: what the nodes have promised is exactly their volumes' sizes. */
  private void assertPromisesAreTheVolumes() throws Exception {
    long expected = 0;
    for (JsonNode v : cluster.get("n1", "/v1/volumes")) {
      expected += v.path("sizeBytes").asLong() * v.path("replicas").asLong();
    }
    long promised = 0;
    for (JsonNode p : cluster.get("n2", "/v1/pools")) {
      promised += p.path("committedBytes").asLong();
    }
    assertEquals(expected, promised, "promised capacity is the volumes' and nothing else");
  }

  /** Snapshot copies on a node (volumes/snapshots/). */
  private TreeSet<String> copies(String node) throws IOException {
    Path dir = cluster.dataDir(node).resolve("volumes/snapshots");
    TreeSet<String> out = new TreeSet<>();
    if (Files.isDirectory(dir)) {
      try (Stream<Path> s = Files.list(dir)) {
        s.forEach(p -> out.add(p.getFileName().toString()));
      }
    }
    return out;
  }

  /** The copies every node of a ready snapshot holds: its UUID's. */
  private TreeSet<String> readyCopies() throws Exception {
    TreeSet<String> out = new TreeSet<>();
    for (JsonNode s : cluster.get("n1", "/v1/snapshots")) {
      if (s.path("state").asText().equals("READY")) {
        out.add(s.path("uuid").asText() + ".img");
      }
    }
    return out;
  }

  private String snapshotState(String name) throws Exception {
    return cluster.get("n1", "/v1/snapshots/" + name).path("state").asText();
  }

  private void awaitCopiesSwept() throws Exception {
    Interop.waitFor(
        "only ready snapshots' copies left",
        Duration.ofSeconds(30),
        () -> {
          try {
            TreeSet<String> ready = readyCopies();
            return copies("n1").equals(ready) && copies("n2").equals(ready);
          } catch (Exception e) {
            return false;
          }
        });
  }

  @Test
  void aNodeKilledAtEachStepOfASnapshotAndACloneLeavesNothingBehind() throws Exception {
    createVolume("snap-src", 16);
    awaitHealthy("snap-src", 16L << 20);
    String owner = volume("snap-src").path("owner").asText();
    String other = owner.equals("n1") ? "n2" : "n1";
    ClusterProcesses.Node otherNode = owner.equals("n1") ? n2 : n1;

    // the owner dies while it holds writes for the snapshot
    arm(owner, "snapshot.frozen");
    awaitHealthy("snap-src", 16L << 20);
    java.util.concurrent.CompletableFuture<Interop.CommandResult> taking =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () ->
                cluster.cli(
                    "snapshot",
                    "create",
                    "--volume",
                    "snap-src",
                    "--name",
                    "crash-a",
                    "--admin",
                    otherNode.admin()));
    crashAndRestart(owner, "snapshot.frozen");
    Interop.CommandResult a = taking.get();
    assertTrue(!a.ok(), "a snapshot whose owner died is not ready: " + a.output());
    Interop.waitFor(
        "crash-a failed",
        Duration.ofSeconds(90),
        () -> {
          try {
            return snapshotState("crash-a").equals("FAILED");
          } catch (Exception e) {
            return false;
          }
        });
    awaitHealthy("snap-src", 16L << 20);
    awaitCopiesSwept();
    report.add("snapshot, the owner killed while holding writes: failed, its copies swept");

    // a replica's node dies after its copy, before saying so
    owner = volume("snap-src").path("owner").asText();
    other = owner.equals("n1") ? "n2" : "n1";
    ClusterProcesses.Node ownerNode = owner.equals("n1") ? n1 : n2;
    arm(other, "snapshot.copied");
    awaitHealthy("snap-src", 16L << 20);
    Interop.CommandResult b =
        cluster.cli(
            "snapshot",
            "create",
            "--volume",
            "snap-src",
            "--name",
            "crash-b",
            "--admin",
            ownerNode.admin());
    assertTrue(!b.ok() && b.output().contains("no copy from"), b.output());
    crashAndRestart(other, "snapshot.copied");
    awaitHealthy("snap-src", 16L << 20);
    awaitCopiesSwept();
    report.add("snapshot, a replica's node killed after its copy: failed, its copies swept");

    // taken cleanly, then a clone whose replica's node dies right after copying it
    Interop.CommandResult c =
        cluster.cli(
            "snapshot",
            "create",
            "--volume",
            "snap-src",
            "--name",
            "crash-c",
            "--admin",
            ownerNode.admin());
    assertTrue(c.ok(), c.output());
    arm(other, "clone.copied");
    awaitHealthy("snap-src", 16L << 20);
    Interop.CommandResult clone =
        cluster.cli(
            "volume",
            "create",
            "--name",
            "snap-clone",
            "--from-snapshot",
            "crash-c",
            "--replicas",
            "2",
            "--admin",
            ownerNode.admin());
    assertTrue(clone.ok(), clone.output());
    crashAndRestart(other, "clone.copied");
    awaitHealthy("snap-clone", 16L << 20);
    awaitCopiesSwept();
    List<String> all = volumeNames();
    assertEquals(expectedFiles(all.toArray(String[]::new)), files("n1"));
    assertEquals(expectedFiles(all.toArray(String[]::new)), files("n2"));
    assertPromisesAreTheVolumes();
    report.add("clone, a replica's node killed after copying the snapshot: completed, healthy");
  }
}
