package io.weft.protocol.auth;

import static io.weft.protocol.auth.Kat.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** DH with the RFC 7919 groups, against the exchanges the Linux 6.1.192 target accepted. */
class FfdheKeyPairTest {
  @Test
  void bouncyCastlePrimesAreTheOnesLinuxUses() {
    // SHA-256 of each big-endian prime, from the primes in Linux 6.1 crypto/dh.c.
    String[] expected = {
      "9cd3b7f336872f46c09428d1bbc19877a4d440512cda8d1c1cf0cd6e33698966",
      "0eaf67db3a839156d5013494a5318a772b5697d270d721f37f092efc69ea5a17",
      "4648414224ac881b3d0dc59b466f96d06a558278776807797ecf1f66ff397b3e",
      "227ac9066b3ddd9e193670cda2388fa884f65ba0cf98b742d1fe77a6687c79c7",
      "770b14efaf6f049929c523113b3fa99a8d11dab1b18af3609590122075d19833",
    };
    DhGroup[] groups = {
      DhGroup.FFDHE2048, DhGroup.FFDHE3072, DhGroup.FFDHE4096, DhGroup.FFDHE6144, DhGroup.FFDHE8192
    };
    for (int i = 0; i < groups.length; i++) {
      byte[] p = FfdheKeyPair.toFixedLength(groups[i].prime(), groups[i].valueLength);
      assertEquals(groups[i].valueLength * 8, groups[i].prime().bitLength(), groups[i].name());
      assertEquals(expected[i], hex(DhchapHash.SHA_256.digest(p)), groups[i].name());
      assertEquals(BigInteger.TWO, groups[i].generator());
    }
  }

  @Test
  void ffdhe2048WithSha384AsTheKernelAcceptedIt() throws Exception {
    FfdheKeyPair host =
        FfdheKeyPair.of(
            DhGroup.FFDHE2048,
            new BigInteger("52142b19136e6d19339dc6af5e0e4f6ae7b6abea929aa7cd5bc1f5639dae3716", 16));
    assertEquals(KatDh.HOST_PUBLIC_2048, hex(host.publicValue()));
    byte[] z = host.sharedSecret(hex(KatDh.CTRL_PUBLIC_2048), 64);
    assertEquals(KatDh.Z_2048, hex(z));
    DhchapHash h = DhchapHash.SHA_384;
    assertEquals(
        "03b47d94f55978a9f66ca2f3950d6504aace971578207fd6d456192fb33b7438"
            + "d8cc48604ccabc7d06c89afc97f32427",
        hex(h.digest(z)));
    byte[] c1 =
        hex(
            "927a80c83c1b3227adaf4da78dbbb7f65e7fe410824be95e02d8c6947907c8c9"
                + "bc9c02ab565aa7ec41319127556b7578");
    byte[] ca1 = DhchapResponses.augmentedChallenge(h, c1, z);
    assertEquals(
        "efecf3062240f16d4834ebe10338e8f9976384ed8da52fa9f96606c0ee2c97a8"
            + "7b00379e2f3f294c8f155d1470a4662b",
        hex(ca1));
    assertEquals(
        "56c137723f3f676cecea3d626415987e5afc51cbce31df0083c0c31eca3c7b81"
            + "6bd1470d2ec7deff2460165b06b9b166",
        hex(DhchapResponsesTest.r1(h, DhchapResponsesTest.HOST_KEY_512, ca1, 0x6a6185ef, 0x1234)));
    byte[] ca2 = DhchapResponses.augmentedChallenge(h, Kat.run(0xa0, 48), z);
    assertEquals(
        "6b2db3ef1f49ed9c93a6dc44c9e327b4f940ef40268645e366f99f2b00d21d61"
            + "354acb8fdb4be25c2064af2645568292",
        hex(ca2));
    assertEquals(
        "58fdad1b79083e4cc3e6446c24a479d1ec8d73a8ca564cec134be6542c2e4c3d"
            + "cb25b35c86454a47d468f4b54be85b76",
        hex(DhchapResponsesTest.r2(h, DhchapResponsesTest.CTRL_KEY, ca2, 0x01020304, 0x1234)));
  }

