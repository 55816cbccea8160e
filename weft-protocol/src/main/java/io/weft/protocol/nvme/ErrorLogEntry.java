package io.weft.protocol.nvme;

import io.netty.buffer.ByteBuf;

/**
 * One 64-byte Error Information log entry, LID 01h (NVMe Base 2.0).
 *
 * @param errorCount unique, increasing identifier of this error (0 = empty entry)
 * @param status a {@link Status} value
 * @param parameterLocation byte offset of the offending field in the command (bits 7:0) and bit
 *     (bits 10:8), or 0xFFFF when not specific
 * @param transportType 3 for TCP
 */
public record ErrorLogEntry(
    long errorCount,
    int sqid,
    int cid,
    int status,
    int parameterLocation,
    long lba,
    int nsid,
    int transportType) {

  public static final int SIZE = 64;
  public static final int ERROR_COUNT = 0;
  public static final int SQID = 8;
  public static final int CID = 10;
  public static final int STATUS = 12;
  public static final int PARAMETER_LOCATION = 14;
  public static final int LBA = 16;
  public static final int NSID = 24;
  public static final int TRTYPE = 29;

  /** Writes the entry at {@code base} of an already sized page. */
  public void encodeAt(ByteBuf page, int base) {
    page.setZero(base, SIZE);
    page.setLongLE(base + ERROR_COUNT, errorCount);
    page.setShortLE(base + SQID, sqid);
    page.setShortLE(base + CID, cid);
    page.setShortLE(base + STATUS, Status.toWire(status));
    page.setShortLE(base + PARAMETER_LOCATION, parameterLocation);
    page.setLongLE(base + LBA, lba);
    page.setIntLE(base + NSID, nsid);
    page.setByte(base + TRTYPE, transportType);
  }

  public static ErrorLogEntry decode(ByteBuf b, int base) {
    return new ErrorLogEntry(
        b.getLongLE(base + ERROR_COUNT),
        b.getUnsignedShortLE(base + SQID),
        b.getUnsignedShortLE(base + CID),
        Status.fromWire(b.getUnsignedShortLE(base + STATUS)),
        b.getUnsignedShortLE(base + PARAMETER_LOCATION),
        b.getLongLE(base + LBA),
        b.getIntLE(base + NSID),
        b.getUnsignedByte(base + TRTYPE));
  }
}
