package io.weft.protocol.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.HexFormat;
import org.bouncycastle.tls.crypto.CryptoHashAlgorithm;
import org.bouncycastle.tls.crypto.TlsCrypto;
import org.bouncycastle.tls.crypto.TlsCryptoUtils;
import org.bouncycastle.tls.crypto.TlsSecret;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;
import org.junit.jupiter.api.Test;

/**
 * Known answers for the PSK interchange format and the NVMe/TCP key schedule. Sources: keys printed
 * by nvme-cli 2.3's {@code nvme gen-tls-key} on the build machine and accepted by its {@code nvme
 * check-tls-key} (which also printed their CRCs); libnvme's own vectors (test/psk.c: export of one
 * key with each hash, and version 1 identities whose digest is an HMAC of the retained PSK, so they
 * pin the retained-PSK derivation byte for byte); and Bouncy Castle's own RFC 8446
 * HKDF-Expand-Label for the TLS PSK step.
 */
class PskKnownAnswerTest {
  private static final byte[] LIBNVME_KEY32 =
      HexFormat.of().parseHex("5512DBB6737D0106F65975B773DFB011FFC344BCF442E2DD6D8BC4870B5D5B03");
  private static final byte[] LIBNVME_KEY48 =
      HexFormat.of()
          .parseHex(
              "5512DBB6737D0106F65975B773DFB011FFC344BCF442E2DD6D8BC4870B5D5B03"
                  + "FFC344BCF442E2DD6D8BC4870B5D5B03");

  @Test
  void parsesKeysNvmeCliPrinted() {
    ConfiguredPsk k1 =
        ConfiguredPsk.parse("NVMeTLSkey-1:01:KA36nqe/zujq09b8ySlzUI5AZFGCwH11/J3o6/6rszmdQ9q8:");
    assertEquals(PskHash.SHA256, k1.transform());
    assertEquals(32, k1.key().length);
    assertEquals("NVMeTLSkey-1:01:KA36nqe/zujq09b8ySlzUI5AZFGCwH11/J3o6/6rszmdQ9q8:", k1.format());
    ConfiguredPsk k2 =
        ConfiguredPsk.parse(
            "NVMeTLSkey-1:02:TxsmUmtG8I0kbl8bKok5GYsorYPtwvg99oSOHO7rGCqQLko+5wmhkl/yQZSDhD2UFpuF8w==:");
    assertEquals(PskHash.SHA384, k2.transform());
    assertEquals(48, k2.key().length);
  }

  @Test
  void formatsAsLibnvmeExports() {
    assertEquals(
        "NVMeTLSkey-1:01:VRLbtnN9AQb2WXW3c9+wEf/DRLz0QuLdbYvEhwtdWwNf9LrZ:",
        ConfiguredPsk.of(PskHash.SHA256, LIBNVME_KEY32).format());
    assertEquals(
        "NVMeTLSkey-1:00:VRLbtnN9AQb2WXW3c9+wEf/DRLz0QuLdbYvEhwtdWwNf9LrZ:",
        ConfiguredPsk.of(null, LIBNVME_KEY32).format());
    assertEquals(
        "NVMeTLSkey-1:02:VRLbtnN9AQb2WXW3c9+wEf/DRLz0QuLdbYvEhwtdWwP/w0S89ELi3W2LxIcLXVsDn8kXZQ==:",
        ConfiguredPsk.of(PskHash.SHA384, LIBNVME_KEY48).format());
    ConfiguredPsk back =
        ConfiguredPsk.parse("NVMeTLSkey-1:00:VRLbtnN9AQb2WXW3c9+wEf/DRLz0QuLdbYvEhwtdWwNf9LrZ:");
    assertNull(back.transform());
    assertEquals(PskHash.SHA256, back.hash());
    assertArrayEquals(LIBNVME_KEY32, back.key());
  }

