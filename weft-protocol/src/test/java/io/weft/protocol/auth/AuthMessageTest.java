package io.weft.protocol.auth;

import static io.weft.protocol.auth.Kat.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The messages against the bytes Linux 6.1.192 put on the wire (research captures A to E). */
class AuthMessageTest {
  /** The Linux host's Negotiate: T_ID 0, SC_C 0, NAPD 1, hashes 1-3, groups 0-5 (TL 72). */
  static final String LINUX_NEGOTIATE =
      "0000000000000001"
          + "01000306"
          + "010203"
          + "00".repeat(27)
          + "000102030405"
          + "00".repeat(24);

  static final String V5_CHALLENGE_HEADER = "010100003412300002010001ef85616a";
  static final String V5_C1 =
      "927a80c83c1b3227adaf4da78dbbb7f65e7fe410824be95e02d8c6947907c8c9"
          + "bc9c02ab565aa7ec41319127556b7578";
  static final String V5_REPLY_HEADER = "01020000341230000100000104030201";
  static final String V5_R1 =
      "56c137723f3f676cecea3d626415987e5afc51cbce31df0083c0c31eca3c7b81"
          + "6bd1470d2ec7deff2460165b06b9b166";
  static final String V4_R2 =
      "5a0b12aaef7cbd796f22fb5eb9c1ce4b81f4460ec0a523240b21028351e836e5"
          + "1e1a233ec9ef859d4f4b373e786c7b4f";

  @Test
  void negotiateAsTheLinuxHostSendsIt() throws Exception {
    AuthNegotiate n = new AuthNegotiate(0, NegotiateDescriptor.everything());
    assertEquals(72, n.size());
    assertEquals(LINUX_NEGOTIATE, hex(encode(n)));
    AuthNegotiate back = AuthNegotiate.decode(wrap(LINUX_NEGOTIATE), 0, 72);
    assertEquals(n, back);
    assertEquals(List.of(1, 2, 3), back.descriptors().get(0).hashIds());
    assertEquals(List.of(0, 1, 2, 3, 4, 5), back.descriptors().get(0).dhGroupIds());
  }

  @Test
  void ffdhe2048ChallengeFromTheKernelTarget() throws Exception {
    String wire = V5_CHALLENGE_HEADER + V5_C1 + KatDh.CTRL_PUBLIC_2048;
    // The target returns the whole 4096-byte receive buffer, zero padded.
    ByteBuf padded = Unpooled.buffer(4096).writeBytes(hex(wire)).writeZero(4096 - 320);
    DhchapChallenge c = DhchapChallenge.decode(padded, 0, 4096);
    assertEquals(0x1234, c.transactionId());
    assertEquals(DhchapHash.SHA_384, c.hash());
    assertEquals(DhGroup.FFDHE2048, c.group());
    assertEquals(0x6a6185ef, c.seqnum());
    assertEquals(V5_C1, hex(c.challenge()));
    assertEquals(KatDh.CTRL_PUBLIC_2048, hex(c.dhValue()));
    assertEquals(320, c.size());
    assertEquals(wire, hex(encode(c)));
  }

  @Test
  void nullGroupChallengeFromTheKernelTarget() throws Exception {
    String wire =
        "0101000000002000010000"
            + "00a8c4c803"
            + "0dc24b479ba73ee21bba9c3b559bac7d232a8c2b27f4ac2289e71657596ce263";
    DhchapChallenge c = DhchapChallenge.decode(wrap(wire), 0, 48);
    assertEquals(DhGroup.NULL, c.group());
    assertEquals(0x03c8c4a8, c.seqnum());
    assertEquals(0, c.dhValue().length);
    assertEquals(wire, hex(encode(c)));
  }

