package io.weft.node.volume;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.host.ConnectOptions;
import io.weft.host.HostController;
import io.weft.node.StorageNode;
import io.weft.protocol.tls.CertFiles;
import io.weft.protocol.tls.ClientTls;
import io.weft.protocol.tls.TlsCredentials;
import io.weft.protocol.tls.TlsMode;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import java.net.InetSocketAddress;
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
 * Replication over mutual-certificate TLS: nodes whose first (replication) listener takes {@code
 * tls=cert} dial each other with their own certificates, so a write reaches its replica encrypted;
 * a node whose certificate another CA signed is never let in as a replica.
 */
class ReplicaTlsTest {

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
  private LinkTestCluster cluster;

  @BeforeEach
  void start() throws Exception {
    cluster = new LinkTestCluster(dir);
    cluster.start(config("n1", "z1", NODE));
    cluster.start(config("n2", "z2", NODE));
    cluster.start(config("n3", "z3", ROGUE_NODE));
  }

  @AfterEach
  void stop() {
    cluster.close();
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

  @Test
  void nodesReplicateOverCertificateTls() throws Exception {
    VolumeRecord v = cluster.create("tls", List.of("n1", "n2"));
    byte[] data = cluster.writeThroughOwner(v, 1, ClientTls.cert(HOST));
    assertArrayEquals(data, cluster.replicaHead("n2", "tls", data.length), "n2 holds the write");
    assertEquals(List.of("n1", "n2"), cluster.record("tls").inSync());
    // The replication listener takes nothing but TLS: a plain connection (which is what the link
    // would be without it) is refused there.
    InetSocketAddress n2 = cluster.node("n2").target().listenAddresses().get(0);
    assertThrows(
        Exception.class,
        () ->
            HostController.connect(
                ConnectOptions.defaults("127.0.0.1", n2.getPort(), v.replicaNqn())
                    .withTimeouts(2, 1, 1, 1)));
  }

  @Test
  void aNodeOfAnotherCaIsNeverLetInAsAReplica() throws Exception {
    VolumeRecord v = cluster.create("rogue", List.of("n1", "n3"));
    byte[] data = cluster.writeThroughOwner(v, 2, ClientTls.cert(HOST));
    assertEquals(
        List.of("n1"), cluster.inSyncWithout("rogue", "n3"), "n3 cannot be an in-sync replica");
    assertNotEquals(
        Arrays.hashCode(data),
        Arrays.hashCode(cluster.replicaHead("n3", "rogue", data.length)),
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
                    cluster.store()));
    assertTrue(e.getMessage().contains("tls=cert"), e.getMessage());
  }
}
