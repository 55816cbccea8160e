package io.weft.node.volume;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.host.ConnectOptions;
import io.weft.host.HostController;
import io.weft.host.NvmeException;
import io.weft.host.NvmeNamespace;
import io.weft.node.NodeException;
import io.weft.node.StorageNode;
import io.weft.protocol.nvme.Status;
import io.weft.store.embedded.EmbeddedStore;
import io.weft.tgt.AnaStateInfo;
import io.weft.tgt.NamespaceInfo;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import io.weft.tgt.qos.QosPolicy;
import io.weft.tgt.qos.WorkloadClass;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replicated volumes on three storage nodes in one JVM sharing one (embedded) cluster store:
 * placement, exports with one identity, ANA by owner, writes on every in-sync replica, owner moves,
 * fencing of an older generation, a failed replica leaving the in-sync set, and failover when the
 * owner dies.
 */
class ReplicatedVolumesTest {
  static final long SIZE = 16L << 20;
  static final Duration TTL = Duration.ofSeconds(2);

  @TempDir Path dir;
  private EmbeddedStore store;
  private final Map<String, StorageNode> nodes = new LinkedHashMap<>();

  @BeforeEach
  void start() throws Exception {
    store = EmbeddedStore.open(dir.resolve("store"));
    for (String[] n : new String[][] {{"n1", "z1"}, {"n2", "z2"}, {"n3", "z3"}}) {
      nodes.put(n[0], StorageNode.start(config(n[0], n[1]), store));
    }
  }

  @AfterEach
  void stop() {
    for (StorageNode n : nodes.values()) {
      try {
        n.close();
      } catch (RuntimeException e) {
        // crashed already
      }
    }
    store.close();
  }

  private StorageNode.Config config(String id, String zone) {
    TargetConfig target =
        new TargetConfig(
            dir.resolve(id),
            List.of(ListenerConfig.of("127.0.0.1", 0)),
            List.of(),
            "127.0.0.1:0",
            TuningConfig.defaults().withSpinNanos(0));
    return new StorageNode.Config(id, Map.of("zone", zone), 1L << 30, null, TTL, target);
  }

  private VolumeService volumes() {
    return new VolumeService(store, nodes.get("n1").registry());
  }

  private VolumeRecord create(String name, int replicas, List<String> on) {
    return volumes()
        .create(new VolumeService.CreateRequest(name, SIZE, replicas, on, List.of(), null, null));
  }