  @Test
  void bidirectionalReplyWithDhValue() throws Exception {
    String c2 = hex(Kat.run(0xa0, 48));
    String wire = V5_REPLY_HEADER + V5_R1 + c2 + KatDh.HOST_PUBLIC_2048;
    DhchapReply r = DhchapReply.decode(wrap(wire), 0, wire.length() / 2);
    assertTrue(r.bidirectional());
    assertEquals(0x1234, r.transactionId());
    assertEquals(0x01020304, r.seqnum());
    assertEquals(V5_R1, hex(r.response()));
    assertEquals(c2, hex(r.controllerChallenge()));
    assertEquals(KatDh.HOST_PUBLIC_2048, hex(r.dhValue()));
    assertEquals(wire, hex(encode(r)));
    r.requireMatches(DhchapHash.SHA_384, DhGroup.FFDHE2048);
    assertRefusal(
        FailureReason.HASH_NOT_USABLE,
        6,
        () -> r.requireMatches(DhchapHash.SHA_256, DhGroup.FFDHE2048));
    assertRefusal(
        FailureReason.INCORRECT_PAYLOAD,
        10,
        () -> r.requireMatches(DhchapHash.SHA_384, DhGroup.NULL));
  }

  @Test
  void unidirectionalReplyCarriesAZeroChallengeField() throws Exception {
    byte[] r1 = hex("fd31d5898a5bfaf5a2aaab8c5e6147807b0d0216de0294bc21cc64a47c0b1e3e");
    DhchapReply r = new DhchapReply(0, r1, null, 0, new byte[0]);
    byte[] wire = encode(r);
    assertEquals(80, wire.length);
    assertEquals("01020000000020000000000000000000" + hex(r1) + "00".repeat(32), hex(wire));
    DhchapReply back = DhchapReply.decode(Unpooled.wrappedBuffer(wire), 0, 80);
    assertFalse(back.bidirectional());
    assertNull(back.controllerChallenge());
    back.requireMatches(DhchapHash.SHA_256, DhGroup.NULL);
  }

  @Test
  void success1WithAndWithoutTheControllerResponse() throws Exception {
    String withR2 = "01030000000030000100000000000000" + V4_R2;
    DhchapSuccess1 s = DhchapSuccess1.decode(padded(withR2, 4096), 0, 4096);
    assertEquals(48, s.hashLength());
    assertEquals(V4_R2, hex(s.response()));
    assertEquals(withR2, hex(encode(s)));

    String without = "01030000010020000000000000000000";
    DhchapSuccess1 u = DhchapSuccess1.decode(padded(without, 4096), 0, 4096);
    assertEquals(1, u.transactionId());
    assertEquals(32, u.hashLength());
    assertNull(u.response());
    assertEquals(without, hex(encode(u)));
  }

  @Test
  void success2AndFailuresAsOnTheWire() throws Exception {
    String success2 = "01040000000000000000000000000000";
    assertEquals(success2, hex(encode(new DhchapSuccess2(0))));
    assertEquals(new DhchapSuccess2(0), DhchapSuccess2.decode(wrap(success2), 0, 16));

    AuthFailure f1 = AuthFailure.decode(padded("00f1000000000101", 4096), 0, 4096);
    assertEquals(AuthFailure.fromController(0, FailureReason.FAILED), f1);
    AuthFailure f2 = AuthFailure.decode(wrap("00f0000000000101"), 0, 8);
    assertEquals(AuthFailure.fromHost(0, FailureReason.FAILED), f2);
    assertEquals("00f0000000000101", hex(encode(f2)));
    assertEquals(
        "00f1000034120106",
        hex(encode(AuthFailure.fromController(0x1234, FailureReason.INCORRECT_PAYLOAD))));
  }

  @Test
  void decodeFindsTheMessageType() throws Exception {
    assertInstanceOf(AuthNegotiate.class, AuthMessage.decode(wrap(LINUX_NEGOTIATE), 0, 72));
    assertInstanceOf(AuthFailure.class, AuthMessage.decode(wrap("00f1000000000101"), 0, 8));
    assertInstanceOf(
        DhchapSuccess2.class, AuthMessage.decode(wrap("01040000000000000000000000000000"), 0, 16));
    // A Failure1 where a Challenge was expected is the wrong message, not a bad Challenge.
    assertRefusal(
        FailureReason.INCORRECT_PROTOCOL_MESSAGE,
        0,
        () -> DhchapChallenge.decode(wrap("00f1000000000101"), 0, 8));
    assertRefusal(
        FailureReason.INCORRECT_PROTOCOL_MESSAGE,
        0,
        () -> AuthMessage.decode(wrap("0105000000000000"), 0, 8));
    assertRefusal(
        FailureReason.INCORRECT_PROTOCOL_MESSAGE,
        0,
        () -> AuthMessage.decode(wrap("02000000000000000000000000000000"), 0, 16));
    assertRefusal(FailureReason.INCORRECT_PAYLOAD, 0, () -> AuthMessage.decode(wrap("0000"), 0, 2));
  }

