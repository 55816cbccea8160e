package io.weft.protocol.nvme;

import static io.weft.protocol.testing.Hex.assertBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.protocol.testing.Hex;
import org.junit.jupiter.api.Test;

/**
 * SQE, SGL and CQE known answers. Expected bytes come from the reference (ref §2.1-2.3, §3.1,
 * §3.2); several are also byte-identical to SQEs the Linux 6.1 host put on the wire (the captured
 * bytes are quoted in the comments and checked against the files in KernelCaptureTest).
 */
class CommandKnownAnswerTest {

  private static ByteBuf sqe() {
    return Unpooled.buffer(Sqe.SIZE).writeZero(Sqe.SIZE);
  }

  @Test
  void identifyControllerSqeAsTheLinuxHostSendsIt() {
    // ref §2.1/§2.3/§4.1: opcode 06, FLAGS 40 (PSDT SGL), CID 0x0016, NSID 0, SGL1 = transport
    // data block 0x5A, address 0, length 4096; CDW10 CNS 01. Captured from the 6.1 host (admin
    // queue, "Identify CNS 0x01"): 0640160000000000 ... 0010000000000005a 01000000 ...
    byte[] expected =
        Hex.bytes(
            "06 40 1600 00000000 | 0000000000000000 | 0000000000000000"
                + "| 0000000000000000 00100000 000000 5a" // SGL1 at 24
                + "| 01000000 00000000 00000000 00000000 00000000 00000000"); // CDW10..15
    ByteBuf b = sqe();
    Sqe.writeHeader(b, 0, Opcodes.ADMIN_IDENTIFY, 0x0016, 0);
    Sgl.write(b, 0, 0, 4096, Sgl.TRANSPORT_DATA_BLOCK);
    Sqe.setCdw(b, 0, 10, Opcodes.CNS_CONTROLLER);
    assertBytes("Identify SQE", expected, Hex.readable(b));

    assertEquals(0x06, Sqe.opcode(b, 0));
    assertEquals(0x40, Sqe.flags(b, 0));
    assertEquals(0x0016, Sqe.cid(b, 0));
    assertEquals(0, Sqe.nsid(b, 0));
    assertEquals(0, Sgl.address(b, 0));
    assertEquals(4096, Sgl.length(b, 0));
    assertEquals(0x5A, Sgl.identifier(b, 0));
    assertEquals(1, Sqe.cdw(b, 0, 10));
  }

  @Test
  void adminConnectSqe() {
    // ref §3.1: OPC 7F, byte 1 = 40, CID 0, FCTYPE 01 at byte 4, SGL1 in-capsule (0x01, length
    // 1024), RECFMT 0 at 40, QID 0 at 42, SQSIZE 31 at 44, CATTR 0 at 46, KATO 5000 ms at 48.
    // The 6.1 host sent exactly this (admin queue, default options).
    byte[] expected =
        Hex.bytes(
            "7f 40 0000 01000000 | 0000000000000000 | 0000000000000000"
                + "| 0000000000000000 00040000 000000 01"
                + "| 0000 0000 | 1f00 00 00 | 88130000 | 00000000 00000000 00000000");
    ByteBuf b = sqe();
    Sqe.writeHeader(b, 0, Opcodes.FABRICS, 0, 0);
    b.setByte(Sqe.FCTYPE, Opcodes.FCTYPE_CONNECT);
    Sgl.write(b, 0, 0, 1024, Sgl.DATA_BLOCK_OFFSET);
    Sqe.setCdw(b, 0, 10, 0); // RECFMT 0, QID 0
    Sqe.setCdw(b, 0, 11, 31); // SQSIZE 31, CATTR 0
    Sqe.setCdw(b, 0, 12, 5000); // KATO
    assertBytes("Connect SQE", expected, Hex.readable(b));
    assertEquals(Opcodes.FCTYPE_CONNECT, Sqe.fctype(b, 0));
    assertEquals(Sgl.DATA_BLOCK_OFFSET, Sgl.identifier(b, 0));
    assertEquals(1024, Sgl.length(b, 0));
  }

