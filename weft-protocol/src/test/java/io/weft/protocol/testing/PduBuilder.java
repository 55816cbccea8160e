package io.weft.protocol.testing;

import java.io.ByteArrayOutputStream;
import java.util.zip.CRC32C;

/**
 * Builds NVMe/TCP PDUs byte by byte from the layouts in the reference (section 1), independently of
 * the production encoders, so decoder tests do not check the code against itself. Digests use the
 * JDK's CRC32C directly. Offsets are written as literals on purpose.
 */
public final class PduBuilder {
  private PduBuilder() {}

  public static final int HDGSTF = 0x01;
  public static final int DDGSTF = 0x02;
  public static final int LAST_PDU = 0x04;
  public static final int SUCCESS = 0x08;

  public static int crc32c(byte[] b, int offset, int length) {
    CRC32C c = new CRC32C();
    c.update(b, offset, length);
    return (int) c.getValue();
  }

  /**
   * A PDU with a header of {@code hlen} bytes whose bytes 8.. are {@code specific}, followed by
   * {@code data}. Digest flags, PDO and PLEN are computed the way Linux does: HDGST after the
   * header when {@code hdgst}; DDGST after the data when {@code ddgst} and there is data; PDO = 0
   * without data, else HLEN (+4).
   */
  public static byte[] build(
      int type,
      int hlen,
      int extraFlags,
      boolean hdgst,
      boolean ddgst,
      byte[] specific,
      byte[] data) {
    boolean withData = data.length > 0;
    int headerEnd = hlen + (hdgst ? 4 : 0);
    int plen = headerEnd + data.length + (ddgst && withData ? 4 : 0);
    int flags = extraFlags | (hdgst ? HDGSTF : 0) | (ddgst && withData ? DDGSTF : 0);
    byte[] p = new byte[plen];
    p[0] = (byte) type;
    p[1] = (byte) flags;
    p[2] = (byte) hlen;
    p[3] = (byte) (withData ? headerEnd : 0);
    le32(p, 4, plen);
    System.arraycopy(specific, 0, p, 8, Math.min(specific.length, hlen - 8));
    System.arraycopy(data, 0, p, headerEnd, data.length);
    return reseal(p);
  }

  /** Recomputes the digests a PDU's flags announce, after a test changed its bytes. */
  public static byte[] reseal(byte[] p) {
    int flags = p[1] & 0xFF;
    int hlen = p[2] & 0xFF;
    if ((flags & HDGSTF) != 0 && p.length >= hlen + 4) {
      le32(p, hlen, crc32c(p, 0, hlen));
    }
    int pdo = p[3] & 0xFF;
    if ((flags & DDGSTF) != 0 && pdo > 0 && p.length >= pdo + 4) {
      le32(p, p.length - 4, crc32c(p, pdo, p.length - 4 - pdo));
    }
    return p;
  }

  public static byte[] icReq(int dgst) {
    byte[] s = new byte[120];
    s[3] = (byte) dgst; // byte 11 DGST; PFV 0, HPDA 0, MAXR2T 0
    return build(0x00, 128, 0, false, false, s, new byte[0]);
  }

  public static byte[] icResp(int dgst, int maxH2cData) {
    byte[] s = new byte[120];
    s[3] = (byte) dgst;
    le32(s, 4, maxH2cData); // byte 12 MAXH2CDATA
    return build(0x01, 128, 0, false, false, s, new byte[0]);
  }

  /**
   * A CapsuleCmd the way the Linux host sends it: FLAGS byte 0x40, SGL identifier 0x01 (in-capsule,
   * length = data) when there is data, else 0x5A with the length of the data the command moves.
   */
  public static byte[] capsuleCmd(
      boolean hdgst,
      boolean ddgst,
      int opcode,
      int cid,
      int nsid,
      int transferLength,
      byte[] data) {
    byte[] sqe = new byte[64];
    sqe[0] = (byte) opcode;
    sqe[1] = 0x40;
    le16(sqe, 2, cid);
    le32(sqe, 4, nsid);
    le32(sqe, 24 + 8, data.length > 0 ? data.length : transferLength);
    sqe[24 + 15] = (byte) (data.length > 0 ? 0x01 : 0x5A);
    return build(0x04, 72, 0, hdgst, ddgst, sqe, data);
  }

  public static byte[] capsuleResp(boolean hdgst, int cid, int wireStatus, long result) {
    byte[] cqe = new byte[16];
    le32(cqe, 0, (int) result);
    le32(cqe, 4, (int) (result >>> 32));
    le16(cqe, 12, cid);
    le16(cqe, 14, wireStatus);
    return build(0x05, 24, 0, hdgst, false, cqe, new byte[0]);
  }

  public static byte[] h2cData(
      boolean hdgst, boolean ddgst, int cccid, int ttag, int datao, byte[] data, boolean last) {
    return build(
        0x06,
        24,
        last ? LAST_PDU : 0,
        hdgst,
        ddgst,
        dataHeader(cccid, ttag, datao, data.length),
        data);
  }

  public static byte[] c2hData(
      boolean hdgst,
      boolean ddgst,
      int cccid,
      int datao,
      byte[] data,
      boolean last,
      boolean success) {
    int flags = (last ? LAST_PDU : 0) | (success ? SUCCESS : 0);
    return build(0x07, 24, flags, hdgst, ddgst, dataHeader(cccid, 0, datao, data.length), data);
  }

  public static byte[] r2t(boolean hdgst, int cccid, int ttag, int r2to, int r2tl) {
    return build(0x09, 24, 0, hdgst, false, dataHeader(cccid, ttag, r2to, r2tl), new byte[0]);
  }

  /** H2CTermReq (type 2) or C2HTermReq (type 3): FES at 8, FEI at 10, error data after byte 24. */
  public static byte[] termReq(int type, int fes, int fei, byte[] errorData) {
    byte[] p = new byte[24 + errorData.length];
    p[0] = (byte) type;
    p[2] = 24;
    le32(p, 4, p.length);
    le16(p, 8, fes);
    le32(p, 10, fei);
    System.arraycopy(errorData, 0, p, 24, errorData.length);
    return p;
  }

  private static byte[] dataHeader(int cccid, int ttag, int offset, int length) {
    byte[] s = new byte[16];
    le16(s, 0, cccid);
    le16(s, 2, ttag);
    le32(s, 4, offset);
    le32(s, 8, length);
    return s;
  }

  /** A copy of {@code p} with byte {@code offset} set to {@code value}. */
  public static byte[] with(byte[] p, int offset, int value) {
    byte[] c = p.clone();
    c[offset] = (byte) value;
    return c;
  }

  /** A copy of {@code p} with the 32-bit little-endian field at {@code offset} set. */
  public static byte[] withLe32(byte[] p, int offset, long value) {
    byte[] c = p.clone();
    le32(c, offset, (int) value);
    return c;
  }

  public static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }

  public static byte[] filled(int length, int value) {
    byte[] b = new byte[length];
    java.util.Arrays.fill(b, (byte) value);
    return b;
  }

  public static void le16(byte[] b, int offset, int v) {
    b[offset] = (byte) v;
    b[offset + 1] = (byte) (v >>> 8);
  }

  public static void le32(byte[] b, int offset, int v) {
    le16(b, offset, v);
    le16(b, offset + 2, v >>> 16);
  }

  public static int u16(byte[] b, int offset) {
    return (b[offset] & 0xFF) | (b[offset + 1] & 0xFF) << 8;
  }

  public static long u32(byte[] b, int offset) {
    return (u16(b, offset) | (long) u16(b, offset + 2) << 16) & 0xFFFF_FFFFL;
  }
}