  @Test
  void malformedNegotiatesAreRefused() {
    assertNegotiateRefused(6, 7, FailureReason.INCORRECT_PAYLOAD, "0000000000000000"); // NAPD 0
    assertRefusal(
        FailureReason.INCORRECT_PAYLOAD,
        7,
        () -> AuthNegotiate.decode(wrap(LINUX_NEGOTIATE), 0, 71));
    // NAPD 2 with one descriptor's bytes.
    assertNegotiateRefused(7, 7, FailureReason.INCORRECT_PAYLOAD, "02");
    assertNegotiateRefused(8, 8, FailureReason.INCORRECT_PAYLOAD, "02"); // AUTHID 02h
    assertNegotiateRefused(10, 10, FailureReason.INCORRECT_PAYLOAD, "1f"); // HALEN 31
    assertNegotiateRefused(11, 11, FailureReason.INCORRECT_PAYLOAD, "1f"); // DHLEN 31
  }

  @Test
  void malformedChallengesAreRefused() {
    String ok = "0101000000002000010000" + "00a8c4c803" + "11".repeat(32);
    assertChallengeRefused(ok, 8, "04", FailureReason.HASH_NOT_USABLE, 8);
    assertChallengeRefused(ok, 8, "00", FailureReason.HASH_NOT_USABLE, 8);
    assertChallengeRefused(ok, 6, "30", FailureReason.HASH_NOT_USABLE, 6);
    assertChallengeRefused(ok, 9, "06", FailureReason.DH_GROUP_NOT_USABLE, 9);
    assertChallengeRefused(ok, 9, "01", FailureReason.DH_GROUP_NOT_USABLE, 10);
    assertChallengeRefused(ok, 10, "0001", FailureReason.INCORRECT_PAYLOAD, 10);
    String dh = V5_CHALLENGE_HEADER + V5_C1 + KatDh.CTRL_PUBLIC_2048;
    assertChallengeRefused(dh, 10, "ff00", FailureReason.INCORRECT_PAYLOAD, 10);
    assertRefusal(
        FailureReason.INCORRECT_PAYLOAD, 10, () -> DhchapChallenge.decode(wrap(dh), 0, 319));
    assertRefusal(
        FailureReason.INCORRECT_PAYLOAD, 15, () -> DhchapChallenge.decode(wrap(ok), 0, 15));
  }

  @Test
  void malformedRepliesAndSuccessesAreRefused() {
    String reply = "01020000000020000000000000000000" + "22".repeat(64);
    assertRefusal(
        FailureReason.INCORRECT_PAYLOAD,
        6,
        () -> DhchapReply.decode(wrap(set(reply, 6, "21")), 0, 80));
    assertRefusal(
        FailureReason.INCORRECT_PAYLOAD,
        8,
        () -> DhchapReply.decode(wrap(set(reply, 8, "02")), 0, 80));
    assertRefusal(
        FailureReason.INCORRECT_PAYLOAD, 10, () -> DhchapReply.decode(wrap(reply), 0, 79));
    assertRefusal(
        FailureReason.INCORRECT_PAYLOAD,
        10,
        () -> DhchapReply.decode(wrap(set(reply, 10, "0100")), 0, 80));

    String success1 = "01030000000030000100000000000000" + V4_R2;
    assertRefusal(
        FailureReason.HASH_NOT_USABLE,
        6,
        () -> DhchapSuccess1.decode(wrap(set(success1, 6, "00")), 0, 64));
    assertRefusal(
        FailureReason.INCORRECT_PAYLOAD,
        8,
        () -> DhchapSuccess1.decode(wrap(set(success1, 8, "02")), 0, 64));
    assertRefusal(
        FailureReason.INCORRECT_PAYLOAD, 6, () -> DhchapSuccess1.decode(wrap(success1), 0, 63));
    assertRefusal(
        FailureReason.INCORRECT_PAYLOAD,
        15,
        () -> DhchapSuccess2.decode(wrap("01040000000000000000000000000000"), 0, 15));
  }