  private static void await(String what, Duration limit, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(50);
    }
  }

  private String ana(String node, String nqn) {
    try {
      return nodes.get(node).target().anaStates(nqn).stream()
          .filter(s -> s.group() == 1)
          .map(AnaStateInfo::state)
          .findFirst()
          .orElse("none");
    } catch (Exception e) {
      return "none";
    }
  }

  private HostController host(String node, String nqn) throws IOException {
    InetSocketAddress a = nodes.get(node).target().listenAddresses().get(0);
    return HostController.connect(
        ConnectOptions.defaults("127.0.0.1", a.getPort(), nqn)
            .withTimeouts(5, 2, 1, 1)
            .withIoTimeout(10));
  }

  private static byte[] pattern(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static void write(NvmeNamespace ns, long offset, byte[] data) throws IOException {
    ns.writeBlocking(offset / 512, data.length / 512, Unpooled.wrappedBuffer(data), 0);
  }

  private static byte[] read(NvmeNamespace ns, long offset, int length) throws IOException {
    ByteBuf b = Unpooled.buffer(length).writerIndex(length);
    ns.readBlocking(offset / 512, length / 512, b, 0);
    byte[] out = new byte[length];
    b.getBytes(0, out);
    return out;
  }

  private byte[] replicaFile(String node, String volume) throws IOException {
    return Files.readAllBytes(dir.resolve(node).resolve("volumes").resolve(volume + ".img"));
  }

  /**
   * One sample of a node's {@code /metrics}, by its name and labels as the exposition writes them
   * (sorted), e.g. {@code weft_failovers_total{volume="v4"}}; NaN if absent.
   */
  private double metric(String node, String sample) throws Exception {
    String text =
        java.net.http.HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(
                            "http://127.0.0.1:"
                                + nodes.get(node).target().adminAddress().getPort()
                                + "/metrics"))
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString())
            .body();
    return text.lines()
        .filter(l -> l.startsWith(sample + " "))
        .mapToDouble(l -> Double.parseDouble(l.substring(sample.length() + 1).trim()))
        .findFirst()
        .orElse(Double.NaN);
  }

  private VolumeRecord record(String name) {
    return volumes().require(name).volume();
  }

  @Test
  void aVolumeIsPlacedExportedEverywhereWithOneIdentityAndServedByItsOwner() throws Exception {
    VolumeRecord v = create("v1", 2, List.of("n1", "n2"));
    assertEquals("nqn.2026-11.io.weft:vol:v1", v.nqn());
    assertEquals("n1", v.owner());
    await("n1 optimized", Duration.ofSeconds(10), () -> ana("n1", v.nqn()).equals("optimized"));
    await("n2 exports", Duration.ofSeconds(10), () -> ana("n2", v.nqn()).equals("inaccessible"));
    assertEquals("none", ana("n3", v.nqn()), "n3 holds no replica");
    NamespaceInfo on1 =
        nodes.get("n1").target().subsystems().stream()
            .filter(s -> s.nqn().equals(v.nqn()))
            .findFirst()
            .orElseThrow()
            .namespaces()
            .get(0);
    NamespaceInfo on2 =
        nodes.get("n2").target().subsystems().stream()
            .filter(s -> s.nqn().equals(v.nqn()))
            .findFirst()
            .orElseThrow()
            .namespaces()
            .get(0);
    assertEquals(on1.nguid(), on2.nguid(), "one namespace identity on every node");
    assertEquals(v.uuid(), on1.uuid());

    byte[] data = pattern(1 << 20, 1);
    try (HostController c = host("n1", v.nqn())) {
      NvmeNamespace ns = c.namespace(1);
      write(ns, 4096, data);
      ns.flushBlocking();
      assertArrayEquals(data, read(ns, 4096, data.length));
    }
    byte[] f1 = replicaFile("n1", "v1");
    byte[] f2 = replicaFile("n2", "v1");
    assertArrayEquals(f1, f2, "both replicas hold the write");
    assertArrayEquals(data, java.util.Arrays.copyOfRange(f2, 4096, 4096 + data.length));

    // The non-owner's path refuses I/O with a path status a multipath host fails over on.
    try (HostController c = host("n2", v.nqn());
        HostController other = host("n1", v.nqn())) {
      assertTrue(
          c.cntlid() != other.cntlid(),
          "controller IDs are unique across the nodes of one subsystem (the Linux host rejects a"
              + " duplicate): "
              + c.cntlid());
      NvmeException e = assertThrows(NvmeException.class, () -> read(c.namespace(1), 0, 512));
      assertEquals(Status.SCT_PATH, Status.sct(e.status()), e.getMessage());
      assertFalse(Status.dnr(e.status()));
    }
  }

  /** The size a node's host-facing namespace of {@code nqn} shows hosts (-1: not exported). */
  private long hostSize(String node, String nqn) {
    return nodes.get(node).target().subsystems().stream()
        .filter(s -> s.nqn().equals(nqn))
        .flatMap(s -> s.namespaces().stream())
        .mapToLong(NamespaceInfo::sizeBytes)
        .findFirst()
        .orElse(-1);
  }

  @Test
  void aVolumeGrowsOnlineWithTheHostConnectedAndEveryReplicaFollows() throws Exception {
    VolumeRecord v = create("g1", 2, List.of("n1", "n2"));
    await("n1 optimized", Duration.ofSeconds(10), () -> ana("n1", v.nqn()).equals("optimized"));
    byte[] before = pattern(64 << 10, 7);
    try (HostController c = host("n1", v.nqn())) {
      write(c.namespace(1), SIZE - before.length, before);
      c.namespace(1).flushBlocking();

      VolumeRecord grown = volumes().resize("g1", 2 * SIZE);
      assertEquals(2 * SIZE, grown.sizeBytes());
      assertEquals(v.generation(), grown.generation(), "recorded first, served after");
      assertTrue(grown.growing(), "hosts still see " + grown.servedBytes());
      await(
          "the owner serves the new size",
          Duration.ofSeconds(20),
          () -> hostSize("n1", v.nqn()) == 2 * SIZE);
      await("n2 shows it too", Duration.ofSeconds(10), () -> hostSize("n2", v.nqn()) == 2 * SIZE);
      assertEquals(v.generation() + 1, record("g1").generation(), "served through a hand-over");
      await(
          "the growth recorded as done",
          Duration.ofSeconds(10),
          () -> record("g1").servedBytes() == 2 * SIZE);
      assertEquals(List.of("n1", "n2"), record("g1").inSync(), "no replica left behind");
      await(
          "optimized again", Duration.ofSeconds(10), () -> ana("n1", v.nqn()).equals("optimized"));

      // The same connection: the host identifies the namespace again and finds it larger.
      assertEquals(2 * SIZE / 512, c.identifyNamespace(1).sizeBlocks());
      NvmeNamespace ns = c.namespace(1);
      byte[] after = pattern(64 << 10, 8);
      write(ns, 2 * SIZE - after.length, after);
      ns.flushBlocking();
      assertArrayEquals(before, read(ns, SIZE - before.length, before.length), "nothing moved");
      assertArrayEquals(after, read(ns, 2 * SIZE - after.length, after.length));
    }
    for (String n : List.of("n1", "n2")) {
      byte[] file = replicaFile(n, "g1");
      assertEquals(2 * SIZE, file.length, n);
      assertArrayEquals(
          pattern(64 << 10, 8),
          java.util.Arrays.copyOfRange(file, (int) (2 * SIZE - (64 << 10)), (int) (2 * SIZE)),
          "the write at the new end reached " + n);
    }

    assertEquals(2 * SIZE, volumes().resize("g1", 2 * SIZE).sizeBytes(), "idempotent");
    NodeException shrink = assertThrows(NodeException.class, () -> volumes().resize("g1", SIZE));
    assertTrue(shrink.getMessage().contains("never shrink"), shrink.getMessage());
    NodeException full =
        assertThrows(NoCapacityException.class, () -> volumes().resize("g1", 2L << 30));
    assertTrue(full.getMessage().contains("bytes free"), full.getMessage());
    assertEquals(2 * SIZE, record("g1").sizeBytes(), "a refusal changes nothing");
  }

  /** The QoS a node's host-facing namespace of {@code nqn} carries ("none" without). */
  private String qosOn(String node, String nqn) {
    return nodes.get(node).target().subsystems().stream()
        .filter(s -> s.nqn().equals(nqn))
        .flatMap(s -> s.namespaces().stream())
        .map(n -> String.valueOf(n.qos()))
        .findFirst()
        .orElse("not exported");
  }

  @Test
  void aVolumesQosIsAppliedByEveryNodeExportingItAndFollowsChanges() throws Exception {
    QosPolicy gold = new QosPolicy(WorkloadClass.LATENCY_CRITICAL, 50_000, 20_000, 0, 0, 0, 0);
    VolumeRecord v =
        volumes()
            .create(
                new VolumeService.CreateRequest(
                    "q1",
                    SIZE,
                    2,
                    List.of("n1", "n2"),
                    List.of(),
                    null,
                    null,
                    null,
                    null,
                    null,
                    gold,
                    null,
                    null,
                    null));
    assertEquals(gold, record("q1").qos(), "kept in the store");
    for (String n : List.of("n1", "n2")) {
      await(n + " applies it", Duration.ofSeconds(10), () -> qosOn(n, v.nqn()).equals("" + gold));
      assertEquals("null", qosOn(n, v.replicaNqn()), "replication traffic is never held back");
    }
    QosPolicy bulk = new QosPolicy(WorkloadClass.BEST_EFFORT, 0, 0, 0, 100L << 20, 200, 0);
    volumes().setQos("q1", bulk);
    for (String n : List.of("n1", "n2")) {
      await(n + " follows", Duration.ofSeconds(10), () -> qosOn(n, v.nqn()).equals("" + bulk));
    }
    volumes().setQos("q1", null);
    for (String n : List.of("n1", "n2")) {
      await(n + " lifts it", Duration.ofSeconds(10), () -> qosOn(n, v.nqn()).equals("null"));
    }
  }

  @Test
  void placementSpreadsAcrossZonesAndRefusesWhatCannotBeMet() {
    VolumeRecord v = create("spread", 3, List.of());
    assertEquals(3, v.nodes().stream().distinct().count());
    NodeException e = assertThrows(NodeException.class, () -> create("toomany", 4, List.of()));
    assertTrue(e.getMessage().contains("cannot place 4 replicas"), e.getMessage());
    assertThrows(NodeException.class, () -> create("spread", 1, List.of()), "exists");
  }

  @Test
  void movingTheOwnerFlipsAnaAndFencesTheOldGeneration() throws Exception {
    VolumeRecord v = create("v2", 2, List.of("n1", "n2"));
    await("n1 owner", Duration.ofSeconds(10), () -> ana("n1", v.nqn()).equals("optimized"));
    byte[] before = pattern(64 << 10, 2);
    try (HostController c = host("n1", v.nqn())) {
      write(c.namespace(1), 0, before);
    }
    VolumeRecord moved = volumes().moveOwner("v2", "n2");
    assertEquals(2, moved.generation());
    await("n2 owner", Duration.ofSeconds(10), () -> ana("n2", v.nqn()).equals("optimized"));
    await(
        "n1 stands down", Duration.ofSeconds(10), () -> ana("n1", v.nqn()).equals("inaccessible"));
    byte[] after = pattern(64 << 10, 3);
    try (HostController c = host("n2", v.nqn())) {
      NvmeNamespace ns = c.namespace(1);
      assertArrayEquals(before, read(ns, 0, before.length), "the new owner has the old data");
      write(ns, 65536, after);
      ns.flushBlocking();
    }
    assertArrayEquals(replicaFile("n1", "v2"), replicaFile("n2", "v2"));

    // An owner of generation 1 (n1 before the move) can no longer reach n2's replica.
    InetSocketAddress a2 = nodes.get("n2").target().listenAddresses().get(0);
    String stale = VolumeRecord.ownerHostNqn("n1", 1);
    IOException refused =
        assertThrows(
            IOException.class,
            () ->
                HostController.connect(
                        ConnectOptions.defaults("127.0.0.1", a2.getPort(), moved.replicaNqn())
                            .withHost(stale, UUID.nameUUIDFromBytes(stale.getBytes()))
                            .withTimeouts(5, 0, 1, 0))
                    .close());
    assertTrue(
        String.valueOf(refused.getMessage()).toLowerCase().contains("host"), refused.toString());
  }

  @Test
  void aFailedReplicaLeavesTheInSyncSetAndWritesGoOn() throws Exception {
    VolumeRecord v = create("v3", 2, List.of("n1", "n2"));
    await("n1 owner", Duration.ofSeconds(10), () -> ana("n1", v.nqn()).equals("optimized"));
    try (HostController c = host("n1", v.nqn())) {
      NvmeNamespace ns = c.namespace(1);
      write(ns, 0, pattern(8192, 4));
      nodes.get("n2").crash();
      byte[] later = pattern(8192, 5);
      write(ns, 8192, later); // waits for the replica to be declared failed, then completes
      assertArrayEquals(later, read(ns, 8192, later.length));
    }
    VolumeRecord r = record("v3");
    assertEquals(List.of("n1"), r.inSync(), "n2 left the in-sync set before the write was acked");
    assertEquals(1, r.generation(), "no ownership change");
  }

  @Test
  void whenTheOwnerDiesAnInSyncReplicaTakesOverWithTheData() throws Exception {
    VolumeRecord v = create("v4", 3, List.of("n1", "n2", "n3"));
    await("n1 owner", Duration.ofSeconds(10), () -> ana("n1", v.nqn()).equals("optimized"));
    byte[] data = pattern(256 << 10, 6);
    try (HostController c = host("n1", v.nqn())) {
      write(c.namespace(1), 0, data);
    }
    long crashed = System.nanoTime();
    nodes.get("n1").crash();
    await(
        "n2 takes over",
        TTL.plus(Duration.ofSeconds(8)),
        () -> "n2".equals(record("v4").owner()) && ana("n2", v.nqn()).equals("optimized"));
    long tookMs = (System.nanoTime() - crashed) / 1_000_000;
    VolumeRecord r = record("v4");
    assertEquals(2, r.generation());
    assertEquals(List.of("n2", "n3"), r.inSync(), "the dead owner is out of sync");
    try (HostController c = host("n2", v.nqn())) {
      NvmeNamespace ns = c.namespace(1);
      assertArrayEquals(data, read(ns, 0, data.length), "every acknowledged write survived");
      byte[] more = pattern(4096, 7);
      write(ns, 1 << 20, more);
      ns.flushBlocking();
    }
    assertArrayEquals(replicaFile("n2", "v4"), replicaFile("n3", "v4"));
    // The metrics say so: one failover by n2 (none by n3), a new generation, one replica out.
    assertEquals(1, metric("n2", "weft_failovers_total{volume=\"v4\"}"));
    assertTrue(Double.isNaN(metric("n3", "weft_failovers_total{volume=\"v4\"}")));
    assertEquals(2, metric("n3", "weft_volume_generation{volume=\"v4\"}"));
    assertEquals(2, metric("n3", "weft_volume_replicas{state=\"in_sync\",volume=\"v4\"}"));
    assertEquals(1, metric("n2", "weft_volume_replicas{state=\"out_of_sync\",volume=\"v4\"}"));
    System.out.println("failover took " + tookMs + " ms with a " + TTL.toMillis() + " ms lease");
  }

  @Test
  void deletingAVolumeRemovesItsExportsAndFiles() throws Exception {
    VolumeRecord v = create("v5", 2, List.of("n2", "n3"));
    await("n2 owner", Duration.ofSeconds(10), () -> ana("n2", v.nqn()).equals("optimized"));
    volumes().delete("v5");
    await(
        "unexported",
        Duration.ofSeconds(10),
        () -> ana("n2", v.nqn()).equals("none") && ana("n3", v.nqn()).equals("none"));
    await(
        "files gone", Duration.ofSeconds(5), () -> !Files.exists(dir.resolve("n2/volumes/v5.img")));
    assertEquals(new ArrayList<>(), new ArrayList<>(volumes().list()));
  }

  /**
   * A volume deleted while one of its replica nodes is down: that node's replica stays behind until
   * it returns, and is removed then (no orphan replica, no space kept). A volume created again
   * under the same name gets a fresh replica, never the old one's data.
   */
  @Test
  void aReplicaOfAVolumeDeletedWhileItsNodeWasDownIsRemovedWhenTheNodeReturns() throws Exception {
    VolumeRecord v = create("v9", 2, List.of("n1", "n3"));
    await("n1 owner", Duration.ofSeconds(10), () -> ana("n1", v.nqn()).equals("optimized"));
    try (HostController c = host("n1", v.nqn())) {
      write(c.namespace(1), 0, pattern(64 << 10, 31));
    }
    Path orphan = dir.resolve("n3/volumes/v9.img");
    assertTrue(Files.exists(orphan));
    nodes.get("n3").close();
    volumes().delete("v9");
    // the same name again, on nodes that are up; n3's old replica must not become its data
    VolumeRecord again = create("v9", 1, List.of("n1"));
    await(
        "n1 serves the new v9",
        Duration.ofSeconds(10),
        () -> ana("n1", again.nqn()).equals("optimized"));
    assertTrue(Files.exists(orphan), "n3 was down: its replica is still there");

    nodes.put("n3", StorageNode.start(config("n3", "z3"), store));
    await("n3's orphan removed", Duration.ofSeconds(10), () -> !Files.exists(orphan));
    assertFalse(Files.exists(dir.resolve("n3/volumes/v9.img.uuid")));
    try (var moved = Files.list(dir.resolve("n3/volumes/orphans"))) {
      assertEquals(
          2,
          moved.filter(p -> p.getFileName().toString().matches("\\d+-v9\\.img(\\.uuid)?")).count(),
          "the replica and its marker wait in orphans/");
    }
    try (HostController c = host("n1", again.nqn())) {
      assertArrayEquals(new byte[64 << 10], read(c.namespace(1), 0, 64 << 10), "a new volume");
    }
  }

  /**
   * Many creates at once, more than the nodes have room for (1 GiB each, 300 MiB volumes: three fit
   * on a node): each create commits only on the promises it counted, so no node is promised more
   * than it has.
   */
  @Test
  void concurrentCreatesNeverPromiseTheSameSpaceTwice() throws Exception {
    long size = 300L << 20;
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(8);
    List<java.util.concurrent.Future<Boolean>> results = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      String name = "race" + i;
      results.add(
          pool.submit(
              () -> {
                try {
                  volumes()
                      .create(
                          new VolumeService.CreateRequest(
                              name, size, 1, List.of(), List.of(), null, null));
                  return true;
                } catch (NoCapacityException full) {
                  return false;
                }
              }));
    }
    int created = 0;
    for (var r : results) {
      created += r.get() ? 1 : 0;
    }
    pool.shutdown();
    assertEquals(9, created, "three 300 MiB volumes fit on each of three 1 GiB nodes");
    volumes()
        .committedBytes()
        .forEach((node, bytes) -> assertTrue(bytes <= 1L << 30, node + " " + bytes));
  }

  @Test
  void aReturningReplicaIsRebuiltFromItsChangedRegionsWhileWritesGoOn() throws Exception {
    VolumeRecord v = create("v6", 2, List.of("n1", "n2"));
    await("n1 owner", Duration.ofSeconds(10), () -> ana("n1", v.nqn()).equals("optimized"));
    try (HostController c = host("n1", v.nqn())) {
      NvmeNamespace ns = c.namespace(1);
      write(ns, 0, pattern(1 << 20, 8));
      nodes.get("n2").crash();
      write(ns, 5L << 20, pattern(64 << 10, 9)); // n2 misses this: region 5
      assertEquals(List.of("n1"), record("v6").inSync());
      // Replication lag, as the owner's metrics show it: one 1 MiB region behind.
      assertEquals(
          1 << 20, metric("n1", "weft_replica_behind_bytes{replica=\"n2\",volume=\"v6\"}"));
      nodes.put("n2", StorageNode.start(config("n2", "z2"), store));
      await("n2 rebuilt", Duration.ofSeconds(20), () -> record("v6").isInSync("n2"));
      VolumeService.RebuildProgress last = volumes().rebuilds("v6").get("n2");
      assertEquals(1, last.totalRegions(), "only the region it missed was copied: " + last);
      assertFalse(last.full());
      assertArrayEquals(replicaFile("n1", "v6"), replicaFile("n2", "v6"), "identical replicas");
      // Out again, and rebuilt while writes keep coming (each reaches n2 once its rebuild began).
      nodes.get("n2").crash();
      write(ns, 0, pattern(4096, 13));
      nodes.put("n2", StorageNode.start(config("n2", "z2"), store));
      Random random = new Random(10);
      long end = System.nanoTime() + Duration.ofSeconds(2).toNanos();
      while (System.nanoTime() < end || !record("v6").isInSync("n2")) {
        long offset = (long) random.nextInt((int) (SIZE / 4096)) * 4096;
        write(ns, offset, pattern(4096, random.nextLong()));
        if (System.nanoTime() - end > Duration.ofSeconds(20).toNanos()) {
          throw new AssertionError("n2 not back in sync: " + record("v6"));
        }
      }
      ns.flushBlocking();
    }
    assertEquals(List.of("n1", "n2"), record("v6").inSync());
    assertArrayEquals(replicaFile("n1", "v6"), replicaFile("n2", "v6"), "identical replicas");
  }

  /**
   * The owner dies with a write that reached one replica (n3) and not the other (n2): simulated by
   * writing to n3's replica subsystem as the owner's generation. n2 takes over; the replicas report
   * what they were written in lately, n2 copies those regions to n3, and the two in-sync replicas
   * are identical again, holding n2's data (the write was never acknowledged).
   */
  @Test
  void aTakeoverMakesTheReplicasIdenticalWhereTheOldOwnersLastWritesDiverged() throws Exception {
    VolumeRecord v = create("diverge", 3, List.of("n1", "n2", "n3"));
    await("n1 owner", Duration.ofSeconds(10), () -> ana("n1", v.nqn()).equals("optimized"));
    try (HostController c = host("n1", v.nqn())) {
      write(c.namespace(1), 0, pattern(4 << 20, 31));
    }
    InetSocketAddress n3 = nodes.get("n3").target().listenAddresses().get(0);
    String oldOwner = v.ownerHostNqn();
    try (HostController asOwner =
        HostController.connect(
            ConnectOptions.defaults("127.0.0.1", n3.getPort(), v.replicaNqn())
                .withHost(oldOwner, UUID.nameUUIDFromBytes(oldOwner.getBytes()))
                .withIoTimeout(10))) {
      write(asOwner.namespace(1), (1L << 20) + 8192, pattern(64 << 10, 32));
    }
    assertFalse(
        java.util.Arrays.equals(replicaFile("n2", "diverge"), replicaFile("n3", "diverge")),
        "n3 holds a write n2 never got");
    nodes.get("n1").crash();
    await(
        "n2 owner", TTL.plus(Duration.ofSeconds(8)), () -> ana("n2", v.nqn()).equals("optimized"));
    await(
        "n3 identical to n2",
        Duration.ofSeconds(15),
        () -> {
          try {
            return java.util.Arrays.equals(
                replicaFile("n2", "diverge"), replicaFile("n3", "diverge"));
          } catch (IOException e) {
            return false;
          }
        });
    assertEquals(List.of("n2", "n3"), record("diverge").inSync());
  }

  @Test
  void aFormerOwnerComesBackWithAFullCopy() throws Exception {
    VolumeRecord v = create("v7", 3, List.of("n1", "n2", "n3"));
    await("n1 owner", Duration.ofSeconds(10), () -> ana("n1", v.nqn()).equals("optimized"));
    try (HostController c = host("n1", v.nqn())) {
      write(c.namespace(1), 0, pattern(2 << 20, 11));
    }
    nodes.get("n1").crash();
    await(
        "n2 owner", TTL.plus(Duration.ofSeconds(8)), () -> ana("n2", v.nqn()).equals("optimized"));
    try (HostController c = host("n2", v.nqn())) {
      write(c.namespace(1), 3L << 20, pattern(1 << 20, 12));
    }
    nodes.put("n1", StorageNode.start(config("n1", "z1"), store));
    await("n1 rebuilt", Duration.ofSeconds(30), () -> record("v7").inSync().size() == 3);
    VolumeRecord r = record("v7");
    assertEquals("n2", r.owner());
    assertEquals("inaccessible", ana("n1", v.nqn()), "the former owner is a plain replica now");
    byte[] owner = replicaFile("n2", "v7");
    assertArrayEquals(owner, replicaFile("n1", "v7"));
    assertArrayEquals(owner, replicaFile("n3", "v7"));
  }

  /**
   * A replica whose disk fills up (n2's volumes directory on a 3 MiB tmpfs; the volume is thin, so
   * the replica only runs out as data arrives): the host's writes go on, n2 leaves the in-sync set
   * with the reason in {@code volume show}, its rebuilds stop on the same reason, and once space is
   * there again it is rebuilt and identical. Needs root (mount).
   */
  @Test
  void aReplicaWhoseDiskIsFullLeavesTheInSyncSetAndComesBackWhenThereIsSpace() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        "root".equals(System.getProperty("user.name")), "mounting a small tmpfs needs root");
    nodes.get("n2").crash();
    Path small = dir.resolve("n2").resolve("volumes"); // its identity stays where it was
    Files.createDirectories(small);
    run("mount", "-t", "tmpfs", "-o", "size=3m", "weft-test-full", small.toString());
    try {
      nodes.put("n2", StorageNode.start(config("n2", "z2"), store));
      VolumeRecord v = create("full", 2, List.of("n1", "n2"));
      await("n1 owner", Duration.ofSeconds(10), () -> ana("n1", v.nqn()).equals("optimized"));
      byte[] data = pattern(8 << 20, 21);
      try (HostController c = host("n1", v.nqn())) {
        NvmeNamespace ns = c.namespace(1);
        // 8 MiB in 256 KiB writes: n2's disk is full after about 3 MiB; every write succeeds.
        for (int off = 0; off < data.length; off += 256 << 10) {
          write(ns, off, java.util.Arrays.copyOfRange(data, off, off + (256 << 10)));
        }
        ns.flushBlocking();
        assertArrayEquals(data, read(ns, 0, data.length), "every acknowledged byte reads back");
      }
      assertEquals(List.of("n1"), record("full").inSync());
      assertEquals("degraded", VolumeView.of(record("full"), volumes().rebuilds("full")).state());
      // The owner retries a rebuild every few seconds, so n2 may be between attempts or in one
      // ("rebuilding 0%") right now; between them, it says why it is out of sync.
      await(
          "n2 out of sync for its full disk",
          Duration.ofSeconds(30),
          () -> {
            String n2 =
                VolumeView.of(record("full"), volumes().rebuilds("full"))
                    .replicaStates()
                    .get(1)
                    .state();
            return n2.startsWith("out-of-sync") && n2.contains("disk full");
          });
      // Its rebuild runs out of space too, and says so.
      await(
          "a rebuild stopped by the full disk",
          Duration.ofSeconds(30),
          () ->
              VolumeView.of(record("full"), volumes().rebuilds("full"))
                  .replicaStates()
                  .get(1)
                  .state()
                  .equals("out-of-sync: rebuild stopped: disk full (Capacity Exceeded)"));

      run("mount", "-o", "remount,size=64m", small.toString());
      await("n2 rebuilt", Duration.ofSeconds(30), () -> record("full").isInSync("n2"));
      assertEquals("healthy", VolumeView.of(record("full"), volumes().rebuilds("full")).state());
      assertArrayEquals(replicaFile("n1", "full"), replicaFile("n2", "full"));
      // The full copy kept the replica thin: the 8 MiB never written were not allocated.
      Path n2File = small.resolve("full.img");
      Process stat = new ProcessBuilder("stat", "-c", "%b %B", n2File.toString()).start();
      String[] blocks = new String(stat.getInputStream().readAllBytes()).trim().split(" ");
      long allocated = Long.parseLong(blocks[0]) * Long.parseLong(blocks[1]);
      assertTrue(allocated <= (9L << 20), "n2's replica allocates " + allocated + " bytes");
    } finally {
      nodes.get("n2").crash();
      run("umount", "-l", small.toString());
    }
  }

  private static void run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + out);
  }

  /**
   * Writes of up to 64 KiB to the first 256 KiB, sixteen in flight: two writes to one block are
   * almost always in flight together. Whatever order the owner gives them, every replica must end
   * with the same one, or a read after a failover would return other data.
   */
  @Test
  void overlappingWritesLandInTheSameOrderOnEveryReplica() throws Exception {
    VolumeRecord v = create("overlap", 3, List.of("n1", "n2", "n3"));
    await("n1 owner", Duration.ofSeconds(10), () -> ana("n1", v.nqn()).equals("optimized"));
    try (HostController c = host("n1", v.nqn())) {
      NvmeNamespace ns = c.namespace(1);
      int blockSize = ns.blockSize();
      List<java.util.concurrent.CompletableFuture<Void>> inFlight = new ArrayList<>();
      Random random = new Random(7);
      int span = (64 << 10) / blockSize; // writes of up to 64 KiB within the first 256 KiB
      for (int i = 0; i < 4000; i++) {
        long block = random.nextInt(3 * span);
        int blocks = 1 + random.nextInt(span);
        ByteBuf data = Unpooled.wrappedBuffer(pattern(blocks * blockSize, random.nextLong()));
        inFlight.add(ns.write(block, blocks, data, 0).whenComplete((ok, e) -> data.release()));
        if (inFlight.size() == 16) {
          inFlight.remove(0).get(10, java.util.concurrent.TimeUnit.SECONDS);
        }
      }
      for (var f : inFlight) {
        f.get(10, java.util.concurrent.TimeUnit.SECONDS);
      }
      ns.flushBlocking();
    }
    assertEquals(List.of("n1", "n2", "n3"), record("overlap").inSync());
    byte[] owner = replicaFile("n1", "overlap");
    assertArrayEquals(owner, replicaFile("n2", "overlap"), "n2 as n1");
    assertArrayEquals(owner, replicaFile("n3", "overlap"), "n3 as n1");
  }

  /**
   * Rebuilds under writes that keep hitting every region of a small volume (four 1 MiB regions)
   * from several threads: each rebuild may have to copy a region many times, and must never copy
   * old data over a newer write. Three rounds; the replicas must be identical after each.
   */
  @Test
  void rebuildsUnderHotWritesNeverLeaveAStaleRegion() throws Exception {
    VolumeRecord v =
        volumes()
            .create(
                new VolumeService.CreateRequest(
                    "hot", 4L << 20, 2, List.of("n1", "n2"), List.of(), null, 4096));
    await("n1 owner", Duration.ofSeconds(10), () -> ana("n1", v.nqn()).equals("optimized"));
    for (int round = 0; round < 3; round++) {
      nodes.get("n2").crash();
      try (HostController c = host("n1", v.nqn())) {
        NvmeNamespace ns = c.namespace(1);
        // 4 KiB blocks here: one block, and n2 leaves the in-sync set.
        ns.writeBlocking(0, 1, Unpooled.wrappedBuffer(pattern(4096, round)), 0);
        java.util.concurrent.atomic.AtomicBoolean stop =
            new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicReference<Throwable> failed =
            new java.util.concurrent.atomic.AtomicReference<>();
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < 3; w++) {
          long seed = round * 10L + w;
          writers.add(
              Thread.ofPlatform()
                  .start(
                      () -> {
                        Random random = new Random(seed);
                        try {
                          while (!stop.get()) {
                            long block = random.nextInt(1024);
                            ns.writeBlocking(
                                block,
                                1,
                                Unpooled.wrappedBuffer(pattern(4096, random.nextLong())),
                                0);
                          }
                        } catch (Throwable t) {
                          failed.set(t);
                        }
                      }));
        }
        nodes.put("n2", StorageNode.start(config("n2", "z2"), store));
        try {
          await(
              "n2 rebuilt under writes",
              Duration.ofSeconds(60),
              () -> record("hot").isInSync("n2"));
          Thread.sleep(300); // and more writes, now as an in-sync replica
        } finally {
          stop.set(true);
          for (Thread t : writers) {
            t.join(30_000);
          }
        }
        assertEquals(null, failed.get(), "a host write failed");
        ns.flushBlocking();
      }
      assertArrayEquals(
          replicaFile("n1", "hot"), replicaFile("n2", "hot"), "identical after round " + round);
    }
  }
}