  @Test
  void propertyGetCapSqe() {
    // ref §3.2: FCTYPE 04, ATTRIB bit 0 = 1 (8 bytes) at byte 40, OFST 0 (CAP) at 44; no data:
    // SGL 0x5A length 0 (ref §2.3).
    byte[] expected =
        Hex.bytes(
            "7f 40 0100 04000000 | 0000000000000000 | 0000000000000000"
                + "| 0000000000000000 00000000 000000 5a"
                + "| 01000000 00000000 00000000 00000000 00000000 00000000");
    ByteBuf b = sqe();
    Sqe.writeHeader(b, 0, Opcodes.FABRICS, 1, Opcodes.FCTYPE_PROPERTY_GET);
    Sgl.write(b, 0, 0, 0, Sgl.TRANSPORT_DATA_BLOCK);
    Sqe.setCdw(b, 0, 10, 1);
    Sqe.setCdw(b, 0, 11, ControllerRegisters.CAP);
    assertBytes("Property Get SQE", expected, Hex.readable(b));
  }

  @Test
  void writeSqeWithInCapsuleData() {
    // ref §2.1/§2.3/§4.5: Write 01, NSID 1, SGL 0x01 length 4096 address 0 (ICDOFF-relative),
    // SLBA 256 at 40 (8 bytes), NLB 0 (0's based) at 48.
    byte[] expected =
        Hex.bytes(
            "01 40 4200 01000000 | 0000000000000000 | 0000000000000000"
                + "| 0000000000000000 00100000 000000 01"
                + "| 00010000 00000000 00000000 00000000 00000000 00000000");
    ByteBuf b = sqe();
    Sqe.writeHeader(b, 0, Opcodes.NVM_WRITE, 0x42, 1);
    Sgl.write(b, 0, 0, 4096, Sgl.DATA_BLOCK_OFFSET);
    Sqe.setCdw(b, 0, 10, 256);
    assertBytes("Write SQE", expected, Hex.readable(b));
  }

  @Test
  void sqeAccessorsAtANonZeroBase() {
    // A capsule's SQE starts at byte 8 of the PDU; accessors take the base.
    ByteBuf b = Unpooled.buffer(8 + Sqe.SIZE).writeZero(8 + Sqe.SIZE);
    Sqe.writeHeader(b, 8, Opcodes.NVM_READ, 0xBEEF, 0xFFFFFFFF);
    Sgl.write(b, 8, 0x1122334455667788L, 0x80000000, Sgl.TRANSPORT_DATA_BLOCK);
    Sqe.setCdw(b, 8, 15, 0xCAFEBABE);
    assertBytes(
        "at base 8",
        Hex.bytes(
            "00000000 00000000 | 02 40 efbe ffffffff | 0000000000000000 | 0000000000000000"
                + "| 8877665544332211 00000080 000000 5a"
                + "| 00000000 00000000 00000000 00000000 00000000 bebafeca"),
        Hex.readable(b));
    assertEquals(0xBEEF, Sqe.cid(b, 8));
    assertEquals(-1, Sqe.nsid(b, 8));
    assertEquals(0x1122334455667788L, Sgl.address(b, 8));
    assertEquals(0x80000000L, Sgl.length(b, 8)); // unsigned
    assertEquals(0xCAFEBABE, Sqe.cdw(b, 8, 15));
  }

  @Test
  void writeHeaderClearsStaleBytes() {
    ByteBuf b = Unpooled.buffer(Sqe.SIZE).writeBytes(Hex.bytes("ff".repeat(64)));
    Sqe.writeHeader(b, 0, Opcodes.ADMIN_KEEP_ALIVE, 3, 0);
    assertBytes("keep alive", Hex.bytes("18 40 0300 00000000" + "00".repeat(56)), Hex.readable(b));
  }

