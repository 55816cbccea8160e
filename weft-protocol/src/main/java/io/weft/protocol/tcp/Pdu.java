package io.weft.protocol.tcp;

import io.netty.buffer.ByteBuf;

/**
 * The 8-byte NVMe/TCP common header (NVMe/TCP Transport 1.0, "PDU Header Format") and the fields of
 * the PDU-specific headers that follow it. Offsets are from the start of the PDU.
 */
public final class Pdu {
  private Pdu() {}

  public static final int COMMON_HEADER_SIZE = 8;
  public static final int DIGEST_SIZE = 4;

  public static final int TYPE = 0;
  public static final int FLAGS = 1;
  public static final int HLEN = 2;
  public static final int PDO = 3;
  public static final int PLEN = 4;

  public static final int FLAG_HDGSTF = 1;
  public static final int FLAG_DDGSTF = 1 << 1;
  public static final int FLAG_LAST_PDU = 1 << 2;
  public static final int FLAG_SUCCESS = 1 << 3;

  // CapsuleCmd: the SQE follows the common header; CapsuleResp: the CQE does.
  public static final int CAPSULE_SQE = 8;
  public static final int CAPSULE_CQE = 8;

  // H2CData, C2HData and R2T share one layout.
  public static final int DATA_CCCID = 8;
  public static final int DATA_TTAG = 10;
  public static final int DATA_OFFSET = 12;
  public static final int DATA_LENGTH = 16;

  public static int type(ByteBuf b, int base) {
    return b.getUnsignedByte(base + TYPE);
  }

  public static int flags(ByteBuf b, int base) {
    return b.getUnsignedByte(base + FLAGS);
  }

  public static int hlen(ByteBuf b, int base) {
    return b.getUnsignedByte(base + HLEN);
  }

  public static int pdo(ByteBuf b, int base) {
    return b.getUnsignedByte(base + PDO);
  }

  /** PLEN as an unsigned value; a long so that huge values cannot wrap negative. */
  public static long plen(ByteBuf b, int base) {
    return b.getUnsignedIntLE(base + PLEN);
  }

  /** Writes a common header at the buffer's writer index and advances it. */
  public static void writeCommonHeader(ByteBuf out, PduType type, int flags, int pdo, int plen) {
    out.writeByte(type.code);
    out.writeByte(flags);
    out.writeByte(type.headerLength);
    out.writeByte(pdo);
    out.writeIntLE(plen);
  }

  /**
   * Where the data of a PDU with a header of {@code hlen} bytes starts. Weft never pads (it
   * advertises and requires PDA 0, as the Linux host and target do), so data follows the header and
   * its optional digest directly.
   */
  public static int dataOffset(int hlen, boolean headerDigest) {
    return hlen + (headerDigest ? DIGEST_SIZE : 0);
  }
}
