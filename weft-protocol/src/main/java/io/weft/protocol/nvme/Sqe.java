package io.weft.protocol.nvme;

import io.netty.buffer.ByteBuf;

/**
 * The 64-byte submission queue entry (NVMe Base 2.0, "Common Command Format"), read and written in
 * place in a buffer at a base offset. Static accessors: no object per command.
 */
public final class Sqe {
  private Sqe() {}

  public static final int SIZE = 64;

  public static final int OPCODE = 0;
  public static final int FLAGS = 1;
  public static final int CID = 2;
  public static final int NSID = 4;
  public static final int CDW2 = 8;
  public static final int MPTR = 16;

  /** Data pointer: one SGL descriptor on fabrics. */
  public static final int DPTR = 24;

  public static final int CDW10 = 40;
  public static final int CDW11 = 44;
  public static final int CDW12 = 48;
  public static final int CDW13 = 52;
  public static final int CDW14 = 56;
  public static final int CDW15 = 60;

  /** Fabrics commands (opcode 0x7F) carry their command type here. */
  public static final int FCTYPE = 4;

  /** FLAGS bits 7:6 PSDT = 01b: SGL for data, metadata pointer a single buffer. */
  public static final int FLAGS_PSDT_SGL = 0x40;

  public static final int FLAGS_FUSE_MASK = 0x03;
  public static final int FLAGS_PSDT_MASK = 0xC0;

  public static int opcode(ByteBuf b, int base) {
    return b.getUnsignedByte(base + OPCODE);
  }

  public static int flags(ByteBuf b, int base) {
    return b.getUnsignedByte(base + FLAGS);
  }

  public static int cid(ByteBuf b, int base) {
    return b.getUnsignedShortLE(base + CID);
  }

  public static int nsid(ByteBuf b, int base) {
    return b.getIntLE(base + NSID);
  }

  public static int fctype(ByteBuf b, int base) {
    return b.getUnsignedByte(base + FCTYPE);
  }

  /** CDW10..CDW15 by number (10..15). */
  public static int cdw(ByteBuf b, int base, int n) {
    return b.getIntLE(base + CDW10 + (n - 10) * 4);
  }

  /** Writes an all-zero SQE with opcode, PSDT=SGL flags, CID and NSID set. */
  public static void writeHeader(ByteBuf b, int base, int opcode, int cid, int nsid) {
    b.setZero(base, SIZE);
    b.setByte(base + OPCODE, opcode);
    b.setByte(base + FLAGS, FLAGS_PSDT_SGL);
    b.setShortLE(base + CID, cid);
    b.setIntLE(base + NSID, nsid);
  }

  public static void setCdw(ByteBuf b, int base, int n, int value) {
    b.setIntLE(base + CDW10 + (n - 10) * 4, value);
  }
}
