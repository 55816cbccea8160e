package io.weft.cli;

import static io.weft.cli.CliRun.weft;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.node.StorageNode;
import io.weft.store.embedded.EmbeddedStore;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code weft volume ...} against two storage nodes sharing one store. */
class VolumeCommandsTest {
  @TempDir Path dir;
  private EmbeddedStore store;
  private StorageNode n1;
  private StorageNode n2;
  private String admin1;
  private String admin2;

  private StorageNode node(String id, String zone) throws Exception {
    TargetConfig t =
        new TargetConfig(
            dir.resolve(id),
            List.of(ListenerConfig.of("127.0.0.1", 0)),
            List.of(),
            "127.0.0.1:0",
            TuningConfig.defaults().withSpinNanos(0));
    return StorageNode.start(
        new StorageNode.Config(id, Map.of("zone", zone), 1L << 30, null, Duration.ofSeconds(3), t),
        store);
  }

  @BeforeEach
  void start() throws Exception {
    store = EmbeddedStore.open(dir.resolve("store"));
    n1 = node("n1", "z1");
    n2 = node("n2", "z2");
    admin1 = "127.0.0.1:" + n1.target().adminAddress().getPort();
    admin2 = "127.0.0.1:" + n2.target().adminAddress().getPort();
  }

  @AfterEach
  void stop() {
    n2.close();
    n1.close();
    store.close();
  }

  @Test
  void createsListsShowsMovesAndDeletesAVolume() throws Exception {
    CliRun created =
        weft(
            "volume",
            "create",
            "--name",
            "data",
            "--size",
            "32M",
            "--replicas",
            "2",
            "--nodes",
            "n2,n1",
            "--admin",
            admin1);
    assertEquals(0, created.code(), created.err());
    assertEquals(
        "created volume data (32 MiB, 2 replicas on n2,n1, owner n2): nqn.2026-11.io.weft:vol:data",
        created.out().strip());

    CliRun list = weft("volume", "list", "--admin", admin2);
    assertTrue(
        list.out()
            .lines()
            .anyMatch(
                l ->
                    l.matches(
                        "data\\s+32 MiB\\s+2/2\\s+n2\\s+1\\s+healthy\\s+nqn\\.2026-11\\.io\\.weft:vol:data")),
        list.out());

    CliRun show = weft("volume", "show", "data", "--admin", admin1);
    assertTrue(show.out().contains("owner       n2, generation 1"), show.out());
    assertTrue(show.out().lines().anyMatch(l -> l.matches("n1\\s+replica\\s+in-sync")), show.out());

    CliRun moved = weft("volume", "move-owner", "data", "--to", "n1", "--admin", admin2);
    assertEquals(0, moved.code(), moved.err());
    assertEquals("volume data: owner n1, generation 2", moved.out().strip());

    JsonNode json =
        new ObjectMapper()
            .readTree(weft("volume", "show", "data", "-o", "json", "--admin", admin1).out());
    assertEquals("n1", json.path("owner").asText());
    assertEquals(2, json.path("generation").asInt());

    CliRun tooMany =
        weft(
            "volume",
            "create",
            "--name",
            "x",
            "--size",
            "1G",
            "--replicas",
            "3",
            "--admin",
            admin1);
    assertEquals(ExitCodes.FAILED, tooMany.code());
    assertTrue(tooMany.err().contains("cannot place 3 replicas"), tooMany.err());

    CliRun notInSync = weft("volume", "move-owner", "data", "--to", "n9", "--admin", admin1);
    assertEquals(ExitCodes.FAILED, notInSync.code());
    assertTrue(notInSync.err().contains("holds no replica"), notInSync.err());

    CliRun deleted = weft("volume", "delete", "data", "--admin", admin2);
    assertEquals(0, deleted.code(), deleted.err());
    assertEquals("no volumes", weft("volume", "list", "--admin", admin1).out().strip());
    CliRun gone = weft("volume", "show", "data", "--admin", admin1);
    assertEquals(ExitCodes.FAILED, gone.code());
    assertTrue(gone.err().contains("no volume 'data'"), gone.err());
  }

