package io.weft.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.store.embedded.EmbeddedStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Node registration and liveness on the (embedded) cluster store. */
class NodeRegistryTest {
  @TempDir Path dir;
  private EmbeddedStore store;

  @BeforeEach
  void open() {
    store = EmbeddedStore.open(dir);
  }

  @AfterEach
  void close() {
    store.close();
  }

  private static NodeInfo info(String id, String uuid, String zone) {
    return new NodeInfo(
        id,
        uuid,
        "127.0.0.1:4420",
        "127.0.0.1:4420",
        "127.0.0.1:9420",
        Map.of(NodeInfo.ZONE, zone, NodeInfo.RACK, "r1"),
        1L << 40,
        "test",
        System.currentTimeMillis(),
        0,
        0,
        null);
  }

  private NodeStatus status(NodeRegistry r, String id) {
    return r.nodes().stream().filter(s -> s.info().id().equals(id)).findFirst().orElseThrow();
  }

  @Test
  void aJoinedNodeIsUpAndALeftNodeIsDownButStillKnown() {
    NodeRegistry n1 = new NodeRegistry(store, Duration.ofSeconds(5));
    NodeRegistry n2 = new NodeRegistry(store, Duration.ofSeconds(5));
    n1.join(info("n1", UUID.randomUUID().toString(), "z1"), () -> {});
    n2.join(info("n2", UUID.randomUUID().toString(), "z2"), () -> {});
    List<NodeStatus> nodes = n1.nodes();
    assertEquals(List.of("n1", "n2"), nodes.stream().map(s -> s.info().id()).toList());
    assertTrue(nodes.stream().allMatch(s -> s.state() == NodeStatus.State.UP));
    assertEquals("z2", status(n1, "n2").info().zone());
    n2.close();
    NodeStatus gone = status(n1, "n2");
    assertEquals(NodeStatus.State.DOWN, gone.state(), "leaving revokes the lease at once");
    assertTrue(gone.info().lastSeenMillis() > 0);
    n1.close();
  }

  @Test
  void anotherNodeClaimingALiveIdIsRefused() {
    NodeRegistry first = new NodeRegistry(store, Duration.ofSeconds(5));
    first.join(info("n1", UUID.randomUUID().toString(), "z1"), () -> {});
    NodeRegistry impostor = new NodeRegistry(store, Duration.ofSeconds(5));
    NodeException e =
        assertThrows(
            NodeException.class,
            () -> impostor.join(info("n1", UUID.randomUUID().toString(), "z1"), () -> {}));
    assertTrue(e.getMessage().contains("alive elsewhere"), e.getMessage());
    assertEquals(NodeStatus.State.UP, status(first, "n1").state(), "the first one is untouched");
    first.close();
  }

  /** A node killed with -9 leaves its liveness key to its lease; its next run takes it over. */
  @Test
  void theSameNodeRestartingTakesItsRegistrationOverAtOnce() {
    String uuid = UUID.randomUUID().toString();
    long deadLease = store.grantLease(Duration.ofSeconds(60));
    store.create(NodeRegistry.LIVE + "n1", uuid.getBytes(StandardCharsets.UTF_8), deadLease);
    NodeRegistry restarted = new NodeRegistry(store, Duration.ofSeconds(5));
    restarted.join(info("n1", uuid, "z1"), () -> {});
    assertEquals(NodeStatus.State.UP, status(restarted, "n1").state());
    assertTrue(store.leaseTimeToLive(deadLease).isEmpty(), "the dead run's lease was revoked");
    assertTrue(store.get(NodeRegistry.LIVE + "n1").orElseThrow().lease() != deadLease);
    restarted.close();
  }

  /** Nobody renews a dead node's lease: one TTL later the cluster sees it down. */
  @Test
  void aNodeThatStopsRenewingIsDownAfterItsTtl() throws Exception {
    String uuid = UUID.randomUUID().toString();
    NodeRegistry watcher = new NodeRegistry(store, Duration.ofSeconds(5));
    long lease = store.grantLease(Duration.ofSeconds(1));
    store.create(NodeRegistry.LIVE + "n9", uuid.getBytes(StandardCharsets.UTF_8), lease);
    store.put(
        NodeRegistry.INFO + "n9",
        new com.fasterxml.jackson.databind.ObjectMapper()
            .writeValueAsBytes(info("n9", uuid, "z9")));
    assertEquals(NodeStatus.State.UP, status(watcher, "n9").state());
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (status(watcher, "n9").state() == NodeStatus.State.UP && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertEquals(NodeStatus.State.DOWN, status(watcher, "n9").state());
  }

  @Test
  void lastSeenMovesWhileTheNodeLives() throws Exception {
    NodeRegistry n1 = new NodeRegistry(store, Duration.ofSeconds(1));
    n1.join(info("n1", UUID.randomUUID().toString(), "z1"), () -> {});
    long first = status(n1, "n1").info().lastSeenMillis();
    Thread.sleep(2500);
    long later = status(n1, "n1").info().lastSeenMillis();
    assertTrue(later > first, first + " then " + later);
    n1.close();
  }

  /** A node whose lease was lost (a long pause, a store outage) registers again by itself. */
  @Test
  void aNodeThatLostItsLeaseRejoins() throws Exception {
    NodeRegistry n1 = new NodeRegistry(store, Duration.ofSeconds(1));
    java.util.concurrent.CountDownLatch lost = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch back = new java.util.concurrent.CountDownLatch(1);
    n1.join(info("n1", UUID.randomUUID().toString(), "z1"), lost::countDown, back::countDown);
    long lease = store.get(NodeRegistry.LIVE + "n1").orElseThrow().lease();
    store.revokeLease(lease); // what the store does to a lease nobody renewed
    assertTrue(lost.await(5, java.util.concurrent.TimeUnit.SECONDS), "loss reported");
    assertTrue(back.await(10, java.util.concurrent.TimeUnit.SECONDS), "back in the cluster");
    assertEquals(NodeStatus.State.UP, status(n1, "n1").state());
    assertTrue(store.get(NodeRegistry.LIVE + "n1").orElseThrow().lease() != lease, "a new lease");
    n1.close();
  }
}
