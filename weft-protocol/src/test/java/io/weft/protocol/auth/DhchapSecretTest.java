package io.weft.protocol.auth;

import static io.weft.protocol.auth.Kat.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DhchapSecretTest {
  @Test
  void specExampleSecretParses() {
    DhchapSecret s = DhchapSecret.parse(Kat.V1_SECRET);
    assertNull(s.transform());
    assertEquals("89aeb31a874eaf84841b46736b0dfdf2ba58d30aa2a545a3e235a3521e07594c", hex(s.key()));
    assertEquals(Kat.V1_SECRET, s.format());
    // No transform: the response key is the key itself, whatever the NQN.
    assertArrayEquals(s.key(), s.transformedKey(Kat.HOST_NQN));
  }

  @Test
  void untransformedNvmeCliSecretFormatsAsNvmeCliPrintsIt() {
    DhchapSecret s = new DhchapSecret(null, Kat.run(0, 32));
    assertEquals("DHHC-1:00:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh+KfiaR:", s.format());
  }

  @Test
  void nvmeCliTransformIsTheHmacOverNqnAndSuffix() {
    // nvme gen-dhchap-key --hmac=1 prints HMAC-SHA256(secret, NQN || "NVMe-over-Fabrics").
    DhchapSecret raw = new DhchapSecret(DhchapHash.SHA_256, Kat.run(0, 32));
    byte[] transformed = raw.transformedKey(Kat.V2_NQN);
    DhchapSecret printed = DhchapSecret.parse(Kat.V2_SECRET);
    assertEquals(DhchapHash.SHA_256, printed.transform());
    assertEquals(
        "6c7b81cb2a746f74454b1d7140f3153b51ca99459fcef7a86a17f27695b87cd8", hex(printed.key()));
    assertArrayEquals(printed.key(), transformed);
    assertEquals(Kat.V2_SECRET, printed.format());
  }

  @Test
  void kernelTransformedKeys() {
    assertEquals(
        "d8d1d852fef048dd08928b2a119f2fdae8f4b13e0c6e419ee84bed674640d1ce",
        hex(DhchapSecret.parse(Kat.V2_SECRET).transformedKey(Kat.HOST_NQN)));
    DhchapSecret ctrl = DhchapSecret.parse(Kat.CTRL_SECRET);
    assertArrayEquals(Kat.run(0x40, 48), ctrl.key());
    assertEquals(
        "149145366ed38edb988418060f5e5cbc2e5578ba19c4554b95330a401693eac2"
            + "22938003918b44c5647de2a3a14afb15",
        hex(ctrl.transformedKey(Kat.SUBSYS_NQN)));
    DhchapSecret host = DhchapSecret.parse(Kat.HOST_SECRET_512);
    assertArrayEquals(Kat.run(0x80, 64), host.key());
    assertEquals(
        "1024703ff0ba9afb38c46ec4457da135e87ca89899832e354bd7c7ecf8969f22"
            + "44bb66f2890913ab442eb680d47aa8c3908adf991c4a5cc205d9fa5af1a22439",
        hex(host.transformedKey(Kat.HOST_NQN)));
  }

  @Test
  void finalColonMayBeLeftOut() {
    String text = Kat.V1_SECRET.substring(0, Kat.V1_SECRET.length() - 1);
    assertEquals(DhchapSecret.parse(Kat.V1_SECRET), DhchapSecret.parse(text));
  }

  @Test
  void keyLengthAndTransformMayDiffer() {
    DhchapSecret s = new DhchapSecret(DhchapHash.SHA_512, Kat.run(0, 32));
    assertEquals(s, DhchapSecret.parse(s.format()));
    assertEquals(64, s.transformedKey("nqn.x").length);
  }

  @Test
  void toStringAndFingerprintNeverShowTheKey() {
    DhchapSecret s = DhchapSecret.parse(Kat.V1_SECRET);
    String base64 = Kat.V1_SECRET.substring(10, Kat.V1_SECRET.length() - 1);
    String keyHex = hex(s.key());
    for (String shown : new String[] {s.toString(), s.fingerprint()}) {
      assertFalse(shown.contains(keyHex), shown);
      assertFalse(shown.contains(keyHex.substring(0, 16)), shown);
      assertFalse(shown.contains(base64.substring(0, 12)), shown);
    }
    assertTrue(s.toString().contains(s.fingerprint()));
    assertEquals(16, s.fingerprint().length());
    assertFalse(
        s.fingerprint().equals(DhchapSecret.parse(Kat.V2_SECRET).fingerprint()),
        "different keys, different fingerprints");
  }

  @Test
  void malformedSecretsAreRefusedSayingWhy() {
    assertRefused("DHHC-2:00:" + Kat.V1_SECRET.substring(10), "must start with DHHC-1:");
    assertRefused("DHHC-1:0", "two digits and a colon");
    assertRefused("DHHC-1:001" + Kat.V1_SECRET.substring(10), "two digits and a colon");
    assertRefused("DHHC-1:04:" + Kat.V1_SECRET.substring(10), "must be 00, 01, 02 or 03");
    assertRefused("DHHC-1:0x:" + Kat.V1_SECRET.substring(10), "must be 00, 01, 02 or 03");
    assertRefused(
        "DHHC-1:00:ia6z!odOr4SEG0Zzaw398rpY0wqipUWj4jWjUh4HWUz6aQ2n:", "not valid base64");
    // 31 key bytes + CRC.
    String shortKey =
        new DhchapSecret(null, Kat.run(0, 32))
            .format()
            .replace("AAECAwQFBgcICQoL", "AAECAwQFBgcICQ");
    assertRefused(shortKey, "32, 48 or 64 byte key");
    assertRefused("DHHC-1:00::", "32, 48 or 64 byte key");
    // One key bit flipped: the CRC no longer matches.
    assertRefused(Kat.V1_SECRET.replace("ia6z", "ja6z"), "CRC does not match");
    assertThrows(IllegalArgumentException.class, () -> new DhchapSecret(null, new byte[33]));
  }

  private static void assertRefused(String text, String reason) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> DhchapSecret.parse(text), text);
    assertTrue(e.getMessage().contains(reason), e.getMessage());
  }
}
