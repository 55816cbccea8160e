package io.weft.protocol.tcp;

import static io.weft.protocol.testing.Hex.assertBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.weft.protocol.testing.Expected;
import io.weft.protocol.testing.Hex;
import org.junit.jupiter.api.Test;

/**
 * Known-answer vectors for the NVMe/TCP PDUs Weft encodes itself: expected bytes are written out by
 * hand from the layouts in the reference (ref §1.2, §1.3), each encode must produce them exactly
 * and each decode must give the fields back.
 */
class PduKnownAnswerTest {
  private static final UnpooledByteBufAllocator ALLOC = new UnpooledByteBufAllocator(false);

  private static byte[] encode(java.util.function.Consumer<ByteBuf> encoder) {
    ByteBuf b = Unpooled.buffer();
    try {
      encoder.accept(b);
      return Hex.readable(b);
    } finally {
      b.release();
    }
  }

  @Test
  void commonHeader() {
    // ref §1.2: type 07 (C2HData), FLAGS 0c (LAST|SUCCESS), HLEN 0x18 = 24, PDO 0x1c = 28,
    // PLEN 4128 = 0x1020 little-endian.
    byte[] expected = Hex.bytes("07 0c 18 1c 20100000");
    byte[] actual = encode(b -> Pdu.writeCommonHeader(b, PduType.C2H_DATA, 0x0c, 28, 4128));
    assertBytes("common header", expected, actual);

    ByteBuf b = Unpooled.wrappedBuffer(expected);
    assertEquals(0x07, Pdu.type(b, 0));
    assertEquals(0x0c, Pdu.flags(b, 0));
    assertEquals(24, Pdu.hlen(b, 0));
    assertEquals(28, Pdu.pdo(b, 0));
    assertEquals(4128, Pdu.plen(b, 0));
  }

  @Test
  void plenIsUnsigned() {
    // PLEN is a 32-bit unsigned field (ref §1.2); 0xFFFFFFFF must not read as -1.
    ByteBuf b = Unpooled.wrappedBuffer(Hex.bytes("07 04 18 18 ffffffff"));
    assertEquals(0xFFFF_FFFFL, Pdu.plen(b, 0));
  }

  @Test
  void icReqWithBothDigests() {
    // ref §1.3 ICReq: CH (type 00, flags 00, HLEN 128, PDO 0, PLEN 128), PFV 0, HPDA 0,
    // DGST 03 (header + data digest), MAXR2T 0, 112 reserved bytes. The Linux 6.1 host sends
    // exactly these bytes with "nvme connect -g -G" (see KernelCaptureTest).
    byte[] expected = new Expected(128).at(0, "00 00 80 00 80000000 | 0000 00 03 00000000").bytes();
    assertBytes("ICReq", expected, encode(new IcReq(0, 0, true, true, 0)::encode));
    assertEquals(new IcReq(0, 0, true, true, 0), IcReq.decode(Unpooled.wrappedBuffer(expected), 0));
  }

  @Test
  void icReqFieldsAtTheirOffsets() {
    // ref §1.3: PFV at 8 (LE16), HPDA at 10, DGST at 11 (bit 0 header only here), MAXR2T at 12.
    byte[] expected = new Expected(128).at(0, "00 00 80 00 80000000 | 0100 03 01 78563412").bytes();
    IcReq req = new IcReq(1, 3, true, false, 0x12345678L);
    assertBytes("ICReq", expected, encode(req::encode));
    assertEquals(req, IcReq.decode(Unpooled.wrappedBuffer(expected), 0));
  }

  @Test
  void icReqMaxr2tIsUnsigned() {
    byte[] b = new Expected(128).at(0, "00 00 80 00 80000000 | 0000 00 02 ffffffff").bytes();
    IcReq req = IcReq.decode(Unpooled.wrappedBuffer(b), 0);
    assertEquals(0xFFFF_FFFFL, req.maxr2t());
    assertEquals(false, req.headerDigest());
    assertEquals(true, req.dataDigest());
  }

  @Test
  void icRespAsNvmetSendsIt() {
    // ref §1.3 ICResp: type 01, HLEN/PLEN 128, PFV 0, CPDA 0, DGST echoed (03),
    // MAXH2CDATA 0x400000 (4 MiB, nvmet's value) = 00 00 40 00 little-endian.
    byte[] expected = new Expected(128).at(0, "01 00 80 00 80000000 | 0000 00 03 00004000").bytes();
    IcResp resp = new IcResp(0, 0, true, true, 0x400000);
    assertBytes("ICResp", expected, encode(resp::encode));
    assertEquals(resp, IcResp.decode(Unpooled.wrappedBuffer(expected), 0));
  }

