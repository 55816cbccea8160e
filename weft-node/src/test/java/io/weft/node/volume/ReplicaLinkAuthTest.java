package io.weft.node.volume;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.Unpooled;
import io.weft.host.ConnectOptions;
import io.weft.host.HostController;
import io.weft.host.NvmeNamespace;
import io.weft.node.StorageNode;
import io.weft.store.embedded.EmbeddedStore;
import io.weft.tgt.HostInfo;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The links from a volume's owner to its replicas authenticate with DH-HMAC-CHAP keys derived from
 * the cluster secret: nodes given the same secret replicate, a node given another one is never let
 * in as a replica (nor could it pose as an owner), and no key crosses the network or the store.
 */
class ReplicaLinkAuthTest {
  static final String SECRET = "a cluster secret for the replica links";
  static final long SIZE = 8L << 20;

  @TempDir Path dir;
  private EmbeddedStore store;
  private final Map<String, StorageNode> nodes = new LinkedHashMap<>();

  @BeforeEach
  void start() throws Exception {
    store = EmbeddedStore.open(dir.resolve("store"));
    nodes.put("n1", StorageNode.start(config("n1", "z1", SECRET), store));
    nodes.put("n2", StorageNode.start(config("n2", "z2", SECRET), store));
    nodes.put(
        "n3", StorageNode.start(config("n3", "z3", "another secret, not the cluster's"), store));
  }

  @AfterEach
  void stop() {
    nodes.values().forEach(StorageNode::close);
    store.close();
  }

  private StorageNode.Config config(String id, String zone, String secret) {
    TargetConfig target =
        new TargetConfig(
            dir.resolve(id),
            List.of(ListenerConfig.of("127.0.0.1", 0)),
            List.of(),
            "127.0.0.1:0",
            TuningConfig.defaults().withSpinNanos(0));
    return new StorageNode.Config(
        id,
        Map.of("zone", zone),
        1L << 30,
        null,
        Duration.ofSeconds(2),
        target,
        null,
        ReplicaLinkKeys.fromSecret(secret));
  }

  private VolumeRecord create(String name, List<String> on) {
    return new VolumeService(store, nodes.get("n1").registry())
        .create(new VolumeService.CreateRequest(name, SIZE, 2, on, List.of(), null, null));
  }

  private VolumeRecord record(String name) {
    return new VolumeService(store, nodes.get("n1").registry()).require(name).volume();
  }

  private byte[] writeThroughOwner(VolumeRecord v, long seed) throws Exception {
    InetSocketAddress a = nodes.get("n1").target().listenAddresses().get(0);
    byte[] data = new byte[64 << 10];
    new Random(seed).nextBytes(data);
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (true) {
      try (HostController c =
          HostController.connect(
              ConnectOptions.defaults("127.0.0.1", a.getPort(), v.nqn())
                  .withTimeouts(5, 2, 1, 1)
                  .withIoTimeout(20))) {
        NvmeNamespace ns = c.namespace(1);
        ns.writeBlocking(0, data.length / 512, Unpooled.wrappedBuffer(data), 0);
        ns.flushBlocking();
        return data;
      } catch (java.io.IOException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100); // the owner is not serving yet
      }
    }
  }

  private byte[] replicaHead(String node, String volume, int length) throws Exception {
    byte[] f = Files.readAllBytes(dir.resolve(node).resolve("volumes").resolve(volume + ".img"));
    return Arrays.copyOf(f, length);
  }

  @Test
  void nodesWithTheClusterSecretReplicateOverAuthenticatedLinks() throws Exception {
    VolumeRecord v = create("same", List.of("n1", "n2"));
    byte[] data = writeThroughOwner(v, 1);
    assertArrayEquals(data, replicaHead("n2", "same", data.length), "n2 holds the write");
    assertEquals(List.of("n1", "n2"), record("same").inSync());
    // The replica holds a key for the owner's generation: it authenticated the link.
    HostInfo owner =
        nodes.get("n2").target().hosts(v.replicaNqn()).stream()
            .filter(h -> h.nqn().equals(v.ownerHostNqn()))
            .findFirst()
            .orElseThrow();
    assertNotNull(owner.dhchapKey());
    assertNotNull(owner.dhchapCtrlKey());
  }

  @Test
  void aNodeWithAnotherSecretIsNeverLetInAsAReplica() throws Exception {
    VolumeRecord v = create("other", List.of("n1", "n3"));
    byte[] data = writeThroughOwner(v, 2);
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (record("other").inSync().contains("n3") && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertEquals(List.of("n1"), record("other").inSync(), "n3 cannot be an in-sync replica");
    assertNotEquals(
        Arrays.hashCode(data),
        Arrays.hashCode(replicaHead("n3", "other", data.length)),
        "n3 never got the write");
  }

  @Test
  void keysDependOnTheSecretAndTheGeneration() {
    VolumeRecord v = create("keys", List.of("n1", "n2"));
    ReplicaLinkKeys a = ReplicaLinkKeys.fromSecret(SECRET);
    assertEquals(a.keysFor(v), ReplicaLinkKeys.fromSecret(SECRET).keysFor(v));
    assertNotEquals(a.keysFor(v), ReplicaLinkKeys.fromSecret(SECRET + "!").keysFor(v));
    assertNotEquals(a.keysFor(v).host(), a.keysFor(v).controller());
    assertFalse(ReplicaLinkKeys.none().enabled());
    assertEquals(null, ReplicaLinkKeys.none().keysFor(v));
    assertThrows(IllegalArgumentException.class, () -> ReplicaLinkKeys.fromSecret("short"));
  }
}