  /** The QoS a node's host-facing namespace of the volume carries, as its target reports it. */
  private static String targetQos(StorageNode n, String nqn) {
    return n.target().subsystems().stream()
        .filter(s -> s.nqn().equals(nqn))
        .flatMap(s -> s.namespaces().stream())
        .map(ns -> String.valueOf(ns.qos()))
        .findFirst()
        .orElse("not exported");
  }

  private static void await(java.util.function.BooleanSupplier done) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!done.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "timed out");
      Thread.sleep(50);
    }
  }

  @Test
  void aVolumesQosIsSetAtCreateChangedAndLifted() throws Exception {
    CliRun created =
        weft(
            "volume",
            "create",
            "--name",
            "models",
            "--size",
            "32M",
            "--replicas",
            "2",
            "--qos-class",
            "best-effort",
            "--read-iops",
            "5000",
            "--write-bw",
            "100M",
            "--admin",
            admin1);
    assertEquals(0, created.code(), created.err());
    String nqn = "nqn.2026-11.io.weft:vol:models";
    await(
        () ->
            targetQos(n1, nqn).contains("workloadClass=best-effort")
                && targetQos(n2, nqn).contains("workloadClass=best-effort"));
    CliRun show = weft("volume", "show", "models", "--admin", admin2);
    assertTrue(
        show.out()
            .contains(
                "qos         best-effort; reads <= 5000 IOPS; writes <= 100 MiB/s; floor while"
                    + " yielding 500 IOPS, 20 MiB/s"),
        show.out());

    CliRun changed =
        weft("volume", "set-qos", "models", "--qos-class", "latency-critical", "--admin", admin2);
    assertEquals(0, changed.code(), changed.err());
    assertEquals("volume models: qos latency-critical", changed.out().strip());
    await(() -> targetQos(n1, nqn).contains("workloadClass=latency-critical"));

    CliRun bad = weft("volume", "set-qos", "models", "--qos-class", "gold", "--admin", admin1);
    assertEquals(ExitCodes.USAGE, bad.code());
    assertTrue(bad.err().contains("unknown workload class 'gold'"), bad.err());
    CliRun floorOnCritical =
        weft(
            "volume",
            "set-qos",
            "models",
            "--qos-class",
            "latency-critical",
            "--min-iops",
            "5",
            "--admin",
            admin1);
    assertEquals(ExitCodes.USAGE, floorOnCritical.code());
    CliRun neither = weft("volume", "set-qos", "models", "--admin", admin1);
    assertEquals(ExitCodes.USAGE, neither.code());

    CliRun grown = weft("volume", "resize", "models", "--size", "64M", "--admin", admin2);
    assertEquals(0, grown.code(), grown.err());
    assertEquals(
        "volume models: 64 MiB (hosts see it once every replica has grown)", grown.out().strip());
    CliRun smaller = weft("volume", "resize", "models", "--size", "16M", "--admin", admin2);
    assertEquals(ExitCodes.FAILED, smaller.code());
    assertTrue(smaller.err().contains("never shrink"), smaller.err());

    CliRun lifted = weft("volume", "set-qos", "models", "--none", "--admin", admin1);
    assertEquals(0, lifted.code(), lifted.err());
    assertEquals("volume models: qos none", lifted.out().strip());
    await(() -> targetQos(n1, nqn).equals("null") && targetQos(n2, nqn).equals("null"));
  }

  @Test
  void tenantsAreCreatedListedAndKeepTheirHostsAndQuota() throws Exception {
    String host = "nqn.2014-08.org.nvmexpress:uuid:aaaaaaaa-1111-2222-3333-444444444444";
    CliRun created =
        weft(
            "tenant", "create", "--name", "acme", "--quota", "48M", "--host", host, "--admin",
            admin1);
    assertEquals(0, created.code(), created.err());
    assertEquals("created tenant acme (quota 48 MiB, 1 hosts)", created.out().strip());
    CliRun vol =
        weft(
            "volume",
            "create",
            "--name",
            "acme-db",
            "--size",
            "32M",
            "--replicas",
            "2",
            "--tenant",
            "acme",
            "--allow-host",
            host,
            "--admin",
            admin2);
    assertEquals(0, vol.code(), vol.err());
    CliRun over =
        weft(
            "volume",
            "create",
            "--name",
            "acme-more",
            "--size",
            "32M",
            "--replicas",
            "2",
            "--tenant",
            "acme",
            "--allow-host",
            host,
            "--admin",
            admin2);
    assertEquals(ExitCodes.FAILED, over.code());
    assertTrue(over.err().contains("exceed its quota"), over.err());
    CliRun stolen =
        weft(
            "volume",
            "create",
            "--name",
            "other",
            "--size",
            "16M",
            "--replicas",
            "2",
            "--allow-host",
            host,
            "--admin",
            admin1);
    assertEquals(ExitCodes.FAILED, stolen.code());
    assertTrue(stolen.err().contains("belongs to tenant 'acme'"), stolen.err());

    CliRun list = weft("tenant", "list", "--admin", admin1);
    assertTrue(
        list.out().lines().anyMatch(l -> l.matches("acme\\s+32 MiB\\s+48 MiB\\s+1\\s+1")),
        list.out());
    CliRun show = weft("tenant", "show", "acme", "--admin", admin2);
    assertTrue(show.out().contains("volumes     acme-db"), show.out());
    assertTrue(
        weft("volume", "show", "acme-db", "--admin", admin1).out().contains("tenant      acme"));
    CliRun raised = weft("tenant", "set-quota", "acme", "--quota", "0", "--admin", admin1);
    assertEquals("tenant acme: quota none, 32 MiB used", raised.out().strip());
    CliRun busy = weft("tenant", "delete", "acme", "--admin", admin1);
    assertEquals(ExitCodes.FAILED, busy.code());
    assertTrue(busy.err().contains("still has volumes [acme-db]"), busy.err());
    assertEquals(0, weft("volume", "delete", "acme-db", "--admin", admin1).code());
    assertEquals(
        "deleted tenant acme", weft("tenant", "delete", "acme", "--admin", admin1).out().strip());
  }

  @Test
  void poolsAreListedTheirRatioSetAndVolumesPlacedWithinOne() throws Exception {
    CliRun set = weft("pool", "set", "default", "--overcommit", "2", "--admin", admin1);
    assertEquals(0, set.code(), set.err());
    assertEquals("pool default: overcommit 2.0x, 4 GiB promisable, 4 GiB free", set.out().strip());
    CliRun vol =
        weft(
            "volume",
            "create",
            "--name",
            "thin",
            "--size",
            "1536M",
            "--replicas",
            "2",
            "--pool",
            "default",
            "--admin",
            admin2);
    assertEquals(0, vol.code(), vol.err());
    CliRun list = weft("pool", "list", "--admin", admin2);
    assertTrue(
        list.out()
            .lines()
            .anyMatch(
                l ->
                    l.matches(
                        "default\\s+2\\s+2 GiB\\s+2.0x\\s+4 GiB\\s+3 GiB\\s+1 GiB\\s+\\S+.*")),
        list.out());
    CliRun nowhere =
        weft(
            "volume",
            "create",
            "--name",
            "x",
            "--size",
            "16M",
            "--replicas",
            "1",
            "--pool",
            "fast",
            "--admin",
            admin1);
    assertEquals(ExitCodes.FAILED, nowhere.code());
    assertTrue(nowhere.err().contains("no node is in pool 'fast'"), nowhere.err());
    CliRun bad = weft("pool", "set", "default", "--overcommit", "0.5", "--admin", admin1);
    assertEquals(ExitCodes.FAILED, bad.code());
    assertTrue(bad.err().contains("from 1"), bad.err());
  }
}
