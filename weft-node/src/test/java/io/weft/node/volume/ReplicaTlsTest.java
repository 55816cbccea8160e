package io.weft.node.volume;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.weft.host.ConnectOptions;
import io.weft.host.HostController;
import io.weft.host.NvmeNamespace;
import io.weft.node.StorageNode;
import io.weft.protocol.tls.CertFiles;
import io.weft.protocol.tls.ClientTls;
import io.weft.protocol.tls.TlsCredentials;
import io.weft.protocol.tls.TlsMode;
import io.weft.store.embedded.EmbeddedStore;
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
 * Replication over mutual-certificate TLS: nodes whose first (replication) listener takes {@code
 * tls=cert} dial each other with their own certificates, so a write reaches its replica encrypted;
 * a node whose certificate another CA signed is never let in as a replica.
 */
class ReplicaTlsTest {
  static final long SIZE = 8L << 20;

  /** The TLS tests' certificates (EC P-256, test-only), kept with those tests in weft-host. */
  static final Path PKI = Path.of("../weft-host/src/test/resources/tls").toAbsolutePath();

  static final CertFiles NODE =
      new CertFiles(PKI.resolve("target.pem"), PKI.resolve("target.key"), PKI.resolve("ca.pem"));
  static final CertFiles ROGUE_NODE =
      new CertFiles(
          PKI.resolve("rogue-host.pem"),
          PKI.resolve("rogue-host.key"),
          PKI.resolve("rogue-ca.pem"));
  static final CertFiles HOST =
      new CertFiles(PKI.resolve("host.pem"), PKI.resolve("host.key"), PKI.resolve("ca.pem"));

  @TempDir Path dir;
  private EmbeddedStore store;
  private final Map<String, StorageNode> nodes = new LinkedHashMap<>();

  @BeforeEach
  void start() throws Exception {
    store = EmbeddedStore.open(dir.resolve("store"));
    nodes.put("n1", StorageNode.start(config("n1", "z1", NODE), store));
    nodes.put("n2", StorageNode.start(config("n2", "z2", NODE), store));
    nodes.put("n3", StorageNode.start(config("n3", "z3", ROGUE_NODE), store));
  }

  @AfterEach
  void stop() {
    nodes.values().forEach(StorageNode::close);
    store.close();
  }

  private StorageNode.Config config(String id, String zone, CertFiles certs) {
    ListenerConfig replication =
        ListenerConfig.of("127.0.0.1", 0)
            .withTls(TlsMode.CERT)
            .withCredentials(new TlsCredentials(null, certs));
    TargetConfig target =
        new TargetConfig(
            dir.resolve(id),
            List.of(replication),
            List.of(),
            "127.0.0.1:0",
            TuningConfig.defaults().withSpinNanos(0));
    return new StorageNode.Config(
        id, Map.of("zone", zone), 1L << 30, null, Duration.ofSeconds(2), target, null, null);
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
                  .withIoTimeout(20)
                  .withTls(ClientTls.cert(HOST)))) {
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
  void nodesReplicateOverCertificateTls() throws Exception {
    VolumeRecord v = create("tls", List.of("n1", "n2"));
    byte[] data = writeThroughOwner(v, 1);
    assertArrayEquals(data, replicaHead("n2", "tls", data.length), "n2 holds the write");
    assertEquals(List.of("n1", "n2"), record("tls").inSync());
    // The replication listener takes nothing but TLS: a plain connection (which is what the link
    // would be without it) is refused there.
    InetSocketAddress n2 = nodes.get("n2").target().listenAddresses().get(0);
    assertThrows(
        Exception.class,
        () ->
            HostController.connect(
                ConnectOptions.defaults("127.0.0.1", n2.getPort(), v.replicaNqn())
                    .withTimeouts(2, 1, 1, 1)));
  }

  @Test
  void aNodeOfAnotherCaIsNeverLetInAsAReplica() throws Exception {
    VolumeRecord v = create("rogue", List.of("n1", "n3"));
    byte[] data = writeThroughOwner(v, 2);
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (record("rogue").inSync().contains("n3") && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertEquals(List.of("n1"), record("rogue").inSync(), "n3 cannot be an in-sync replica");
    assertNotEquals(
        Arrays.hashCode(data),
        Arrays.hashCode(replicaHead("n3", "rogue", data.length)),
        "n3 never got the write");
  }

  @Test
  void aPskListenerCannotCarryReplication() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                StorageNode.start(
                    new StorageNode.Config(
                        "n4",
                        Map.of("zone", "z4"),
                        1L << 30,
                        null,
                        Duration.ofSeconds(2),
                        new TargetConfig(
                            dir.resolve("n4"),
                            List.of(ListenerConfig.of("127.0.0.1", 0).withTls(TlsMode.PSK)),
                            List.of(),
                            "127.0.0.1:0",
                            TuningConfig.defaults()),
                        null,
                        null),
                    store));
    assertTrue(e.getMessage().contains("tls=cert"), e.getMessage());
  }
}