  @Test
  void icRespWithoutDigests() {
    // ref §1.3; MAXH2CDATA 4096 (the Linux host's minimum) = 00 10 00 00.
    byte[] expected = new Expected(128).at(0, "01 00 80 00 80000000 | 0000 00 00 00100000").bytes();
    IcResp resp = new IcResp(0, 0, false, false, 4096);
    assertBytes("ICResp", expected, encode(resp::encode));
    assertEquals(resp, IcResp.decode(Unpooled.wrappedBuffer(expected), 0));
  }

  @Test
  void c2hTermReqCarriesFesFeiAndTheOffendingHeader() {
    // ref §1.3 TermReq: CH (type 03, flags 0, HLEN 24, PDO 0, PLEN 24 + 8), FES (LE16) at 8,
    // FEI (LE32) at 10 -- not dword aligned --, bytes 14..23 reserved, then the offending header.
    byte[] offending = Hex.bytes("05 00 1a 00 18000000"); // a CapsuleResp with HLEN 26
    byte[] expected =
        Hex.bytes(
            "03 00 18 00 20000000" // CH
                + "0100" // FES 1: invalid PDU header field
                + "02000000" // FEI 2: the HLEN byte
                + "00000000 00000000 0000" // reserved
                + "05001a0018000000"); // error data
    ByteBuf pdu =
        TermReqPdu.encode(
            ALLOC, PduType.C2H_TERM_REQ, FatalErrorStatus.INVALID_HEADER_FIELD, 2, offending);
    try {
      assertBytes("C2HTermReq", expected, Hex.readable(pdu));
      assertEquals(1, TermReqPdu.fes(pdu, 0));
      assertEquals(2, TermReqPdu.fei(pdu, 0));
    } finally {
      pdu.release();
    }
  }

  @Test
  void h2cTermReqFeiUsesAllFourBytesAtOffsetTen() {
    // ref §1.3: FEI is 4 bytes at 10; a value using all of them shows it is not at 12.
    byte[] expected = Hex.bytes("02 00 18 00 18000000 | 0300 | 78563412 | 00000000 00000000 0000");
    ByteBuf pdu =
        TermReqPdu.encode(
            ALLOC,
            PduType.H2C_TERM_REQ,
            FatalErrorStatus.HEADER_DIGEST_ERROR,
            0x12345678,
            new byte[0]);
    try {
      assertBytes("H2CTermReq", expected, Hex.readable(pdu));
      assertEquals(3, TermReqPdu.fes(pdu, 0));
      assertEquals(0x12345678, TermReqPdu.fei(pdu, 0));
    } finally {
      pdu.release();
    }
  }

  @Test
  void termReqErrorDataIsCutAt128Bytes() {
    // ref §1.3: at most 128 bytes of the offending PDU, so PLEN is at most 152 (0x98).
    byte[] offending = new byte[200];
    for (int i = 0; i < offending.length; i++) {
      offending[i] = (byte) i;
    }
    ByteBuf pdu = TermReqPdu.encode(ALLOC, PduType.C2H_TERM_REQ, 1, 0, offending);
    try {
      byte[] actual = Hex.readable(pdu);
      assertEquals(152, actual.length);
      assertBytes("CH", Hex.bytes("03 00 18 00 98000000"), java.util.Arrays.copyOf(actual, 8));
      assertBytes(
          "error data",
          java.util.Arrays.copyOf(offending, 128),
          java.util.Arrays.copyOfRange(actual, 24, 152));
    } finally {
      pdu.release();
    }
  }

  @Test
  void fatalErrorStatusValues() {
    // ref §1.3: FES 1..6.
    assertEquals(1, FatalErrorStatus.INVALID_HEADER_FIELD);
    assertEquals(2, FatalErrorStatus.PDU_SEQUENCE_ERROR);
    assertEquals(3, FatalErrorStatus.HEADER_DIGEST_ERROR);
    assertEquals(4, FatalErrorStatus.DATA_TRANSFER_OUT_OF_RANGE);
    assertEquals(5, FatalErrorStatus.DATA_TRANSFER_LIMIT_EXCEEDED);
    assertEquals(6, FatalErrorStatus.UNSUPPORTED_PARAMETER);
    assertEquals("header digest error", FatalErrorStatus.describe(3));
    assertEquals("fatal error status 0x7f", FatalErrorStatus.describe(0x7f));
  }

  @Test
  void pduTypeLookup() {
    for (PduType t : PduType.values()) {
      assertEquals(t, PduType.of(t.code));
    }
    assertEquals(null, PduType.of(0x08)); // ref §1.2: 0x08 unused
    assertEquals(null, PduType.of(0x0A));
    assertEquals(null, PduType.of(0xFF));
    assertEquals(PduType.IC_RESP, PduType.of(0x101)); // only the low byte is the code
  }
}