  @Test
  void malformedFailuresAreRefused() {
    assertRefusal(
        FailureReason.INCORRECT_PAYLOAD,
        6,
        () -> AuthFailure.decode(wrap("00f1000000000201"), 0, 8));
    assertRefusal(
        FailureReason.INCORRECT_PAYLOAD,
        7,
        () -> AuthFailure.decode(wrap("00f1000000000108"), 0, 8));
    assertRefusal(
        FailureReason.INCORRECT_PAYLOAD,
        7,
        () -> AuthFailure.decode(wrap("00f1000000000100"), 0, 8));
    assertRefusal(
        FailureReason.INCORRECT_PAYLOAD, 0, () -> AuthFailure.decode(wrap("00f10000000001"), 0, 7));
  }

  @Test
  void constructorsRefuseWhatCannotBeEncoded() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new DhchapChallenge(0, DhchapHash.SHA_256, DhGroup.NULL, 1, new byte[48], new byte[0]));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new DhchapChallenge(
                0, DhchapHash.SHA_256, DhGroup.FFDHE2048, 1, new byte[32], new byte[255]));
    assertThrows(IllegalArgumentException.class, () -> new DhchapSuccess2(0x10000));
    assertThrows(
        IllegalArgumentException.class,
        () -> new DhchapReply(0, new byte[32], new byte[48], 0, new byte[0]));
    assertThrows(IllegalArgumentException.class, () -> new DhchapSuccess1(0, 40, null));
    assertThrows(
        IllegalArgumentException.class,
        () -> new AuthFailure(AuthMessageType.SUCCESS2, 0, FailureReason.FAILED));
    assertThrows(
        IllegalArgumentException.class, () -> new NegotiateDescriptor(List.of(1, 256), List.of()));
  }

  @Test
  void messagesKeepTheirOwnCopies() {
    byte[] c1 = new byte[32];
    DhchapChallenge c =
        new DhchapChallenge(0, DhchapHash.SHA_256, DhGroup.NULL, 1, c1, new byte[0]);
    c1[0] = 1;
    c.challenge()[1] = 1;
    assertArrayEquals(new byte[32], c.challenge());
  }

  private static void assertNegotiateRefused(
      int at, int expectedOffset, FailureReason reason, String value) {
    String bytes = set(LINUX_NEGOTIATE, at, value);
    int length = bytes.length() / 2;
    assertRefusal(reason, expectedOffset, () -> AuthNegotiate.decode(wrap(bytes), 0, length));
  }

  private static void assertChallengeRefused(
      String ok, int at, String value, FailureReason reason, int expectedOffset) {
    String bytes = set(ok, at, value);
    assertRefusal(
        reason, expectedOffset, () -> DhchapChallenge.decode(wrap(bytes), 0, bytes.length() / 2));
  }

  interface Decoding {
    void run() throws InvalidAuthMessage;
  }

  static void assertRefusal(FailureReason reason, int offset, Decoding decoding) {
    InvalidAuthMessage e = assertThrows(InvalidAuthMessage.class, decoding::run);
    assertEquals(reason, e.explanation(), e.getMessage());
    assertEquals(offset, e.offset(), e.getMessage());
  }

  /** The hex string with the bytes at byte offset {@code at} replaced by {@code value}. */
  static String set(String hexBytes, int at, String value) {
    return hexBytes.substring(0, 2 * at) + value + hexBytes.substring(2 * at + value.length());
  }

  static ByteBuf wrap(String hexBytes) {
    return Unpooled.wrappedBuffer(hex(hexBytes));
  }

  static ByteBuf padded(String hexBytes, int length) {
    byte[] b = Arrays.copyOf(hex(hexBytes), length);
    return Unpooled.wrappedBuffer(b);
  }

  static byte[] encode(AuthMessage m) {
    ByteBuf out = Unpooled.buffer();
    m.encode(out);
    assertEquals(m.size(), out.readableBytes(), m.type() + " size");
    byte[] b = new byte[out.readableBytes()];
    out.readBytes(b);
    return b;
  }
}
