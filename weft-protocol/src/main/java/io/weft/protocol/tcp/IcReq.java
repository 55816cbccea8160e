package io.weft.protocol.tcp;

import io.netty.buffer.ByteBuf;

/**
 * Initialize Connection Request (NVMe/TCP Transport 1.0, "ICReq"): 128 bytes.
 *
 * @param pfv PDU format version (0 = 1.0)
 * @param hpda host PDU data alignment, 0's based dwords
 * @param headerDigest the host asks for header digests (DGST bit 0)
 * @param dataDigest the host asks for data digests (DGST bit 1)
 * @param maxr2t maximum outstanding R2Ts per command, 0's based
 */
public record IcReq(int pfv, int hpda, boolean headerDigest, boolean dataDigest, long maxr2t) {
  public static final int SIZE = 128;
  public static final int PFV = 8;
  public static final int HPDA = 10;
  public static final int DGST = 11;
  public static final int MAXR2T = 12;

  public static IcReq decode(ByteBuf b, int base) {
    int dgst = b.getUnsignedByte(base + DGST);
    return new IcReq(
        b.getUnsignedShortLE(base + PFV),
        b.getUnsignedByte(base + HPDA),
        (dgst & 1) != 0,
        (dgst & 2) != 0,
        b.getUnsignedIntLE(base + MAXR2T));
  }

  public void encode(ByteBuf out) {
    Pdu.writeCommonHeader(out, PduType.IC_REQ, 0, 0, SIZE);
    out.writeShortLE(pfv);
    out.writeByte(hpda);
    out.writeByte((headerDigest ? 1 : 0) | (dataDigest ? 2 : 0));
    out.writeIntLE((int) maxr2t);
    out.writeZero(SIZE - 16);
  }
}
