package io.weft.node.volume;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.weft.node.StorageNode;
import io.weft.protocol.tls.ClientTls;
import io.weft.tgt.HostInfo;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
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

  @TempDir Path dir;
  private LinkTestCluster cluster;

  @BeforeEach
  void start() throws Exception {
    cluster = new LinkTestCluster(dir);
    cluster.start(config("n1", "z1", SECRET));
    cluster.start(config("n2", "z2", SECRET));
    cluster.start(config("n3", "z3", "another secret, not the cluster's"));
  }

  @AfterEach
  void stop() {
    cluster.close();
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

  @Test
  void nodesWithTheClusterSecretReplicateOverAuthenticatedLinks() throws Exception {
    VolumeRecord v = cluster.create("same", List.of("n1", "n2"));
    byte[] data = cluster.writeThroughOwner(v, 1, ClientTls.NONE);
    assertArrayEquals(data, cluster.replicaHead("n2", "same", data.length), "n2 holds the write");
    assertEquals(List.of("n1", "n2"), cluster.record("same").inSync());
    // The replica holds a key for the owner's generation: it authenticated the link.
    HostInfo owner =
        cluster.node("n2").target().hosts(v.replicaNqn()).stream()
            .filter(h -> h.nqn().equals(v.ownerHostNqn()))
            .findFirst()
            .orElseThrow();
    assertNotNull(owner.dhchapKey());
    assertNotNull(owner.dhchapCtrlKey());
  }

  @Test
  void aNodeWithAnotherSecretIsNeverLetInAsAReplica() throws Exception {
    VolumeRecord v = cluster.create("other", List.of("n1", "n3"));
    byte[] data = cluster.writeThroughOwner(v, 2, ClientTls.NONE);
    assertEquals(
        List.of("n1"), cluster.inSyncWithout("other", "n3"), "n3 cannot be an in-sync replica");
    assertNotEquals(
        Arrays.hashCode(data),
        Arrays.hashCode(cluster.replicaHead("n3", "other", data.length)),
        "n3 never got the write");
  }

  @Test
  void keysDependOnTheSecretAndTheGeneration() {
    VolumeRecord v = cluster.create("keys", List.of("n1", "n2"));
    ReplicaLinkKeys a = ReplicaLinkKeys.fromSecret(SECRET);
    assertEquals(a.keysFor(v), ReplicaLinkKeys.fromSecret(SECRET).keysFor(v));
    assertNotEquals(a.keysFor(v), ReplicaLinkKeys.fromSecret(SECRET + "!").keysFor(v));
    assertNotEquals(a.keysFor(v).host(), a.keysFor(v).controller());
    assertFalse(ReplicaLinkKeys.none().enabled());
    assertEquals(null, ReplicaLinkKeys.none().keysFor(v));
    assertThrows(IllegalArgumentException.class, () -> ReplicaLinkKeys.fromSecret("short"));
  }
}
