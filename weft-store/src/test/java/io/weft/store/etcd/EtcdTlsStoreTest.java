package io.weft.store.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.weft.store.EtcdAccess;
import io.weft.store.StoreException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store link over TLS to an etcd that demands client certificates: a node with the CA and its
 * certificate gets through; one without a certificate, or trusting another CA, does not.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EtcdTlsStoreTest {
  @TempDir static Path dir;
  private Path pki;
  private EtcdCluster etcd;

  @BeforeAll
  void start() throws Exception {
    // The throw-away PKI of weft-target's TLS tests (fresh keys each run; needs openssl).
    pki = dir.resolve("pki");
    Process p =
        new ProcessBuilder("sh", "../weft-target/src/test/tls/make-test-pki.sh", pki.toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), "making the test PKI (is openssl installed?): " + output);
    etcd = EtcdCluster.start(java.nio.file.Files.createDirectories(dir.resolve("etcd")), 1, pki);
  }

  @AfterAll
  void stop() throws Exception {
    if (etcd != null) {
      etcd.close();
    }
  }

  private EtcdStore connect(String ca, String cert, String key) {
    return EtcdStore.connect(
        etcd.endpoints(),
        "/weft-tls/",
        new EtcdAccess(
            null,
            null,
            ca == null ? null : pki.resolve(ca),
            cert == null ? null : pki.resolve(cert),
            key == null ? null : pki.resolve(key)));
  }

  @Test
  void aClientWithTheCaAndACertificateGetsThrough() {
    try (EtcdStore store = connect("ca.pem", "client.pem", "client.key")) {
      store.put("k", "v");
      assertEquals("v", new String(store.get("k").orElseThrow().value()));
    }
  }

  @Test
  void aClientWithoutACertificateOrTrustingAnotherCaGetsNothing() {
    try (EtcdStore noCert = connect("ca.pem", null, null)) {
      assertThrows(StoreException.class, () -> noCert.get("k"));
    }
    try (EtcdStore otherCa = connect("other-ca.pem", "client.pem", "client.key")) {
      assertThrows(StoreException.class, () -> otherCa.get("k"));
    }
    try (EtcdStore plain = EtcdStore.connect(etcd.endpoints(), "/weft-tls/")) {
      assertThrows(StoreException.class, () -> plain.get("k"));
    }
  }
}
