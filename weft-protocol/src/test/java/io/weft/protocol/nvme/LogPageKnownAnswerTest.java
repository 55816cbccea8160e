package io.weft.protocol.nvme;

import static io.weft.protocol.testing.Hex.assertBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.protocol.testing.Expected;
import io.weft.protocol.testing.Hex;
import org.junit.jupiter.api.Test;

/**
 * SMART and Error Information log pages (ref §4.7), AEN results (ref §4.8) and CAP/CC/VS (§3.2).
 */
class LogPageKnownAnswerTest {

  @Test
  void smartLogKnownAnswer() {
    SmartLog log =
        new SmartLog(0x01, 321, 100, 10, 3, 0x0102030405060708L, 2, 3, 4, 5, 6, 7, 8, 9, 10);
    // ref §4.7: 0 critical warning, 1 temperature (2, K), 3 spare, 4 threshold, 5 used; then
    // 16-byte little-endian counters at 32, 48, ..., 176 (Weft fills the low 8 bytes).
    byte[] expected =
        new Expected(512)
            .at(0, "01 4101 64 0a 03")
            .at(32, "0807060504030201")
            .at(48, "02")
            .at(64, "03")
            .at(80, "04")
            .at(96, "05")
            .at(112, "06")
            .at(128, "07")
            .at(144, "08")
            .at(160, "09")
            .at(176, "0a")
            .bytes();
    ByteBuf b = Unpooled.buffer(512);
    log.encode(b);
    assertBytes("SMART", expected, Hex.readable(b));
    assertEquals(log, SmartLog.decode(Unpooled.wrappedBuffer(expected), 0));
  }

  @Test
  void smartDataUnitsAreThousandsOfSectorsRoundedUp() {
    // ref §4.7 / NVMe: data units = 1000 x 512 bytes, rounded up.
    assertEquals(0, SmartLog.dataUnits(0));
    assertEquals(1, SmartLog.dataUnits(1));
    assertEquals(1, SmartLog.dataUnits(512_000));
    assertEquals(2, SmartLog.dataUnits(512_001));
    assertEquals(2, SmartLog.dataUnits(1_024_000));
  }

  @Test
  void errorLogEntryKnownAnswer() {
    // ref §4.7: 0 error count (8), 8 SQID, 10 CID, 12 status (CQE encoding: LBA Out of Range +
    // DNR = 0x8100), 14 parameter location, 16 LBA (8), 24 NSID, 29 transport type (3 = TCP).
    ErrorLogEntry e =
        new ErrorLogEntry(7, 1, 0x1234, Status.LBA_OUT_OF_RANGE | Status.DNR, 0x0028, 0x1000, 1, 3);
    byte[] expected =
        Hex.bytes(
            "0700000000000000 0100 3412 0081 2800 | 0010000000000000 | 01000000 00 03 0000"
                + "00".repeat(32));
    ByteBuf page = Unpooled.buffer(128).writeBytes(Hex.bytes("ff".repeat(128)));
    e.encodeAt(page, 64);
    assertBytes("error entry", expected, Hex.readable(page.slice(64, 64)));
    assertBytes(
        "bytes before the entry", Hex.bytes("ff".repeat(64)), Hex.readable(page.slice(0, 64)));
    assertEquals(e, ErrorLogEntry.decode(page, 64));
  }

  @Test
  void asyncEventResults() {
    // ref §4.8 table.
    assertEquals(0x00040002, AsyncEvent.NAMESPACE_ATTRIBUTE_CHANGED);
    assertEquals(0x0070F002, AsyncEvent.DISCOVERY_LOG_CHANGED);
    assertEquals(0x000C0302, AsyncEvent.result(AsyncEvent.TYPE_NOTICE, 0x03, 0x0C)); // ANA change
    assertEquals(0x00030102, AsyncEvent.result(2, 0x01, 0x03)); // FW activation starting
    assertEquals(0x00FFFF07, AsyncEvent.result(0xFF, 0xFF, 0xFF)); // fields are masked
  }

  @Test
  void capKnownAnswer() {
    // ref §3.2: MQES bits 15:0, CQR bit 16, TO bits 31:24, CSS bit 37, MPSMIN 0.
    long cap = ControllerRegisters.cap(1023, 15);
    assertEquals(0x0000_0020_0F01_03FFL, cap);
    assertEquals(1023, ControllerRegisters.capMqes(cap));
    assertEquals(15, ControllerRegisters.capTimeout(cap));
    assertEquals(0, (cap >>> 48) & 0xF, "MPSMIN must be 0");
  }

  @Test
  void nvmetCapAsCaptured() {
    // The 6.1 nvmet answered Property Get CAP with DW0 0x0f0003ff, DW1 0x00000820:
    // MQES 1023, TO 15, CSS bits 37 and 43, CQR clear (captured).
    long cap = 0x0000_0820_0F00_03FFL;
    assertEquals(1023, ControllerRegisters.capMqes(cap));
    assertEquals(15, ControllerRegisters.capTimeout(cap));
  }

  @Test
  void ccFieldsAsTheLinuxHostWritesThem() {
    // ref §3.2 enable sequence with CAP bit 43: CC = 0x00460061 (EN, CSS 110b, IOSQES 6,
    // IOCQES 4); shutdown adds SHN 01b: 0x00464061 (both captured).
    int cc = 0x00460061;
    assertEquals(1, cc & ControllerRegisters.CC_EN);
    assertEquals(6, ControllerRegisters.ccCss(cc));
    assertEquals(0, ControllerRegisters.ccMps(cc));
    assertEquals(0, ControllerRegisters.ccAms(cc));
    assertEquals(0, ControllerRegisters.ccShn(cc));
    assertEquals(6, ControllerRegisters.ccIosqes(cc));
    assertEquals(4, ControllerRegisters.ccIocqes(cc));
    assertEquals(1, ControllerRegisters.ccShn(0x00464061));
    assertEquals(
        0x00460000,
        6 << ControllerRegisters.CC_IOSQES_SHIFT | 4 << ControllerRegisters.CC_IOCQES_SHIFT);
    assertEquals(2, ControllerRegisters.CSTS_SHST_COMPLETE >>> 2);
    assertEquals(0x00010300, ControllerRegisters.VERSION_1_3);
  }
}