  @Test
  void cqeKnownAnswer() {
    // ref §2.2: DW0 at 0, DW1 at 4, SQHD at 8, SQID at 10, CID at 12, status at 14 (ref §2.5:
    // LBA Out of Range + DNR = wire 0x8100, bytes 00 81).
    byte[] expected = Hex.bytes("44332211 88776655 | 0201 | 0300 | efbe | 0081");
    ByteBuf b = Unpooled.buffer(Cqe.SIZE).writeZero(Cqe.SIZE);
    Cqe.write(b, 0, 0x5566778811223344L, 0x0102, 3, 0xBEEF, Status.LBA_OUT_OF_RANGE | Status.DNR);
    assertBytes("CQE", expected, Hex.readable(b));
    assertEquals(0x5566778811223344L, Cqe.result(b, 0));
    assertEquals(0x0102, Cqe.sqhd(b, 0));
    assertEquals(3, Cqe.sqid(b, 0));
    assertEquals(0xBEEF, Cqe.cid(b, 0));
    assertEquals(Status.LBA_OUT_OF_RANGE | Status.DNR, Cqe.status(b, 0));
  }

  @Test
  void connectInvalidHostCompletion() {
    // ref §3.1: Connect failure SCT 1 SC 0x84; with DNR the wire status is 0x8308 (08 83).
    byte[] expected = Hex.bytes("00000000 00000000 | 0100 | 0000 | 0000 | 0883");
    ByteBuf b = Unpooled.buffer(Cqe.SIZE).writeZero(Cqe.SIZE);
    Cqe.write(b, 0, 0, 1, 0, 0, Status.CONNECT_INVALID_HOST | Status.DNR);
    assertBytes("CQE", expected, Hex.readable(b));
    int status = Cqe.status(b, 0);
    assertEquals(1, Status.sct(status));
    assertEquals(0x84, Status.sc(status));
    assertTrue(Status.dnr(status));
    assertFalse(Status.more(status));
  }

  @Test
  void connectSuccessCompletionCarriesCntlidInDw0() {
    // ref §3.1: Connect success DW0 bits 15:0 = CNTLID; the 6.1 nvmet answered the admin Connect
    // with DW0 = 1, SQHD 1, SQID 0, CID 0, status 0 (captured).
    ByteBuf b = Unpooled.wrappedBuffer(Hex.bytes("01000000 00000000 0100 0000 0000 0000"));
    assertEquals(1, Cqe.result(b, 0) & 0xFFFF);
    assertEquals(1, Cqe.sqhd(b, 0));
    assertEquals(0, Cqe.sqid(b, 0));
    assertTrue(Status.isSuccess(Cqe.status(b, 0)));
  }

  @Test
  void dataDirectionFromOpcodeBits() {
    // ref §2.3: write direction = opcode (or FCTYPE) bit 0; read direction bit 1.
    assertTrue(Opcodes.isHostToController(Opcodes.NVM_WRITE));
    assertFalse(Opcodes.isHostToController(Opcodes.NVM_READ));
    assertTrue(Opcodes.isControllerToHost(Opcodes.NVM_READ));
    assertTrue(Opcodes.isControllerToHost(Opcodes.ADMIN_IDENTIFY));
    assertTrue(Opcodes.isControllerToHost(Opcodes.ADMIN_GET_LOG_PAGE));
    assertTrue(Opcodes.isHostToController(Opcodes.ADMIN_SET_FEATURES));
    assertTrue(Opcodes.isHostToController(Opcodes.FCTYPE_CONNECT));
    assertTrue(Opcodes.isHostToController(Opcodes.FCTYPE_AUTH_SEND));
    assertTrue(Opcodes.isControllerToHost(Opcodes.FCTYPE_AUTH_RECEIVE));
    assertFalse(Opcodes.isHostToController(Opcodes.FCTYPE_PROPERTY_GET));
    assertFalse(Opcodes.isControllerToHost(Opcodes.FCTYPE_PROPERTY_GET));
    assertFalse(Opcodes.isHostToController(Opcodes.NVM_FLUSH));
    assertFalse(Opcodes.isControllerToHost(Opcodes.ADMIN_KEEP_ALIVE));
  }
}
