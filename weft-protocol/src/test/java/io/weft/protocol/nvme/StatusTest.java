package io.weft.protocol.nvme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.protocol.testing.Hex;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The CQE status field (ref §2.5): on the wire bit 0 P, bits 8:1 SC, bits 11:9 SCT, bits 13:12 CRD,
 * bit 14 More, bit 15 DNR. Each row gives a Weft status value, the 16-bit wire value written out
 * from those bit positions by hand, and what must be read back. Read as one little-endian 16-bit
 * value, never byte by byte (craft.md "Wire structures": the jNVMf bug).
 */
class StatusTest {

  @ParameterizedTest(name = "{0}: wire {2}")
  @CsvSource({
    // name,                         status,  wire,   sc,   sct, dnr,   more
    "SUCCESS,                        0x0000, 0x0000, 0x00, 0, false, false",
    // SC 0x80 << 1 = 0x0100, DNR = bit 15. (0x4100 would be SC 0x80 with More, not DNR.)
    "LBA Out of Range + DNR,         0x4080, 0x8100, 0x80, 0, true,  false",
    "LBA Out of Range + More,        0x2080, 0x4100, 0x80, 0, false, true",
    "LBA Out of Range + More + DNR,  0x6080, 0xC100, 0x80, 0, true,  true",
    // SCT 1 << 9 = 0x0200, SC 0x84 << 1 = 0x0108.
    "Connect Invalid Host,           0x0184, 0x0308, 0x84, 1, false, false",
    "Connect Invalid Host + DNR,     0x4184, 0x8308, 0x84, 1, true,  false",
    "Connect Invalid Parameters+DNR, 0x4182, 0x8304, 0x82, 1, true,  false",
    "Invalid Field + DNR,            0x4002, 0x8004, 0x02, 0, true,  false",
    // What nvmet put in the AER completion at disconnect (captured): internal error + DNR.
    "Internal Error + DNR,           0x4006, 0x800C, 0x06, 0, true,  false",
    "Authentication Required,        0x0191, 0x0322, 0x91, 1, false, false",
    "ANA Inaccessible,               0x0302, 0x0604, 0x02, 3, false, false",
    "Host Aborted,                   0x0371, 0x06E2, 0x71, 3, false, false",
    "Unrecovered Read Error,         0x0281, 0x0502, 0x81, 2, false, false",
    // CRD = 1 (bits 12:11 of the shifted value, 13:12 on the wire).
    "Namespace Not Ready + CRD 1,    0x0882, 0x1104, 0x82, 0, false, false",
  })
  void wireEncoding(String name, int status, int wire, int sc, int sct, boolean dnr, boolean more) {
    assertEquals(wire, Status.toWire(status), name + " toWire");
    assertEquals(status, Status.fromWire(wire), name + " fromWire");

    // Read back from the two CQE status bytes as they appear on the wire (little-endian).
    ByteBuf cqe = Unpooled.buffer(Cqe.SIZE).writeZero(Cqe.SIZE);
    cqe.setByte(Cqe.STATUS, wire & 0xFF);
    cqe.setByte(Cqe.STATUS + 1, wire >>> 8);
    int read = Cqe.status(cqe, 0);
    assertEquals(sc, Status.sc(read), name + " SC");
    assertEquals(sct, Status.sct(read), name + " SCT");
    assertEquals(dnr, Status.dnr(read), name + " DNR");
    assertEquals(more, Status.more(read), name + " More");
    assertEquals(sc == 0 && sct == 0, Status.isSuccess(read), name + " isSuccess");
  }

  @ParameterizedTest(name = "phase bit {0} is dropped")
  @CsvSource({"0x8101, 0x4080", "0x0001, 0x0000", "0x0309, 0x0184"})
  void phaseBitIsIgnored(int wire, int status) {
    assertEquals(status, Status.fromWire(wire));
  }

  @ParameterizedTest(name = "constant {0}")
  @CsvSource({
    // ref §2.5 (kernel constants are SC | SCT << 8) and §3.1 Connect statuses.
    "LBA_OUT_OF_RANGE, 0x080",
    "CONNECT_INCOMPATIBLE_FORMAT, 0x180",
    "CONNECT_CONTROLLER_BUSY, 0x181",
    "CONNECT_INVALID_PARAMETERS, 0x182",
    "CONNECT_RESTART_DISCOVERY, 0x183",
    "CONNECT_INVALID_HOST, 0x184",
    "AUTHENTICATION_REQUIRED, 0x191",
    "ANA_INACCESSIBLE, 0x302",
    "HOST_ABORTED, 0x371",
    "KEEP_ALIVE_TIMEOUT_INVALID, 0x01A",
    "ASYNC_EVENT_LIMIT_EXCEEDED, 0x105",
    "DNR, 0x4000",
    "MORE, 0x2000",
  })
  void constants(String name, int value) throws ReflectiveOperationException {
    assertEquals(value, Status.class.getField(name).getInt(null), name);
  }

  @ParameterizedTest(name = "describe {0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "0x4080 | LBA_OUT_OF_RANGE (sct=0 sc=0x80 dnr)",
        "0x0184 | CONNECT_INVALID_HOST (sct=1 sc=0x84)",
        "0x0000 | SUCCESS (sct=0 sc=0x00)",
        "0x07FF | UNKNOWN (sct=7 sc=0xff)"
      })
  void describe(int status, String text) {
    assertEquals(text, Status.describe(status));
  }

  @ParameterizedTest(name = "status bytes {0} on the wire")
  @CsvSource({"0081, 0x4080, true", "0803, 0x0184, false", "0c80, 0x4006, true"})
  void bytesOnTheWire(String hex, int status, boolean dnr) {
    byte[] cqe = Hex.bytes("00000000 00000000 0000 0000 0000 " + hex);
    int read = Cqe.status(Unpooled.wrappedBuffer(cqe), 0);
    assertEquals(status, read);
    assertEquals(dnr, Status.dnr(read));
    assertFalse(Status.isSuccess(read));
  }
}
