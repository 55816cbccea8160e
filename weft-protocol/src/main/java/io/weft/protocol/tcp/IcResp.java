package io.weft.protocol.tcp;

import io.netty.buffer.ByteBuf;

/**
 * Initialize Connection Response (NVMe/TCP Transport 1.0, "ICResp"): 128 bytes.
 *
 * @param pfv PDU format version (0 = 1.0)
 * @param cpda controller PDU data alignment, 0's based dwords (the Linux host requires 0)
 * @param headerDigest header digests enabled (must echo the request)
 * @param dataDigest data digests enabled (must echo the request)
 * @param maxH2cData most data bytes one H2CData PDU may carry (multiple of 4, at least 4096)
 */
public record IcResp(int pfv, int cpda, boolean headerDigest, boolean dataDigest, long maxH2cData) {
  public static final int SIZE = 128;
  public static final int PFV = 8;
  public static final int CPDA = 10;
  public static final int DGST = 11;
  public static final int MAXH2CDATA = 12;

  public static IcResp decode(ByteBuf b, int base) {
    int dgst = b.getUnsignedByte(base + DGST);
    return new IcResp(
        b.getUnsignedShortLE(base + PFV),
        b.getUnsignedByte(base + CPDA),
        (dgst & 1) != 0,
        (dgst & 2) != 0,
        b.getUnsignedIntLE(base + MAXH2CDATA));
  }

  public void encode(ByteBuf out) {
    Pdu.writeCommonHeader(out, PduType.IC_RESP, 0, 0, SIZE);
    out.writeShortLE(pfv);
    out.writeByte(cpda);
    out.writeByte((headerDigest ? 1 : 0) | (dataDigest ? 2 : 0));
    out.writeIntLE((int) maxH2cData);
    out.writeZero(SIZE - 16);
  }
}
