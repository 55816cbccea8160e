package io.weft.protocol.auth;

import static io.weft.protocol.auth.Kat.HOST_NQN;
import static io.weft.protocol.auth.Kat.SUBSYS_NQN;
import static io.weft.protocol.auth.Kat.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;

/** R1 and R2 as the Linux 6.1.192 kernel computed them (research vectors V3 to V7). */
class DhchapResponsesTest {
  static final byte[] HOST_KEY_512 =
      DhchapSecret.parse(Kat.HOST_SECRET_512).transformedKey(HOST_NQN);
  static final byte[] CTRL_KEY = DhchapSecret.parse(Kat.CTRL_SECRET).transformedKey(SUBSYS_NQN);

  @Test
  void sha256NullGroupUnidirectionalOnBothQueues() {
    byte[] key = DhchapSecret.parse(Kat.V2_SECRET).transformedKey(HOST_NQN);
    byte[] c1 = hex("0dc24b479ba73ee21bba9c3b559bac7d232a8c2b27f4ac2289e71657596ce263");
    assertEquals(
        "fd31d5898a5bfaf5a2aaab8c5e6147807b0d0216de0294bc21cc64a47c0b1e3e",
        hex(r1(DhchapHash.SHA_256, key, c1, 0x03c8c4a8, 0)));
    byte[] c1q1 = hex("62532f94324cca95d94693143e43e79cc7e472a47967940513fe2ef772d0c6ce");
    assertEquals(
        "37def4b74c4fc4985d238b8dba928207bfbb6bec0fabc6998bec3e10c055ad99",
        hex(r1(DhchapHash.SHA_256, key, c1q1, 0x03c8c4a9, 1)));
  }

  @Test
  void sha384NullGroupBidirectional() {
    byte[] hostKey = DhchapSecret.parse(Kat.V1_SECRET).transformedKey(HOST_NQN);
    byte[] c1 =
        hex(
            "92622dae42e24d5fd92ebf54392d01906fc5da32ecc8287cff386cfea988a002"
                + "14f2ea96a4ac59c11373e61c4ed9ddb9");
    assertEquals(
        "2a858c4600c6999d1f1623e3534184390101c2266d55036dbce9f18a378d2b26"
            + "cbe59767a23d2d3283f8fede739439cf",
        hex(r1(DhchapHash.SHA_384, hostKey, c1, 0x03c8c4aa, 0)));
    byte[] c2 =
        hex(
            "d14cdb1619e8f11bb1d0a8300217f9ea3c679a7996bf3fe2d412822d2c1925c4"
                + "070ded3bd45fe90bc915e6653a340921");
    assertEquals(
        "5a0b12aaef7cbd796f22fb5eb9c1ce4b81f4460ec0a523240b21028351e836e5"
            + "1e1a233ec9ef859d4f4b373e786c7b4f",
        hex(r2(DhchapHash.SHA_384, CTRL_KEY, c2, 0x03c8c4ab, 0)));
  }

  @Test
  void sha512NullGroupBidirectional() {
    byte[] c1 =
        hex(
            "29f7c899b6338aa196299e84e4c6fd39597c03290543220513244ae95c0ef7d6"
                + "77edf1fe3cf30b57f3c6f9d786cc46ed986aef1dad1cfb45989a82e2f33bc72f");
    assertEquals(
        "38a630c0bdad347a28af7a7a932e4424a87c07bc55d55fe81dec22356fcd25c3"
            + "97b84f787083fda8c2a68c1f289733ec3e540eb644dbf6a1334fccc87ef34dda",
        hex(r1(DhchapHash.SHA_512, HOST_KEY_512, c1, 0x6a6185f1, 0x1234)));
    assertEquals(
        "8bb196e59a17ec85b42819267852a28ba4ec3e8f5b651ffec29b01e876f8fdb0"
            + "4d8b19345132cf95d2a0b82311bdfe0f7d80ef4e420adfac140584194e508762",
        hex(r2(DhchapHash.SHA_512, CTRL_KEY, Kat.run(0xa0, 64), 0x01020304, 0x1234)));
  }

  @Test
  void nullGroupLeavesTheChallengeAsItIs() {
    byte[] c = Kat.run(7, 32);
    assertArrayEquals(c, DhchapResponses.augmentedChallenge(DhchapHash.SHA_256, c, null));
  }

  @Test
  void everyInputChangesTheResponse() {
    DhchapHash h = DhchapHash.SHA_256;
    byte[] key = Kat.run(1, 32);
    byte[] c = Kat.run(2, 32);
    String base = hex(DhchapResponses.hostResponse(h, key, c, 5, 6, 0, "h", "s"));
    String[] others = {
      hex(DhchapResponses.hostResponse(h, Kat.run(3, 32), c, 5, 6, 0, "h", "s")),
      hex(DhchapResponses.hostResponse(h, key, Kat.run(3, 32), 5, 6, 0, "h", "s")),
      hex(DhchapResponses.hostResponse(h, key, c, 0x105, 6, 0, "h", "s")),
      hex(DhchapResponses.hostResponse(h, key, c, 5, 0x106, 0, "h", "s")),
      hex(DhchapResponses.hostResponse(h, key, c, 5, 6, 1, "h", "s")),
      // The 00h separator keeps the split between the two NQNs in the hash.
      hex(DhchapResponses.hostResponse(h, key, c, 5, 6, 0, "hs", "")),
      hex(DhchapResponses.controllerResponse(h, key, c, 5, 6, "h", "s")),
    };
    for (String other : others) {
      assertFalse(base.equals(other));
    }
  }

  static byte[] r1(DhchapHash h, byte[] key, byte[] ca1, int s1, int tid) {
    return DhchapResponses.hostResponse(h, key, ca1, s1, tid, 0, HOST_NQN, SUBSYS_NQN);
  }

  static byte[] r2(DhchapHash h, byte[] key, byte[] ca2, int s2, int tid) {
    return DhchapResponses.controllerResponse(h, key, ca2, s2, tid, SUBSYS_NQN, HOST_NQN);
  }
}
