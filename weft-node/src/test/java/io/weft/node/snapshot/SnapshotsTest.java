package io.weft.node.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.host.ConnectOptions;
import io.weft.host.multipath.MultipathNamespace;
import io.weft.node.NodeException;
import io.weft.node.StorageNode;
import io.weft.node.volume.VolumeRecord;
import io.weft.node.volume.VolumeService;
import io.weft.store.embedded.EmbeddedStore;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Snapshots and clones of a replicated volume on two nodes whose data directories share extents
 * (WEFT_REFLINK_DIR, bin/lib/reflink-fs.sh): a snapshot taken while a host writes is one point of
 * its writes on every replica; a clone is that point, at once, and lives on when the snapshot is
 * deleted.
 */
class SnapshotsTest {
  static final int BLOCK = 4096;
  static final int BLOCKS = 64;

  private Path dir;
  private EmbeddedStore store;
  private final Map<String, StorageNode> nodes = new LinkedHashMap<>();
  private VolumeService volumes;

  @BeforeEach
  void start() throws Exception {
    String base = System.getenv("WEFT_REFLINK_DIR");
    if (base == null || !Files.isDirectory(Path.of(base))) {
      if (System.getenv("CI") != null) {
        throw new AssertionError("CI without WEFT_REFLINK_DIR (bin/lib/reflink-fs.sh)");
      }
      Assumptions.abort("no reflink file system here (bin/lib/reflink-fs.sh makes one as root)");
    }
    dir = Files.createTempDirectory(Path.of(base), "snapshots");
    store = EmbeddedStore.open(dir.resolve("store"));
    for (String n : List.of("n1", "n2")) {
      TargetConfig t =
          new TargetConfig(
              dir.resolve(n),
              List.of(ListenerConfig.of("127.0.0.1", 0)),
              List.of(),
              "127.0.0.1:0",
              TuningConfig.defaults().withSpinNanos(0));
      nodes.put(
          n,
          StorageNode.start(
              new StorageNode.Config(
                  n, Map.of("zone", "z-" + n), 8L << 30, null, Duration.ofSeconds(3), t),
              store));
    }
    volumes = new VolumeService(store, nodes.get("n1").registry());
  }

  @AfterEach
  void stop() throws Exception {
    nodes.values().forEach(StorageNode::close);
    if (store != null) {
      store.close();
    }
    if (dir != null) {
      try (var walk = Files.walk(dir)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private VolumeRecord create(String name, long size, String fromSnapshot) {
    return volumes.create(
        new VolumeService.CreateRequest(
            name,
            size,
            2,
            null,
            List.of(),
            null,
            BLOCK,
            null,
            null,
            null,
            null,
            null,
            null,
            fromSnapshot));
  }

  private MultipathNamespace connect(String nqn) throws Exception {
    List<ConnectOptions> paths =
        nodes.values().stream()
            .map(
                n ->
                    ConnectOptions.defaults(
                            "127.0.0.1", n.target().listenAddresses().get(0).getPort(), nqn)
                        .withTimeouts(5, 3, 1, 1)
                        .withIoTimeout(10))
            .toList();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (true) {
      try {
        MultipathNamespace ns =
            MultipathNamespace.connect(
                paths, 1, MultipathNamespace.Policy.FAILOVER, 60, Duration.ofMillis(200));
        if (ns.pathStates().stream().anyMatch(s -> s.endsWith("=optimized"))) {
          return ns;
        }
        ns.close();
      } catch (Exception e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
      }
      Thread.sleep(50);
    }
  }

  private static ByteBuf stamp(long seq, int block) {
    ByteBuf b = Unpooled.directBuffer(BLOCK, BLOCK);
    b.writeLong(seq).writeInt(block);
    while (b.isWritable()) {
      b.writeByte((int) (seq + b.writerIndex()));
    }
    return b;
  }

  /** The stamp of every block, as a host reads them. */
  private static long[] stamps(MultipathNamespace ns) throws Exception {
    ByteBuf all = Unpooled.directBuffer(BLOCK * BLOCKS).writerIndex(BLOCK * BLOCKS);
    ns.readBlocking(0, BLOCKS, all, 0);
    long[] out = new long[BLOCKS];
    for (int b = 0; b < BLOCKS; b++) {
      out[b] = all.getLong(b * BLOCK);
    }
    all.release();
    return out;
  }

  private byte[] copyOn(String node, SnapshotRecord s) throws Exception {
    return Files.readAllBytes(
        dir.resolve(node).resolve("volumes/snapshots").resolve(s.uuid() + ".img"));
  }

  @Test
  void aSnapshotTakenWhileAHostWritesIsOnePointOfItsWritesAndAClonesIsThatPoint() throws Exception {
    VolumeRecord v = create("db", 64L << 20, null);
    List<Long> written = new ArrayList<>();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong seq = new AtomicLong();
    SnapshotRecord snap;
    try (MultipathNamespace ns = connect(v.nqn())) {
      Thread writer =
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      while (!stop.get()) {
                        long s = seq.incrementAndGet();
                        ByteBuf b = stamp(s, (int) (s % BLOCKS));
                        ns.writeBlocking(s % BLOCKS, 1, b, 0);
                        b.release();
                        synchronized (written) {
                          written.add(s);
                        }
                      }
                    } catch (Exception e) {
                      throw new RuntimeException(e);
                    }
                  });
      while (seq.get() < 300) {
        Thread.sleep(5);
      }
      volumes.createSnapshot("db", "db-1");
      snap = volumes.awaitSnapshot("db-1", Duration.ofSeconds(20));
      assertEquals(SnapshotRecord.State.READY, snap.state(), snap.toString());
      long afterSnapshot = seq.get();
      while (seq.get() < afterSnapshot + 300) {
        Thread.sleep(5);
      }
      stop.set(true);
      writer.join();
    }
    assertTrue(written.size() > 600, "the writer went on through the snapshot: " + written.size());
    assertArrayEquals(copyOn("n1", snap), copyOn("n2", snap), "the same point on both replicas");

    long start = System.nanoTime();
    VolumeRecord clone = create("db-clone", 0, "db-1");
    long[] cloned;
    try (MultipathNamespace ns = connect(clone.nqn())) {
      cloned = stamps(ns);
    }
    long usableMillis = (System.nanoTime() - start) / 1_000_000;
    // one point: the newest write in the clone, K; every block holds its last write up to K
    long k = java.util.Arrays.stream(cloned).max().orElseThrow();
    assertTrue(k >= 300, "the writes before the snapshot are in it: " + k);
    for (int b = 0; b < BLOCKS; b++) {
      long expected = 0;
      for (long s = 1; s <= k; s++) {
        if (s % BLOCKS == b) {
          expected = s;
        }
      }
      assertEquals(expected, cloned[b], "block " + b + " at the snapshot's point " + k);
    }
    assertEquals(64L << 20, clone.sizeBytes());
    System.out.println(
        "clone of a 64 MiB volume read by a host " + usableMillis + " ms after it was asked for");
  }

