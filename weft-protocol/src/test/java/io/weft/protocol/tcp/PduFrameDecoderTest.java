package io.weft.protocol.tcp;

import static io.weft.protocol.testing.Hex.assertBytes;
import static io.weft.protocol.testing.PduBuilder.c2hData;
import static io.weft.protocol.testing.PduBuilder.capsuleCmd;
import static io.weft.protocol.testing.PduBuilder.capsuleResp;
import static io.weft.protocol.testing.PduBuilder.concat;
import static io.weft.protocol.testing.PduBuilder.filled;
import static io.weft.protocol.testing.PduBuilder.h2cData;
import static io.weft.protocol.testing.PduBuilder.icReq;
import static io.weft.protocol.testing.PduBuilder.icResp;
import static io.weft.protocol.testing.PduBuilder.r2t;
import static io.weft.protocol.testing.PduBuilder.termReq;
import static io.weft.protocol.testing.PduBuilder.with;
import static io.weft.protocol.testing.PduBuilder.withLe32;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.protocol.testing.PduBuilder;
import io.weft.protocol.testing.PduPipe;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link PduFrameDecoder} on synthetic PDUs (built by {@link PduBuilder}, independently of the
 * production encoders): framing under any split of the stream, and every rejection path with the
 * FES/FEI a termination request must carry (ref §1.2-§1.4; field offsets as FEI for "invalid PDU
 * header field", reported for the lowest field in error).
 */
class PduFrameDecoderTest {
  static final int TYPE = 0;
  static final int FLAGS = 1;
  static final int HLEN = 2;
  static final int PDO = 3;
  static final int PLEN = 4;
  static final int INVALID = FatalErrorStatus.INVALID_HEADER_FIELD;
  static final int HDGST_ERROR = FatalErrorStatus.HEADER_DIGEST_ERROR;
  static final int LIMIT = FatalErrorStatus.DATA_TRANSFER_LIMIT_EXCEEDED;

  enum Role {
    HOST,
    TARGET;

    PduPipe pipe(boolean hdgst, boolean ddgst) {
      PduPipe p = this == HOST ? PduPipe.host() : PduPipe.target();
      p.decoder.enableDigests(hdgst, ddgst);
      return p;
    }
  }

  static final byte[] NONE = new byte[0];
  static final byte[] K4 = filled(4096, 0x11);

  /** A valid no-data admin command, for mutation. */
  static byte[] identify(boolean hd) {
    return capsuleCmd(hd, false, 0x06, 1, 0, 4096, NONE);
  }

  /**
   * name, role, header digests, data digests, the PDU, FES, FEI, and how many bytes of it the
   * decoder needs to see before it can refuse it (8 for anything in the common header).
   */
  static Stream<Arguments> rejections() {
    Role h = Role.HOST;
    Role t = Role.TARGET;
    byte[] resp = capsuleResp(false, 1, 0, 0);
    byte[] respHd = capsuleResp(true, 1, 0, 0);
    byte[] r2tHd = r2t(true, 1, 2, 0, 4096);
    byte[] h2c = h2cData(false, false, 1, 2, 0, K4, true);
    byte[] c2h = c2hData(false, false, 1, 0, K4, true, false);
    byte[] cmdData = capsuleCmd(false, false, 0x01, 1, 1, 0, K4);
    byte[] cmdDataHd = capsuleCmd(true, false, 0x01, 1, 1, 0, K4);
    return Stream.of(
        // PDU type (FEI 0)
        rej("unknown type 0x08", t, false, false, with(identify(false), TYPE, 0x08), INVALID, 0, 8),
        rej("unknown type 0x0a", t, false, false, with(identify(false), TYPE, 0x0a), INVALID, 0, 8),
        rej("unknown type 0xff", h, false, false, with(resp, TYPE, 0xff), INVALID, 0, 8),
        rej("CapsuleCmd sent to a host", h, false, false, identify(false), INVALID, 0, 8),
        rej("ICReq sent to a host", h, false, false, icReq(0), INVALID, 0, 8),
        rej("R2T sent to a target", t, false, false, r2t(false, 1, 2, 0, 8), INVALID, 0, 8),
        rej("C2HData sent to a target", t, false, false, c2h, INVALID, 0, 8),
        rej("ICResp sent to a target", t, false, false, icResp(0, 4096), INVALID, 0, 8),
        rej("H2CData sent to a host", h, false, false, h2c, INVALID, 0, 8),
        rej("H2CTermReq sent to a host", h, false, false, termReq(2, 1, 0, NONE), INVALID, 0, 8),
        rej("C2HTermReq sent to a target", t, false, false, termReq(3, 1, 0, NONE), INVALID, 0, 8),
        // FLAGS (FEI 1)
        rej("CapsuleResp with LAST_PDU", h, false, false, with(resp, FLAGS, 0x04), INVALID, 1, 8),
        rej("R2T with DDGSTF", h, true, true, with(r2tHd, FLAGS, 0x03), INVALID, 1, 8),
        rej("H2CData with SUCCESS", t, false, false, with(h2c, FLAGS, 0x0c), INVALID, 1, 8),
        rej("ICReq with HDGSTF", t, false, false, with(icReq(3), FLAGS, 0x01), INVALID, 1, 8),
        rej("C2HData with flag bit 7", h, false, false, with(c2h, FLAGS, 0x84), INVALID, 1, 8),
        rej(
            "C2HTermReq with a flag",
            h,
            false,
            false,
            with(termReq(3, 1, 0, NONE), FLAGS, 4),
            INVALID,
            1,
            8),
        rej(
            "C2HData SUCCESS without LAST_PDU",
            h,
            false,
            false,
            c2hData(false, false, 1, 0, K4, false, true),
            INVALID,
            1,
            8),
        rej("HDGSTF missing, header digests on", t, true, false, identify(false), INVALID, 1, 8),
        rej("HDGSTF set, header digests off", t, false, false, identify(true), INVALID, 1, 8),
        rej("CapsuleResp without HDGSTF, digests on", h, true, true, resp, INVALID, 1, 8),
        rej("DDGSTF missing, data digests on", t, false, true, cmdData, INVALID, 1, 8),
        rej(
            "DDGSTF set, data digests off",
            t,
            false,
            false,
            capsuleCmd(false, true, 0x01, 1, 1, 0, K4),
            INVALID,
            1,
            8),
        rej(
            "DDGSTF on a capsule without data",
            t,
            false,
            true,
            with(identify(false), FLAGS, 0x02),
            INVALID,
            1,
            8),
        // HLEN (FEI 2)
        rej("CapsuleCmd HLEN 24", t, false, false, with(identify(false), HLEN, 24), INVALID, 2, 8),
        rej("CapsuleResp HLEN 72", h, false, false, with(resp, HLEN, 72), INVALID, 2, 8),
        rej("ICReq HLEN 0", t, false, false, with(icReq(0), HLEN, 0), INVALID, 2, 8),
        rej(
            "TermReq HLEN 128",
            h,
            false,
            false,
            with(termReq(3, 1, 0, NONE), HLEN, 128),
            INVALID,
            2,
            8),
        rej(
            "H2CData HLEN counting the digest",
            t,
            true,
            false,
            with(h2cData(true, false, 1, 2, 0, K4, true), HLEN, 28),
            INVALID,
            2,
            8),
        // PDO (FEI 3): data right after header (+ digest), 0 without data
        rej(
            "CapsuleCmd PDO 72 with HDGST",
            t,
            true,
            false,
            with(cmdDataHd, PDO, 72),
            INVALID,
            3,
            8),
        rej("CapsuleCmd padded to PDO 80", t, false, false, with(cmdData, PDO, 80), INVALID, 3, 8),
        rej(
            "CapsuleCmd without data, PDO 72",
            t,
            false,
            false,
            with(identify(false), PDO, 72),
            INVALID,
            3,
            8),
        rej("CapsuleResp PDO 24", h, false, false, with(resp, PDO, 24), INVALID, 3, 8),
        rej("R2T PDO 28", h, true, false, with(r2tHd, PDO, 28), INVALID, 3, 8),
        rej("H2CData PDO 0", t, false, false, with(h2c, PDO, 0), INVALID, 3, 8),
        rej("C2HData PDO inside the header", h, false, false, with(c2h, PDO, 20), INVALID, 3, 8),
        rej("ICResp PDO 128", h, false, false, with(icResp(0, 4096), PDO, 128), INVALID, 3, 8),
        // PLEN (FEI 4)
        rej("CapsuleResp PLEN 20", h, false, false, withLe32(resp, PLEN, 20), INVALID, 4, 8),
        rej(
            "CapsuleResp PLEN 28, no digests",
            h,
            false,
            false,
            withLe32(resp, PLEN, 28),
            INVALID,
            4,
            8),
        rej(
            "CapsuleResp PLEN 24, HDGST on",
            h,
            true,
            false,
            withLe32(respHd, PLEN, 24),
            INVALID,
            4,
            8),
        rej("ICReq PLEN 127", t, false, false, withLe32(icReq(0), PLEN, 127), INVALID, 4, 8),
        rej("ICReq PLEN 129", t, false, false, withLe32(icReq(0), PLEN, 129), INVALID, 4, 8),
        rej("R2T PLEN 0", h, true, false, withLe32(r2tHd, PLEN, 0), INVALID, 4, 8),
        rej(
            "CapsuleCmd PLEN 71",
            t,
            false,
            false,
            withLe32(identify(false), PLEN, 71),
            INVALID,
            4,
            8),
        rej(
            "TermReq PLEN 23",
            h,
            false,
            false,
            withLe32(termReq(3, 1, 0, NONE), PLEN, 23),
            INVALID,
            4,
            8),
        rej(
            "TermReq PLEN 153",
            t,
            false,
            false,
            withLe32(termReq(2, 1, 0, new byte[129]), PLEN, 153),
            INVALID,
            4,
            8),
        rej(
            "H2CData without data",
            t,
            false,
            false,
            with(h2cData(false, false, 1, 2, 0, NONE, true), PDO, 24),
            INVALID,
            4,
            8),
        rej(
            "C2HData without data, digests on",
            h,
            true,
            true,
            with(c2hData(true, true, 1, 0, NONE, true, false), PDO, 28),
            INVALID,
            4,
            8),
        rej(
            "DDGSTF but no room for data",
            t,
            false,
            true,
            withLe32(capsuleCmd(false, true, 0x01, 1, 1, 0, new byte[1]), PLEN, 76),
            INVALID,
            4,
            8),
        // data larger than this side accepts: FES 5, Data Transfer Limit Exceeded
        rej(
            "in-capsule data 16385 > 16384",
            t,
            false,
            false,
            capsuleCmd(false, false, 0x01, 1, 1, 0, new byte[16385]),
            LIMIT,
            0,
            8),
        rej(
            "H2CData over MAXH2CDATA",
            t,
            false,
            false,
            withLe32(h2c, PLEN, 24 + (4 << 20) + 1),
            LIMIT,
            0,
            8),
        rej(
            "C2HData PLEN 0xffffffff",
            h,
            false,
            false,
            withLe32(c2h, PLEN, 0xFFFF_FFFFL),
            LIMIT,
            0,
            8),
        rej(
            "C2HData with digests, 1 byte over",
            h,
            true,
            true,
            withLe32(c2hData(true, true, 1, 0, K4, true, false), PLEN, 28 + (1 << 20) + 1 + 4),
            LIMIT,
            0,
            8),
        // header digest (FES 3, FEI = offset of HDGST), refused before any data is buffered
        rej("CapsuleCmd bad HDGST", t, true, false, flip(cmdDataHd, 72), HDGST_ERROR, 72, 76),
        rej("CapsuleResp bad HDGST", h, true, false, flip(respHd, 25), HDGST_ERROR, 24, 28),
        rej("R2T changed after sealing", h, true, false, flip(r2tHd, 8), HDGST_ERROR, 24, 28),
        rej(
            "H2CData bad HDGST, large PLEN",
            t,
            true,
            true,
            withLe32(h2cData(true, true, 1, 2, 0, K4, true), PLEN, 28 + (1 << 20) + 4),
            HDGST_ERROR,
            24,
            28),
        // several fields wrong: the lowest is reported
        rej(
            "bad flags and HLEN",
            t,
            false,
            false,
            with(with(identify(false), FLAGS, 0x80), HLEN, 24),
            INVALID,
            1,
            8),
        rej(
            "bad HLEN and PLEN",
            h,
            false,
            false,
            withLe32(with(resp, HLEN, 25), PLEN, 3),
            INVALID,
            2,
            8),
        rej(
            "bad PDO and PLEN",
            h,
            false,
            false,
            withLe32(with(resp, PDO, 1), PLEN, 1000),
            INVALID,
            3,
            8),
        rej(
            "bad type and the rest",
            t,
            false,
            false,
            Arrays.copyOf(PduBuilder.filled(8, 0xEE), 8),
            INVALID,
            0,
            8));
  }

  private static Arguments rej(
      String name, Role role, boolean hd, boolean dd, byte[] pdu, int fes, int fei, int needed) {
    return Arguments.of(name, role, hd, dd, pdu, fes, fei, needed);
  }

  private static byte[] flip(byte[] pdu, int offset) {
    return with(pdu, offset, pdu[offset] ^ 0x20);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rejections")
  void refusedAsSoonAsItCanBe(
      String name, Role role, boolean hd, boolean dd, byte[] pdu, int fes, int fei, int needed) {
    PduPipe pipe = role.pipe(hd, dd);
    pipe.write(pdu, 0, needed - 1);
    assertEquals(0, pipe.frames().size(), "nothing emitted early");
    TransportException e =
        assertThrows(TransportException.class, () -> pipe.write(pdu, needed - 1, 1), name);
    assertEquals(fes, e.fes(), name + ": FES");
    assertEquals(fei, e.fei(), name + ": FEI");
    assertOffendingHeader(pdu, needed, e);
    assertEquals(0, pipe.frames().size());
    pipe.close();
    pipe.assertAllReleased();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rejections")
  void refusedWhenTheWholePduArrivesAtOnce(
      String name, Role role, boolean hd, boolean dd, byte[] pdu, int fes, int fei, int needed) {
    PduPipe pipe = role.pipe(hd, dd);
    TransportException e = assertThrows(TransportException.class, () -> pipe.write(pdu), name);
    assertEquals(fes, e.fes(), name + ": FES");
    assertEquals(fei, e.fei(), name + ": FEI");
    assertOffendingHeader(pdu, pdu.length, e);
    pipe.close();
    pipe.assertAllReleased();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rejections")
  void refusedAfterValidPdusWhichAreStillDelivered(
      String name, Role role, boolean hd, boolean dd, byte[] pdu, int fes, int fei, int needed) {
    byte[] good =
        role == Role.HOST ? capsuleResp(hd, 7, 0, 0) : capsuleCmd(hd, false, 0x18, 7, 0, 0, NONE);
    PduPipe pipe = role.pipe(hd, dd);
    TransportException e =
        assertThrows(TransportException.class, () -> pipe.write(concat(good, good, pdu)));
    assertEquals(fes, e.fes());
    assertEquals(fei, e.fei());
    assertEquals(2, pipe.frames().size(), "the two valid PDUs before it");
    assertBytes("frame", good, pipe.frames().get(1).bytes());
    pipe.close();
    pipe.assertAllReleased();
  }

  /** The offending header handed to the TermReq: the PDU's first HLEN bytes, at most 128. */
  private static void assertOffendingHeader(byte[] pdu, int available, TransportException e) {
    int hlen = pdu[HLEN] & 0xFF;
    int n = Math.min(Math.min(available, pdu.length), TermReqPdu.MAX_ERROR_DATA);
    if (hlen >= 8) {
      n = Math.min(n, hlen);
    }
    assertBytes("offending header", Arrays.copyOf(pdu, n), e.offendingHeader());
  }

  // ---------------------------------------------------------------------------------------------
  // Valid streams

  /** What a target sends a host, starting with an ICResp that turns on both digests. */
  static List<byte[]> hostBound(int dgst) {
    boolean hd = (dgst & 1) != 0;
    boolean dd = (dgst & 2) != 0;
    return List.of(
        icResp(dgst, 4 << 20),
        capsuleResp(hd, 0, 0, 1),
        c2hData(hd, dd, 2, 0, filled(4096, 0x22), true, true),
        r2t(hd, 3, 7, 0, 8192),
        c2hData(hd, dd, 4, 0, filled(100, 0x44), false, false),
        c2hData(hd, dd, 4, 100, filled(20000, 0x45), true, false),
        capsuleResp(hd, 4, 0x8100, 0),
        termReq(3, 1, 2, filled(24, 0x55)),
        termReq(3, 2, 0, filled(128, 0x56)),
        termReq(3, 3, 0, NONE));
  }

  /** What a host sends a target, starting with an ICReq asking for both digests. */
  static List<byte[]> targetBound(int dgst) {
    boolean hd = (dgst & 1) != 0;
    boolean dd = (dgst & 2) != 0;
    return List.of(
        icReq(dgst),
        capsuleCmd(hd, dd, 0x7F, 0, 0x01, 0, filled(1024, 0x61)),
        capsuleCmd(hd, dd, 0x06, 1, 0, 4096, NONE),
        capsuleCmd(hd, dd, 0x01, 2, 1, 0, filled(16384, 0x62)),
        capsuleCmd(hd, dd, 0x01, 3, 1, 8192, NONE),
        h2cData(hd, dd, 3, 7, 0, filled(4096, 0x63), false),
        h2cData(hd, dd, 3, 7, 4096, filled(4096, 0x64), true),
        termReq(2, 1, 0, filled(72, 0x65)));
  }

  static Stream<Arguments> validStreams() {
    List<Arguments> out = new ArrayList<>();
    for (int dgst = 0; dgst < 4; dgst++) {
      for (String feed : List.of("whole", "bytewise", "random-a", "random-b", "random-c")) {
        out.add(Arguments.of(Role.HOST, dgst, feed));
        out.add(Arguments.of(Role.TARGET, dgst, feed));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0}-bound stream, DGST {1}, fed {2}")
  @MethodSource("validStreams")
  void validStreamsFrameIdenticallyHoweverTheyAreCut(Role role, int dgst, String feed) {
    List<byte[]> pdus = role == Role.HOST ? hostBound(dgst) : targetBound(dgst);
    byte[] stream = concat(pdus.toArray(new byte[0][]));
    PduPipe pipe = role == Role.HOST ? PduPipe.host() : PduPipe.target();
    switch (feed) {
      case "whole" -> pipe.write(stream);
      case "bytewise" -> pipe.writeBytewise(stream);
      default ->
          pipe.write(
              stream,
              KernelCaptureTest.randomCuts(new Random(feed.hashCode() + dgst), stream.length));
    }
    assertEquals(pdus.size(), pipe.frames().size());
    long end = 0;
    for (int i = 0; i < pdus.size(); i++) {
      assertBytes("frame " + i, pdus.get(i), pipe.frames().get(i).bytes());
      end += pdus.get(i).length;
      if (feed.equals("bytewise")) {
        assertEquals(end, pipe.frames().get(i).writtenWhenEmitted(), "frame " + i + " emitted at");
      }
    }
    assertEquals(stream.length, end, "nothing left over");
    pipe.close();
    pipe.assertAllReleased();
  }

  @Test
  void digestsNegotiatedByTheIcReqApplyToTheNextPduInTheSameRead() {
    // The ICReq and the Connect capsule arrive in one read; the handler turns digests on when the
    // ICReq passes, and the decoder must check the capsule only after that.
    byte[] connect = capsuleCmd(true, true, 0x7F, 0, 0x01, 0, filled(1024, 1));
    PduPipe pipe = PduPipe.target();
    pipe.write(concat(icReq(3), connect));
    assertEquals(2, pipe.frames().size());
    assertBytes("capsule", connect, pipe.frames().get(1).bytes());
    pipe.close();
    pipe.assertAllReleased();
  }

  @Test
  void icRespWithoutDigestsLeavesThemOff() {
    PduPipe pipe = PduPipe.host();
    TransportException e =
        assertThrows(
            TransportException.class,
            () -> pipe.write(concat(icResp(0, 4096), capsuleResp(true, 1, 0, 0))));
    assertEquals(FLAGS, e.fei(), "HDGSTF on a stream without digests");
    assertEquals(1, pipe.frames().size());
    pipe.close();
    pipe.assertAllReleased();
  }

  @Test
  void digestsCanBeSwitchedOffAgain() {
    PduPipe pipe = Role.HOST.pipe(true, true);
    pipe.write(capsuleResp(true, 1, 0, 0));
    pipe.decoder.enableDigests(false, false);
    pipe.write(capsuleResp(false, 2, 0, 0));
    assertEquals(2, pipe.frames().size());
    pipe.close();
    pipe.assertAllReleased();
  }

  @Test
  void aHeaderDigestCheckedEarlyIsNotCheckedAgainWhileTheDataTrickles() {
    byte[] write = capsuleCmd(true, true, 0x01, 5, 1, 0, filled(16384, 0x77));
    PduPipe pipe = Role.TARGET.pipe(true, true);
    pipe.write(write, 0, 76); // header + HDGST: verified now
    int at = 76;
    Random r = new Random(5);
    while (at < write.length) {
      int n = Math.min(write.length - at, 1 + r.nextInt(700));
      assertEquals(0, pipe.frames().size());
      pipe.write(write, at, n);
      at += n;
    }
    assertEquals(1, pipe.frames().size());
    assertBytes("write capsule", write, pipe.frames().get(0).bytes());
    pipe.close();
    pipe.assertAllReleased();
  }

  @Test
  void aWrongDataDigestIsLeftToTheQueueHandler() {
    // A data digest error fails the command, not the connection (ref §1.5): no TransportException.
    byte[] data = h2cData(true, true, 1, 2, 0, K4, true);
    data[data.length - 1] ^= 1;
    PduPipe pipe = Role.TARGET.pipe(true, true);
    pipe.write(data);
    assertEquals(1, pipe.frames().size());
    pipe.close();
    pipe.assertAllReleased();
  }

  @ParameterizedTest(name = "in-capsule data of {0} bytes")
  @ValueSource(ints = {1, 4, 16383, 16384})
  void dataUpToTheLimitIsAccepted(int length) {
    byte[] cmd = capsuleCmd(true, true, 0x01, 1, 1, 0, filled(length, 3));
    PduPipe pipe = Role.TARGET.pipe(true, true);
    pipe.write(cmd);
    assertEquals(1, pipe.frames().size());
    pipe.close();
    pipe.assertAllReleased();
  }

  @Test
  void limitsArePerType() {
    PduFrameDecoder.Limits limits = type -> type == PduType.H2C_DATA ? 8 : 4096;
    PduPipe pipe = new PduPipe(limits, PduPipe.TARGET_RECEIVES);
    pipe.write(capsuleCmd(false, false, 0x01, 1, 1, 0, filled(4096, 1)));
    pipe.write(h2cData(false, false, 1, 0, 0, filled(8, 1), true));
    TransportException e =
        assertThrows(
            TransportException.class,
            () -> pipe.write(h2cData(false, false, 1, 0, 8, filled(9, 1), true)));
    assertEquals(LIMIT, e.fes());
    assertEquals(2, pipe.frames().size());
    pipe.close();
    pipe.assertAllReleased();
  }

  @Test
  void termReqsNeverCarryDigests() {
    // TermReq flags are 0 even with digests negotiated (ref §1.2), PLEN 24..152.
    PduPipe pipe = Role.TARGET.pipe(true, true);
    pipe.write(termReq(2, 1, 0, NONE));
    pipe.write(termReq(2, 1, 0, filled(128, 9)));
    assertEquals(2, pipe.frames().size());
    pipe.close();
    pipe.assertAllReleased();
  }

  @Test
  void aPartialPduWaitsForTheRest() {
    byte[] a = capsuleResp(false, 1, 0, 0);
    byte[] b = c2hData(false, false, 2, 0, K4, true, false);
    PduPipe pipe = Role.HOST.pipe(false, false);
    pipe.write(concat(a, Arrays.copyOf(b, 30)));
    assertEquals(1, pipe.frames().size());
    pipe.write(b, 30, b.length - 31);
    assertEquals(1, pipe.frames().size());
    pipe.write(b, b.length - 1, 1);
    assertEquals(2, pipe.frames().size());
    assertTrue(Arrays.equals(b, pipe.frames().get(1).bytes()));
    pipe.close();
    pipe.assertAllReleased();
  }

  @Test
  void fewerThanEightBytesAreNeverJudged() {
    // Even garbage is not refused before the common header is complete.
    PduPipe pipe = Role.TARGET.pipe(false, false);
    pipe.write(filled(7, 0xEE));
    assertEquals(0, pipe.frames().size());
    pipe.close();
    pipe.assertAllReleased();
  }
}