  @Test
  void ffdhe3072WithSha256AsTheKernelAcceptedIt() throws Exception {
    FfdheKeyPair host =
        FfdheKeyPair.of(
            DhGroup.FFDHE3072,
            new BigInteger("f6da96c3bd621b30137507e55733ff6dcea786603e1678c68a00d214e0999937", 16));
    assertEquals(KatDh.HOST_PUBLIC_3072, hex(host.publicValue()));
    byte[] z = host.sharedSecret(hex(KatDh.CTRL_PUBLIC_3072), 48);
    assertEquals(KatDh.Z_3072, hex(z));
    DhchapHash h = DhchapHash.SHA_256;
    assertEquals(
        "ef6152a1221aff66b168611958a78a2e8469570c542c7a49a0cb35dbb382734d", hex(h.digest(z)));
    byte[] ca1 =
        DhchapResponses.augmentedChallenge(
            h, hex("20ac10e71494fbdbfd7c72dd9a0afbeb08004eed41fe8e8a02d4994a888d1ac3"), z);
    assertEquals("83f379753d3fa890ac2ce67cf17b6b51f8fb3ac0d367d54c8cfe1e78aa135a4a", hex(ca1));
    assertEquals(
        "99762bc965ff3b8462e41348076e8f83d7975cdd8f95586ff63ebb3f2090f948",
        hex(DhchapResponsesTest.r1(h, DhchapResponsesTest.HOST_KEY_512, ca1, 0x6a6185f0, 0x1234)));
    byte[] ca2 = DhchapResponses.augmentedChallenge(h, Kat.run(0xa0, 32), z);
    assertEquals("548864287dc34fa1cc0bde9be23095566b3a21f6166ff6adcbd2017733e8a078", hex(ca2));
    assertEquals(
        "acc1a1c85c7e8f44780be1b8aebdd16b4ea7e583c56280bfa1bdb6f860675e05",
        hex(DhchapResponsesTest.r2(h, DhchapResponsesTest.CTRL_KEY, ca2, 0x01020304, 0x1234)));
  }

  @Test
  void generatedPairsAgreeOnZ() throws Exception {
    SecureRandom random = new SecureRandom();
    for (DhGroup g : new DhGroup[] {DhGroup.FFDHE2048, DhGroup.FFDHE4096}) {
      FfdheKeyPair a = FfdheKeyPair.generate(g, random);
      FfdheKeyPair b = FfdheKeyPair.generate(g, random);
      assertEquals(g.valueLength, a.publicValue().length);
      assertArrayEquals(a.sharedSecret(b.publicValue(), 0), b.sharedSecret(a.publicValue(), 0));
    }
  }

  @Test
  void smallValuesArePaddedToTheModulusSize() throws Exception {
    // 2^3 mod p = 8: one significant byte, sent as 256.
    FfdheKeyPair small = FfdheKeyPair.of(DhGroup.FFDHE2048, BigInteger.valueOf(3));
    byte[] expected = new byte[256];
    expected[255] = 8;
    assertArrayEquals(expected, small.publicValue());
    byte[] z = small.sharedSecret(expected, 0); // 8^3 = 512
    assertEquals(2, z[254]);
    assertEquals(0, z[255]);
  }

  @Test
  void peerValuesOutsideTheGroupAreRefused() {
    FfdheKeyPair pair = FfdheKeyPair.generate(DhGroup.FFDHE2048, new SecureRandom());
    BigInteger p = DhGroup.FFDHE2048.prime();
    BigInteger[] bad = {
      BigInteger.ZERO, BigInteger.ONE, p.subtract(BigInteger.ONE), p, p.add(BigInteger.ONE)
    };
    for (BigInteger y : bad) {
      byte[] value = FfdheKeyPair.toFixedLength(y, 256);
      InvalidAuthMessage e =
          assertThrows(InvalidAuthMessage.class, () -> pair.sharedSecret(value, 80), y.toString());
      assertEquals(FailureReason.INCORRECT_PAYLOAD, e.explanation());
      assertEquals(80, e.offset());
    }
    byte[] random = new byte[256];
    new Random(1).nextBytes(random);
    random[0] = 0x12;
    for (int length : new int[] {0, 255, 257, 384}) {
      byte[] value = Arrays.copyOf(random, length);
      assertThrows(InvalidAuthMessage.class, () -> pair.sharedSecret(value, 0), "" + length);
    }
  }

  @Test
  void nullGroupHasNoKeyPair() {
    assertThrows(
        IllegalArgumentException.class,
        () -> FfdheKeyPair.generate(DhGroup.NULL, new SecureRandom()));
    assertThrows(
        IllegalArgumentException.class, () -> FfdheKeyPair.of(DhGroup.FFDHE2048, BigInteger.ONE));
  }
}