  @Test
  void refusesDamagedKeys() {
    // The last character changed: nvme check-tls-key reports "CRC mismatch" for this one too.
    IllegalArgumentException crc =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                ConfiguredPsk.parse(
                    "NVMeTLSkey-1:01:VRLbtnN9AQb2WXW3c9+wEf/DRLz0QuLdbYvEhwtdWwNf9LrA:"));
    assertTrue(crc.getMessage().contains("CRC"), crc.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            ConfiguredPsk.parse(
                "NVMeTLSkey-1:02:VRLbtnN9AQb2WXW3c9+wEf/DRLz0QuLdbYvEhwtdWwNf9LrZ:"));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            ConfiguredPsk.parse(
                "NVMeTLSkey-1:05:VRLbtnN9AQb2WXW3c9+wEf/DRLz0QuLdbYvEhwtdWwNf9LrZ:"));
    assertThrows(IllegalArgumentException.class, () -> ConfiguredPsk.parse("DHHC-1:00:abc:"));
    assertThrows(
        IllegalArgumentException.class, () -> ConfiguredPsk.parse("NVMeTLSkey-1:01:!!!!:"));
  }

  @Test
  void retainedPskMatchesLibnvmeVersion1Identities() {
    String host = "nqn.psk-test-host";
    String sub = "nqn.psk-test-subsys";
    byte[] r256 = ConfiguredPsk.of(PskHash.SHA256, LIBNVME_KEY32).retained(host);
    assertEquals(
        "iSbjiStwJ/1TrTvDlt2fjFmzvsytOJelidNnA+X5lEU=",
        PskDerivation.digest(PskHash.SHA256, r256, host, sub));
    byte[] r384 = ConfiguredPsk.of(PskHash.SHA384, LIBNVME_KEY48).retained(host);
    assertEquals(
        "QhW2+Rp6RzHlNtCslyRxMnwJ11tKKhz8JCAQpQ+XUD8f9td1VeH5h53yz2wKJG1a",
        PskDerivation.digest(PskHash.SHA384, r384, host, sub));
  }

  @Test
  void identitiesAsTheKernelNamesThem() {
    PskIdentity id = PskIdentity.v0(PskHash.SHA256, "nqn.h", "nqn.s");
    assertEquals("NVMe0R01 nqn.h nqn.s", id.format());
    assertEquals(id, PskIdentity.parse("NVMe0R01 nqn.h nqn.s"));
    assertEquals("NVMe0R02 nqn.h nqn.s", PskIdentity.v0(PskHash.SHA384, "nqn.h", "nqn.s").format());
    PskIdentity v1 = PskIdentity.parse("NVMe1R02 nqn.h nqn.s abc=");
    assertEquals(1, v1.version());
    assertEquals("abc=", v1.digest());
    assertThrows(IllegalArgumentException.class, () -> PskIdentity.parse("NVMe0G01 nqn.h nqn.s"));
    assertThrows(IllegalArgumentException.class, () -> PskIdentity.parse("NVMe0R03 nqn.h nqn.s"));
    assertThrows(IllegalArgumentException.class, () -> PskIdentity.parse("NVMe0R01 nqn.h"));
    assertThrows(IllegalArgumentException.class, () -> PskIdentity.parse("client1"));
  }

  @Test
  void tlsPskIsRfc8446ExpandLabelOverTheIdentity() throws Exception {
    TlsCrypto crypto = new JcaTlsCryptoProvider().create(new SecureRandom());
    byte[] retained = ConfiguredPsk.of(PskHash.SHA256, LIBNVME_KEY32).retained("nqn.h");
    PskIdentity id = PskIdentity.v0(PskHash.SHA256, "nqn.h", "nqn.s");
    byte[] ours = PskDerivation.tlsPsk(retained, id);
    TlsSecret prk =
        crypto
            .hkdfInit(CryptoHashAlgorithm.sha256)
            .hkdfExtract(CryptoHashAlgorithm.sha256, crypto.createSecret(retained));
    byte[] theirs =
        TlsCryptoUtils.hkdfExpandLabel(
                prk, CryptoHashAlgorithm.sha256, "nvme-tls-psk", id.format().getBytes(), 32)
            .extract();
    assertArrayEquals(theirs, ours);

    PskIdentity id384 = PskIdentity.v0(PskHash.SHA384, "nqn.h", "nqn.s");
    byte[] retained384 = ConfiguredPsk.of(PskHash.SHA384, LIBNVME_KEY48).retained("nqn.h");
    TlsSecret prk384 =
        crypto
            .hkdfInit(CryptoHashAlgorithm.sha384)
            .hkdfExtract(CryptoHashAlgorithm.sha384, crypto.createSecret(retained384));
    assertArrayEquals(
        TlsCryptoUtils.hkdfExpandLabel(
                prk384, CryptoHashAlgorithm.sha384, "nvme-tls-psk", id384.format().getBytes(), 48)
            .extract(),
        PskDerivation.tlsPsk(retained384, id384));
  }
}
