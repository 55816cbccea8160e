package io.weft.protocol.nvme;

import io.netty.buffer.ByteBuf;

/** The 16-byte completion queue entry (NVMe Base 2.0, "Common Completion Queue Entry"). */
public final class Cqe {
  private Cqe() {}

  public static final int SIZE = 16;

  public static final int DW0 = 0;
  public static final int DW1 = 4;
  public static final int SQHD = 8;
  public static final int SQID = 10;
  public static final int CID = 12;
  public static final int STATUS = 14;

  /**
   * Writes one CQE at {@code base}.
   *
   * @param result DW0 in the low 32 bits, DW1 in the high 32 bits
   * @param status a {@link Status} value (phase bit is written as 0)
   */
  public static void write(
      ByteBuf b, int base, long result, int sqhd, int sqid, int cid, int status) {
    b.setLongLE(base + DW0, result);
    b.setShortLE(base + SQHD, sqhd);
    b.setShortLE(base + SQID, sqid);
    b.setShortLE(base + CID, cid);
    b.setShortLE(base + STATUS, Status.toWire(status));
  }

  public static long result(ByteBuf b, int base) {
    return b.getLongLE(base + DW0);
  }

  public static int sqhd(ByteBuf b, int base) {
    return b.getUnsignedShortLE(base + SQHD);
  }

  public static int sqid(ByteBuf b, int base) {
    return b.getUnsignedShortLE(base + SQID);
  }

  public static int cid(ByteBuf b, int base) {
    return b.getUnsignedShortLE(base + CID);
  }

  /** The status as a {@link Status} value (phase bit dropped). */
  public static int status(ByteBuf b, int base) {
    return Status.fromWire(b.getUnsignedShortLE(base + STATUS));
  }
}
