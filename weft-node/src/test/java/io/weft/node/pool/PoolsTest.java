package io.weft.node.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.weft.host.ConnectOptions;
import io.weft.host.HostController;
import io.weft.node.NodeException;
import io.weft.node.NodeStatus;
import io.weft.node.StorageNode;
import io.weft.node.volume.NoCapacityException;
import io.weft.node.volume.VolumeRecord;
import io.weft.node.volume.VolumeService;
import io.weft.store.embedded.EmbeddedStore;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pools over three 1 GiB nodes, two of them in pool "fast": a volume of a pool lands on its nodes
 * only, and the pool's overcommit ratio decides how much thin space its nodes may promise.
 */
class PoolsTest {
  static final long MIB = 1L << 20;
  static final long GIB = 1L << 30;

  @TempDir Path dir;
  private EmbeddedStore store;
  private final List<StorageNode> nodes = new ArrayList<>();
  private VolumeService volumes;

  @BeforeEach
  void start() throws Exception {
    store = EmbeddedStore.open(dir.resolve("store"));
    nodes.add(StorageNode.start(config("n1", "fast"), store));
    nodes.add(StorageNode.start(config("n2", "fast"), store));
    nodes.add(StorageNode.start(config("n3", null), store));
    volumes = new VolumeService(store, nodes.get(0).registry());
  }

  @AfterEach
  void stop() {
    nodes.forEach(StorageNode::close);
    store.close();
  }

  private StorageNode.Config config(String id, String pool) {
    TargetConfig target =
        new TargetConfig(
            dir.resolve(id),
            List.of(ListenerConfig.of("127.0.0.1", 0)),
            List.of(),
            "127.0.0.1:0",
            TuningConfig.defaults().withSpinNanos(0));
    Map<String, String> labels =
        pool == null ? Map.of("zone", "z-" + id) : Map.of("zone", "z-" + id, "pool", pool);
    return new StorageNode.Config(id, labels, GIB, null, Duration.ofSeconds(3), target);
  }

  private VolumeRecord create(String name, long size, String pool) {
    return volumes.create(
        new VolumeService.CreateRequest(
            name, size, 2, null, List.of(), null, null, null, null, null, null, null, pool, null));
  }

  @Test
  void aPoolsVolumesStayOnItsNodesAndItsRatioDecidesHowMuchTheyPromise() {
    VolumeRecord first = create("f1", 600 * MIB, "fast");
    assertEquals(List.of("n1", "n2"), first.nodes().stream().sorted().toList());
    NoCapacityException full =
        assertThrows(NoCapacityException.class, () -> create("f2", 600 * MIB, "fast"));
    assertTrue(full.getMessage().contains("bytes free"), full.getMessage());

    volumes.setPool("fast", 2.0);
    VolumeRecord second = create("f2", 600 * MIB, "fast");
    assertEquals(List.of("n1", "n2"), second.nodes().stream().sorted().toList(), "never n3");
    volumes.resize("f2", 900 * MIB);

    PoolView fast =
        volumes.pools().stream().filter(p -> p.name().equals("fast")).findFirst().orElseThrow();
    assertEquals(List.of("n1", "n2"), fast.nodes());
    assertEquals(2 * GIB, fast.capacityBytes());
    assertEquals(4 * GIB, fast.promisableBytes());
    assertEquals(2 * (600 + 900) * MIB, fast.committedBytes());
    assertEquals(4 * GIB - 2 * 1500 * MIB, fast.freeBytes());
    PoolView plain =
        volumes.pools().stream()
            .filter(p -> p.name().equals(PoolRecord.DEFAULT))
            .findFirst()
            .orElseThrow();
    assertEquals(List.of("n3"), plain.nodes());
    assertEquals(1.0, plain.overcommitRatio());

    // a lower ratio takes nothing away; it only stops new promises until they fit
    volumes.setPool("fast", 1.0);
    assertThrows(NoCapacityException.class, () -> volumes.resize("f2", 1000 * MIB));
    assertEquals(900 * MIB, volumes.require("f2").volume().sizeBytes());
  }

  @Test
  void nodesReportWhatTheirReplicasOccupyAndTheirDisksHaveFree() throws Exception {
    VolumeRecord v = create("used", 64 * MIB, "fast");
    StorageNode owner =
        nodes.stream().filter(n -> n.id().equals(v.owner())).findFirst().orElseThrow();
    InetSocketAddress at = owner.target().listenAddresses().get(0);
    long deadline = System.nanoTime() + 20_000_000_000L;
    HostController c = null;
    while (c == null) {
      try {
        c =
            HostController.connect(
                ConnectOptions.defaults("127.0.0.1", at.getPort(), v.nqn())
                    .withTimeouts(5, 2, 1, 1)
                    .withIoTimeout(10));
        c.namespace(1)
            .writeBlocking(
                0, (16 << 20) / 512, Unpooled.wrappedBuffer(new byte[16 << 20]).setByte(0, 1), 0);
      } catch (IOException e) {
        if (c != null) {
          c.close();
          c = null;
        }
        assertTrue(System.nanoTime() < deadline, "the owner never served: " + e);
        Thread.sleep(100);
      }
    }
    c.namespace(1).flushBlocking();
    c.close();
    while (true) {
      PoolView fast =
          volumes.pools().stream().filter(p -> p.name().equals("fast")).findFirst().orElseThrow();
      if (fast.usedBytes() >= 2 * (16 << 20)) {
        break;
      }
      assertTrue(System.nanoTime() < deadline, "usage never reported: " + fast);
      Thread.sleep(200);
    }
    for (NodeStatus n : nodes.get(0).registry().nodes()) {
      assertTrue(n.info().diskFreeBytes() != null && n.info().diskFreeBytes() > 0, n.toString());
    }
  }

  @Test
  void badRatiosAndEmptyPoolsAreRefused() {
    assertThrows(NodeException.class, () -> volumes.setPool("fast", 0.5));
    assertThrows(NodeException.class, () -> volumes.setPool("fast", 50));
    assertThrows(NodeException.class, () -> volumes.setPool("Fast!", 2));
    NoCapacityException none =
        assertThrows(NoCapacityException.class, () -> create("x", 16 * MIB, "archive"));
    assertTrue(none.getMessage().contains("no node is in pool 'archive'"), none.getMessage());
  }
}
