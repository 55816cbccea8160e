package io.weft.protocol.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * H2CTermReq / C2HTermReq (NVMe/TCP Transport 1.0): FES at byte 8, FEI at byte 10 (not dword
 * aligned; the Linux 6.1 struct puts it at 12, which is wrong), then the header of the PDU in
 * error. PDO is 0: the error data is not PDU data (SPDK and FreeBSD send 0, and FreeBSD rejects a
 * termination request whose PDO is not 0).
 */
public final class TermReqPdu {
  private TermReqPdu() {}

  public static final int FES = 8;
  public static final int FEI = 10;
  public static final int HEADER_SIZE = 24;
  public static final int MAX_ERROR_DATA = 128;

  public static ByteBuf encode(
      ByteBufAllocator alloc, PduType type, int fes, int fei, byte[] offendingHeader) {
    int errorData = Math.min(offendingHeader.length, MAX_ERROR_DATA);
    int plen = HEADER_SIZE + errorData;
    ByteBuf out = alloc.buffer(plen);
    Pdu.writeCommonHeader(out, type, 0, 0, plen);
    out.writeShortLE(fes);
    out.writeIntLE(fei);
    out.writeZero(HEADER_SIZE - 14);
    out.writeBytes(offendingHeader, 0, errorData);
    return out;
  }

  public static int fes(ByteBuf b, int base) {
    return b.getUnsignedShortLE(base + FES);
  }

  public static int fei(ByteBuf b, int base) {
    return b.getIntLE(base + FEI);
  }
}