  @Test
  void aCloneLivesOnWhenItsSnapshotIsDeletedAndBadRequestsAreRefused() throws Exception {
    VolumeRecord v = create("src", 1L << 30, null);
    ByteBuf data = stamp(42, 7);
    try (MultipathNamespace ns = connect(v.nqn())) {
      // 16 MiB written across the 1 GiB, 1 MiB every 64 MiB: the copy has extents to share
      ByteBuf mib = Unpooled.directBuffer(1 << 20).writerIndex(1 << 20);
      for (int i = 0; i < mib.capacity(); i += 8) {
        mib.setLong(i, i * 31L + 1);
      }
      for (long at = 1L << 20; at < 1L << 30; at += 64L << 20) {
        ns.writeBlocking(at / BLOCK, (1 << 20) / BLOCK, mib, 0);
      }
      mib.release();
      ns.writeBlocking(7, 1, data, 0);
      ns.flush().get();
    }
    volumes.createSnapshot("src", "src-1");
    assertEquals(
        SnapshotRecord.State.READY, volumes.awaitSnapshot("src-1", Duration.ofSeconds(20)).state());

    long start = System.nanoTime();
    VolumeRecord clone = create("src-clone", 2L << 30, "src-1");
    long[] cloned;
    try (MultipathNamespace ns = connect(clone.nqn())) {
      cloned = stamps(ns);
      assertEquals((2L << 30) / BLOCK, ns.sizeBlocks(), "a clone may be larger than its snapshot");
    }
    System.out.println(
        "clone of a 1 GiB volume (16 MiB written) read by a host "
            + (System.nanoTime() - start) / 1_000_000
            + " ms after it was asked for");
    assertEquals(42, cloned[7]);

    SnapshotRecord s = volumes.snapshots().get("src-1").orElseThrow().snapshot();
    volumes.deleteSnapshot("src-1");
    for (String n : List.of("n1", "n2")) {
      Path copy = dir.resolve(n).resolve("volumes/snapshots").resolve(s.uuid() + ".img");
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (Files.exists(copy)) {
        assertTrue(System.nanoTime() < deadline, n + " kept the deleted snapshot's copy");
        Thread.sleep(50);
      }
    }
    try (MultipathNamespace ns = connect(clone.nqn())) {
      assertEquals(42, stamps(ns)[7], "the clone did not need the snapshot");
    }

    assertThrows(NodeException.class, () -> create("x", 0, "no-such"));
    assertThrows(NodeException.class, () -> volumes.createSnapshot("src", "Bad Name"));
    volumes.createSnapshot("src", "src-2");
    assertThrows(NodeException.class, () -> volumes.createSnapshot("src", "src-2"), "taken");
    assertThrows(
        NodeException.class,
        () -> create("small", 512L << 20, "src-2"),
        "smaller than its snapshot");
    assertFalse(volumes.snapshots().get("src-2").isEmpty());
  }
}
