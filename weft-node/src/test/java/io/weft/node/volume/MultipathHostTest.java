package io.weft.node.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.host.ConnectOptions;
import io.weft.host.multipath.MultipathNamespace;
import io.weft.node.StorageNode;
import io.weft.store.embedded.EmbeddedStore;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Weft's own multipath host on a replicated volume: one namespace through both nodes' paths,
 * sequence-stamped writes that go on while the owner dies (or moves), and afterwards every block
 * holds exactly the last write acknowledged for it: none lost, none older landing later.
 */
class MultipathHostTest {
  static final Duration TTL = Duration.ofSeconds(2);
  static final int BLOCKS = 64;
  static final int BLOCK = 4096;

  @TempDir Path dir;
  private EmbeddedStore store;
  private final Map<String, StorageNode> nodes = new LinkedHashMap<>();

  @BeforeEach
  void start() throws Exception {
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
              new StorageNode.Config(n, Map.of("zone", "z-" + n), 1L << 30, null, TTL, t), store));
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

  private MultipathNamespace connect(String nqn, MultipathNamespace.Policy policy)
      throws Exception {
    return connect(nqn, policy, MultipathNamespace.DEFAULT_POLL);
  }

  private MultipathNamespace connect(String nqn, MultipathNamespace.Policy policy, Duration poll)
      throws Exception {
    List<ConnectOptions> paths =
        nodes.values().stream()
            .map(
                n ->
                    ConnectOptions.defaults(
                            "127.0.0.1", n.target().listenAddresses().get(0).getPort(), nqn)
                        .withTimeouts(5, 3, 1, 1)
                        .withIoTimeout(10))
            .toList();
    return MultipathNamespace.connect(paths, 1, policy, 60, poll);
  }

  private static ByteBuf stamp(long seq, int block) {
    ByteBuf b = Unpooled.directBuffer(BLOCK, BLOCK);
    b.writeLong(seq).writeInt(block);
    while (b.isWritable()) {
      b.writeByte((int) (seq + b.writerIndex()));
    }
    return b;
  }

  private VolumeRecord create(String name) throws Exception {
    VolumeRecord v =
        new VolumeService(store, nodes.get("n1").registry())
            .create(
                new VolumeService.CreateRequest(
                    name, 16L << 20, 2, List.of("n1", "n2"), List.of(), null, BLOCK));
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!servedByN1(v.nqn())) {
      assertTrue(System.nanoTime() < deadline, "n1 never served");
      Thread.sleep(50);
    }
    return v;
  }

  private boolean servedByN1(String nqn) {
    try {
      return nodes.get("n1").target().anaStates(nqn).stream()
          .anyMatch(s -> s.state().equals("optimized"));
    } catch (Exception e) {
      return false; // not exported yet
    }
  }

  /** Writes seq 1..count (block = seq % BLOCKS), running {@code midway} once halfway. */
  private static long[] writeStamps(MultipathNamespace ns, int count, Runnable midway)
      throws Exception {
    long[] last = new long[BLOCKS];
    long maxGapNanos = 0;
    long previous = System.nanoTime();
    for (int seq = 1; seq <= count; seq++) {
      int block = seq % BLOCKS;
      ByteBuf b = stamp(seq, block);
      ns.writeBlocking(block, 1, b, 0);
      b.release();
      last[block] = seq;
      long now = System.nanoTime();
      maxGapNanos = Math.max(maxGapNanos, now - previous);
      previous = now;
      if (seq == count / 2) {
        midway.run();
        previous = System.nanoTime();
      }
    }
    System.out.println(
        "multipath: longest pause between two completed writes " + maxGapNanos / 1_000_000 + " ms");
    return last;
  }

  private static void assertStamps(MultipathNamespace ns, long[] last) throws Exception {
    ByteBuf all = Unpooled.directBuffer(BLOCK * BLOCKS).writerIndex(BLOCK * BLOCKS);
    ns.readBlocking(0, BLOCKS, all, 0);
    for (int block = 0; block < BLOCKS; block++) {
      assertEquals(
          last[block], all.getLong(block * BLOCK), "the last acknowledged write of block " + block);
      assertEquals(block, all.getInt(block * BLOCK + 8));
    }
    all.release();
  }

  @Test
  void writesRideThroughTheOwnerDyingAndNoneIsLostOrOld() throws Exception {
    VolumeRecord v = create("mp1");
    try (MultipathNamespace ns = connect(v.nqn(), MultipathNamespace.Policy.FAILOVER)) {
      assertTrue(ns.pathStates().get(0).endsWith("=optimized"), ns.pathStates().toString());
      long[] last = writeStamps(ns, 600, () -> nodes.get("n1").crash());
      assertTrue(ns.pathStates().get(1).endsWith("=optimized"), ns.pathStates().toString());
      assertStamps(ns, last);
    }
  }

  @Test
  void writesRideThroughAPlannedMoveWithRoundRobin() throws Exception {
    VolumeRecord v = create("mp2");
    // No polling within the test: only the ANA-change events can tell the host where to go.
    try (MultipathNamespace ns =
        connect(v.nqn(), MultipathNamespace.Policy.ROUND_ROBIN, Duration.ofMinutes(10))) {
      VolumeService volumes = new VolumeService(store, nodes.get("n1").registry());
      long start = System.nanoTime();
      long[] last = writeStamps(ns, 600, () -> volumes.moveOwner("mp2", "n2"));
      assertStamps(ns, last);
      assertEquals("n2", volumes.require("mp2").volume().owner());
      assertEquals(
          List.of("n1=inaccessible", "n2=optimized"),
          ns.pathStates().stream().map(this::nodeOf).toList());
      assertTrue(
          System.nanoTime() - start < Duration.ofSeconds(30).toNanos(),
          "the move took as long as an I/O timeout: the host waited instead of being told");
    }
  }

  @Test
  void writesRideThroughAGrowthAndNoneIsLostOrOld() throws Exception {
    VolumeRecord v = create("mp3");
    long grown = 32L << 20;
    try (MultipathNamespace ns =
        connect(v.nqn(), MultipathNamespace.Policy.FAILOVER, Duration.ofMinutes(10))) {
      VolumeService volumes = new VolumeService(store, nodes.get("n1").registry());
      long[] last = new long[BLOCKS];
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      long servedAt = -1;
      // Writes go on from before the growth until well after the owner serves the new size.
      for (int seq = 1; servedAt < 0 || seq < servedAt + 200; seq++) {
        assertTrue(System.nanoTime() < deadline, "the owner never served the new size");
        int block = seq % BLOCKS;
        ByteBuf b = stamp(seq, block);
        ns.writeBlocking(block, 1, b, 0);
        b.release();
        last[block] = seq;
        if (seq == 100) {
          volumes.resize("mp3", grown);
        }
        if (servedAt < 0 && seq > 100 && hostSize("n1", v.nqn()) == grown) {
          servedAt = seq;
        }
      }
      assertStamps(ns, last);
      assertEquals(2, volumes.require("mp3").volume().generation(), "one hand-over to itself");
      assertEquals("n1", volumes.require("mp3").volume().owner());
    }
  }

  private long hostSize(String node, String nqn) {
    return nodes.get(node).target().subsystems().stream()
        .filter(s -> s.nqn().equals(nqn))
        .flatMap(s -> s.namespaces().stream())
        .mapToLong(n -> n.sizeBytes())
        .findFirst()
        .orElse(-1);
  }

  /** "127.0.0.1:PORT=state" as "nodeId=state". */
  private String nodeOf(String pathState) {
    int port =
        Integer.parseInt(pathState.substring(pathState.indexOf(':') + 1, pathState.indexOf('=')));
    String node =
        nodes.entrySet().stream()
            .filter(e -> e.getValue().target().listenAddresses().get(0).getPort() == port)
            .map(Map.Entry::getKey)
            .findFirst()
            .orElse("?");
    return node + pathState.substring(pathState.indexOf('='));
  }
}
