package io.weft.block.atrest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Known answers: IEEE 1619-2007 vectors 4 (XTS-AES-128) and 10 (XTS-AES-256), and for tweaks with
 * more than one significant byte, data units of 4096 bytes and a request spanning several units,
 * ciphertexts computed with OpenSSL's XTS (through Python's cryptography package), kept as SHA-256
 * digests.
 */
class XtsAesTest {
  private static final HexFormat HEX = HexFormat.of();

  private static final String E =
      "2718281828459045235360287471352662497757247093699959574966967627";
  private static final String PI =
      "3141592653589793238462643383279502884197169399375105820974944592";

  /** 00 01 .. ff twice: the plaintext of both IEEE vectors. */
  private static byte[] ieeePlaintext() {
    byte[] p = new byte[512];
    for (int i = 0; i < p.length; i++) {
      p[i] = (byte) i;
    }
    return p;
  }

  private static byte[] pattern(int length) {
    byte[] p = new byte[length];
    for (int i = 0; i < length; i++) {
      p[i] = (byte) (i * 7 + 3);
    }
    return p;
  }

  private static byte[] counting(int length) {
    byte[] k = new byte[length];
    for (int i = 0; i < length; i++) {
      k[i] = (byte) i;
    }
    return k;
  }

  private static String sha256(byte[] data) throws Exception {
    return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(data));
  }

  @Test
  void ieeeVector10XtsAes256() {
    String expected =
        "1c3b3a102f770386e4836c99e370cf9bea00803f5e482357a4ae12d414a3e63b"
            + "5d31e276f8fe4a8d66b317f9ac683f44680a86ac35adfc3345befecb4bb188fd"
            + "5776926c49a3095eb108fd1098baec70aaa66999a72a82f27d848b21d4a741b0"
            + "c5cd4d5fff9dac89aeba122961d03a757123e9870f8acf1000020887891429ca"
            + "2a3e7a7d7df7b10355165c8b9a6d0a7de8b062c4500dc4cd120c0f7418dae3d0"
            + "b5781c34803fa75421c790dfe1de1834f280d7667b327f6c8cd7557e12ac3a0f"
            + "93ec05c52e0493ef31a12d3d9260f79a289d6a379bc70c50841473d1a8cc81ec"
            + "583e9645e07b8d9670655ba5bbcfecc6dc3966380ad8fecb17b6ba02469a020a"
            + "84e18e8f84252070c13e9f1f289be54fbc481457778f616015e1327a02b140f1"
            + "505eb309326d68378f8374595c849d84f4c333ec4423885143cb47bd71c5edae"
            + "9be69a2ffeceb1bec9de244fbe15992b11b77c040f12bd8f6a975a44a0f90c29"
            + "a9abc3d4d893927284c58754cce294529f8614dcd2aba991925fedc4ae74ffac"
            + "6e333b93eb4aff0479da9a410e4450e0dd7ae4c6e2910900575da401fc07059f"
            + "645e8b7e9bfdef33943054ff84011493c27b3429eaedb4ed5376441a77ed4385"
            + "1ad77f16f541dfd269d50d6a5f14fb0aab1cbb4c1550be97f7ab4066193c4caa"
            + "773dad38014bd2092fa755c824bb5e54c4f36ffda9fcea70b9c6e693e148c151";
    XtsAes xts = new XtsAes(HEX.parseHex(E + PI), 512, 4096);
    byte[] data = ieeePlaintext();
    xts.encrypt(data, 0xff);
    assertEquals(expected, HEX.formatHex(data));
    xts.decrypt(data, 0xff);
    assertArrayEquals(ieeePlaintext(), data);
  }

  @Test
  void ieeeVector4XtsAes128() throws Exception {
    XtsAes xts =
        new XtsAes(
            HEX.parseHex("27182818284590452353602874713526" + "31415926535897932384626433832795"),
            512,
            4096);
    byte[] data = ieeePlaintext();
    xts.encrypt(data, 0);
    assertEquals(
        "27a7479befa1d476489f308cd4cfa6e2a96e4bbe3208ff25287dd3819616e89c",
        HEX.formatHex(data, 0, 32));
    assertEquals(
        "ef2c8d6c017db738b18deb4a427d1923ce3ff262735779a418f20a282df920147beabe421ee5319d0568",
        HEX.formatHex(data, 512 - 42, 512));
    xts.decrypt(data, 0);
    assertArrayEquals(ieeePlaintext(), data);
  }

  @Test
  void fourKibUnitWithAWideTweakMatchesOpenSsl() throws Exception {
    XtsAes xts = new XtsAes(counting(64), 4096, 64 << 10);
    byte[] data = pattern(4096);
    xts.encrypt(data, 0x0123456789abcdefL);
    assertEquals("e5db0035986c39d80e9b43cdc3fb9fba96d8f35457dd1dd1199884c313c06370", sha256(data));
  }

  @Test
  void consecutiveUnitsTakeConsecutiveTweaksAcrossWordBoundaries() throws Exception {
    // The tweak is a 128-bit little-endian number: 2^32 - 1 then 2^32, and 2^63 - 1 then 2^63.
    XtsAes small = new XtsAes(counting(64), 512, 4096);
    byte[] data = pattern(1024);
    small.encrypt(data, 0xffffffffL);
    assertEquals("575f133449fd32d81dbe7f56de7dc170dcbcc5dacccceabe6988d70c8ec56c62", sha256(data));

    XtsAes large = new XtsAes(counting(64), 4096, 64 << 10);
    data = pattern(8192);
    large.encrypt(data, Long.MAX_VALUE);
    assertEquals("ab4032b3e16dc6587156ddd1d6cfc575807fd1c07353cadd160bb09d2e1a800f", sha256(data));
  }

  @Test
  void requestsLongerThanOneChunkGiveTheSameCiphertextAsUnitByUnit() {
    byte[] key = new byte[64];
    new Random(1).nextBytes(key);
    XtsAes chunked = new XtsAes(key, 512, 2048); // four units per chunk
    XtsAes single = new XtsAes(key, 512, 512);
    byte[] plain = new byte[512 * 11];
    new Random(2).nextBytes(plain);

    ByteBuf src = Unpooled.wrappedBuffer(plain.clone());
    ByteBuf dst = Unpooled.buffer(plain.length + 64);
    chunked.encrypt(src, 0, dst, 64, plain.length, 1000);

    byte[] expected = plain.clone();
    for (int u = 0; u < 11; u++) {
      byte[] unit = java.util.Arrays.copyOfRange(plain, u * 512, (u + 1) * 512);
      single.encrypt(unit, 1000 + u);
      System.arraycopy(unit, 0, expected, u * 512, 512);
    }
    byte[] actual = new byte[plain.length];
    dst.getBytes(64, actual);
    assertArrayEquals(expected, actual);
    assertArrayEquals(plain, ByteBufs.bytes(src), "the source is only read");

    chunked.decrypt(dst, 64, dst, 64, plain.length, 1000);
    dst.getBytes(64, actual);
    assertArrayEquals(plain, actual);
  }

  @Test
  void zeroCiphertextUnitsDecryptToZeros() {
    byte[] key = new byte[64];
    new Random(3).nextBytes(key);
    XtsAes xts = new XtsAes(key, 512, 4096);
    byte[] plain = new byte[1536];
    new Random(4).nextBytes(plain);
    byte[] cipher = plain.clone();
    xts.encrypt(cipher, 7);
    java.util.Arrays.fill(cipher, 512, 1024, (byte) 0); // the middle unit is a hole

    ByteBuf buf = Unpooled.wrappedBuffer(cipher);
    xts.decrypt(buf, 0, buf, 0, cipher.length, 7);
    byte[] back = ByteBufs.bytes(buf);
    assertArrayEquals(java.util.Arrays.copyOfRange(plain, 0, 512), slice(back, 0, 512));
    assertArrayEquals(new byte[512], slice(back, 512, 1024));
    assertArrayEquals(java.util.Arrays.copyOfRange(plain, 1024, 1536), slice(back, 1024, 1536));
  }

  @Test
  void aDifferentUnitNumberGivesADifferentCiphertext() {
    XtsAes xts = new XtsAes(counting(64), 512, 4096);
    byte[] a = pattern(512);
    byte[] b = pattern(512);
    xts.encrypt(a, 1);
    xts.encrypt(b, 2);
    assertFalse(java.util.Arrays.equals(a, b));
  }

  @Test
  void refusesBadKeysAndUnits() {
    assertThrows(IllegalArgumentException.class, () -> new XtsAes(new byte[48], 512, 4096));
    assertThrows(IllegalArgumentException.class, () -> new XtsAes(new byte[64], 512, 4096));
    assertThrows(IllegalArgumentException.class, () -> new XtsAes(counting(64), 500, 4096));
    XtsAes xts = new XtsAes(counting(64), 512, 4096);
    assertThrows(IllegalArgumentException.class, () -> xts.encrypt(new byte[100], 0));
  }

  private static byte[] slice(byte[] a, int from, int to) {
    return java.util.Arrays.copyOfRange(a, from, to);
  }

  /** Whole readable contents of a buffer. */
  private static final class ByteBufs {
    static byte[] bytes(ByteBuf buf) {
      byte[] b = new byte[buf.readableBytes()];
      buf.getBytes(buf.readerIndex(), b);
      return b;
    }
  }
}
