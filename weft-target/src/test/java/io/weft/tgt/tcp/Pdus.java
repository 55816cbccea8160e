package io.weft.tgt.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.protocol.fabrics.ConnectData;
import io.weft.protocol.nvme.Opcodes;
import io.weft.protocol.nvme.Sgl;
import io.weft.protocol.nvme.Sqe;
import io.weft.protocol.tcp.Crc32cDigest;
import io.weft.protocol.tcp.Pdu;
import io.weft.protocol.tcp.PduType;
import io.weft.tgt.testing.RawHost;
import java.util.Arrays;

/**
 * Builds NVMe/TCP PDUs as plain byte arrays so that tests can corrupt any field before sending.
 * Everything is little-endian as on the wire; digests are computed when asked for and can be
 * recomputed after a header field was changed on purpose.
 */
final class Pdus {
  private Pdus() {}

  static final int CAPSULE_HLEN = 72;
  static final int DATA_HLEN = 24;

  // ---- SQEs ----

  /** A 64-byte SQE with PSDT = SGL, the given opcode, CID and NSID, and an SGL descriptor. */
  static byte[] sqe(int opcode, int cid, int nsid, int sglType, long sglLength) {
    byte[] s = new byte[Sqe.SIZE];
    s[Sqe.OPCODE] = (byte) opcode;
    s[Sqe.FLAGS] = (byte) Sqe.FLAGS_PSDT_SGL;
    putShort(s, Sqe.CID, cid);
    putInt(s, Sqe.NSID, nsid);
    putInt(s, Sqe.DPTR + Sgl.LENGTH, (int) sglLength);
    s[Sqe.DPTR + Sgl.IDENTIFIER] = (byte) sglType;
    return s;
  }

  /** Read or Write of {@code blocks} blocks at {@code slba}; data via {@code sglType}. */
  static byte[] rw(
      int opcode, int cid, int nsid, long slba, int blocks, int blockSize, int sglType) {
    byte[] s = sqe(opcode, cid, nsid, sglType, (long) blocks * blockSize);
    putLong(s, Sqe.CDW10, slba);
    putInt(s, Sqe.CDW12, blocks - 1);
    return s;
  }

  /** Fabrics Connect; {@code cattr} bit 2 disables SQ flow control. Data goes in-capsule. */
  static byte[] connectSqe(int cid, int qid, int sqsize, int cattr, int katoMs) {
    byte[] s = sqe(Opcodes.FABRICS, cid, 0, Sgl.DATA_BLOCK_OFFSET, ConnectData.SIZE);
    s[Sqe.FCTYPE] = (byte) Opcodes.FCTYPE_CONNECT;
    putInt(s, Sqe.CDW10, qid << 16);
    putInt(s, Sqe.CDW11, sqsize | cattr << 16);
    putInt(s, Sqe.CDW12, katoMs);
    return s;
  }

  static byte[] connectData(int cntlid, String subnqn) {
    ByteBuf b = Unpooled.buffer(ConnectData.SIZE);
    new ConnectData(RawHost.HOST_ID, cntlid, subnqn, RawHost.HOST_NQN).encode(b);
    byte[] a = new byte[ConnectData.SIZE];
    b.getBytes(0, a);
    return a;
  }

  static byte[] propertySetSqe(int cid, int offset, int value) {
    byte[] s = sqe(Opcodes.FABRICS, cid, 0, Sgl.TRANSPORT_DATA_BLOCK, 0);
    s[Sqe.FCTYPE] = (byte) Opcodes.FCTYPE_PROPERTY_SET;
    putInt(s, Sqe.CDW11, offset);
    putInt(s, Sqe.CDW12, value);
    return s;
  }

  static byte[] propertyGetSqe(int cid, int offset, boolean eightBytes) {
    byte[] s = sqe(Opcodes.FABRICS, cid, 0, Sgl.TRANSPORT_DATA_BLOCK, 0);
    s[Sqe.FCTYPE] = (byte) Opcodes.FCTYPE_PROPERTY_GET;
    putInt(s, Sqe.CDW10, eightBytes ? 1 : 0);
    putInt(s, Sqe.CDW11, offset);
    return s;
  }

  // ---- PDUs ----

  /** ICReq with every field given; a valid one is {@code icReq(0, 0, dgst, 128)}. */
  static byte[] icReq(int pfv, int hpda, int dgst, int plen) {
    byte[] b = new byte[128];
    b[0] = (byte) PduType.IC_REQ.code;
    b[2] = (byte) 128;
    putInt(b, Pdu.PLEN, plen);
    putShort(b, 8, pfv);
    b[10] = (byte) hpda;
    b[11] = (byte) dgst;
    return b;
  }

  /** A CapsuleCmd around {@code sqe} with optional in-capsule data and the digests asked for. */
  static byte[] capsule(byte[] sqe, byte[] data, boolean hdgst, boolean ddgst) {
    boolean hasData = data != null && data.length > 0;
    int hd = hdgst ? 4 : 0;
    int dd = hasData && ddgst ? 4 : 0;
    int dataStart = CAPSULE_HLEN + hd;
    int plen = dataStart + (hasData ? data.length + dd : 0);
    byte[] b = new byte[plen];
    b[0] = (byte) PduType.CAPSULE_CMD.code;
    b[1] = (byte) ((hd > 0 ? Pdu.FLAG_HDGSTF : 0) | (dd > 0 ? Pdu.FLAG_DDGSTF : 0));
    b[2] = (byte) CAPSULE_HLEN;
    b[3] = (byte) (hasData ? dataStart : 0);
    putInt(b, Pdu.PLEN, plen);
    System.arraycopy(sqe, 0, b, Pdu.CAPSULE_SQE, Sqe.SIZE);
    if (hasData) {
      System.arraycopy(data, 0, b, dataStart, data.length);
      if (dd > 0) {
        putInt(b, dataStart + data.length, crc(b, dataStart, data.length));
      }
    }
    if (hd > 0) {
      putInt(b, CAPSULE_HLEN, crc(b, 0, CAPSULE_HLEN));
    }
    return b;
  }

  /** An H2CData PDU carrying {@code data}, DATAL = data length. */
  static byte[] h2cData(
      int cccid, int ttag, int datao, byte[] data, boolean last, boolean hdgst, boolean ddgst) {
    int hd = hdgst ? 4 : 0;
    int dd = ddgst ? 4 : 0;
    int dataStart = DATA_HLEN + hd;
    int plen = dataStart + data.length + dd;
    byte[] b = new byte[plen];
    b[0] = (byte) PduType.H2C_DATA.code;
    b[1] =
        (byte)
            ((hd > 0 ? Pdu.FLAG_HDGSTF : 0)
                | (dd > 0 ? Pdu.FLAG_DDGSTF : 0)
                | (last ? Pdu.FLAG_LAST_PDU : 0));
    b[2] = (byte) DATA_HLEN;
    b[3] = (byte) dataStart;
    putInt(b, Pdu.PLEN, plen);
    putShort(b, Pdu.DATA_CCCID, cccid);
    putShort(b, Pdu.DATA_TTAG, ttag);
    putInt(b, Pdu.DATA_OFFSET, datao);
    putInt(b, Pdu.DATA_LENGTH, data.length);
    System.arraycopy(data, 0, b, dataStart, data.length);
    if (dd > 0) {
      putInt(b, dataStart + data.length, crc(b, dataStart, data.length));
    }
    if (hd > 0) {
      putInt(b, DATA_HLEN, crc(b, 0, DATA_HLEN));
    }
    return b;
  }

  /** A PDU of any type code made of a common header and zeros up to {@code plen}. */
  static byte[] raw(int type, int flags, int hlen, int pdo, int plen) {
    byte[] b = new byte[Math.max(plen, 8)];
    b[0] = (byte) type;
    b[1] = (byte) flags;
    b[2] = (byte) hlen;
    b[3] = (byte) pdo;
    putInt(b, Pdu.PLEN, plen);
    return b;
  }

  /** Recomputes the header digest of a PDU whose header was edited (digest at byte HLEN). */
  static byte[] rehash(byte[] pdu, int hlen) {
    putInt(pdu, hlen, crc(pdu, 0, hlen));
    return pdu;
  }

  static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  static byte[] head(byte[] b, int n) {
    return Arrays.copyOf(b, n);
  }

  static byte[] filled(int n, int value) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) value);
    return b;
  }

  static int crc(byte[] b, int from, int len) {
    return new Crc32cDigest().compute(Unpooled.wrappedBuffer(b), from, len);
  }

  static void putShort(byte[] b, int at, int v) {
    b[at] = (byte) v;
    b[at + 1] = (byte) (v >>> 8);
  }

  static void putInt(byte[] b, int at, int v) {
    for (int i = 0; i < 4; i++) {
      b[at + i] = (byte) (v >>> (8 * i));
    }
  }

  static void putLong(byte[] b, int at, long v) {
    for (int i = 0; i < 8; i++) {
      b[at + i] = (byte) (v >>> (8 * i));
    }
  }

  static int getInt(byte[] b, int at) {
    return (b[at] & 0xFF)
        | (b[at + 1] & 0xFF) << 8
        | (b[at + 2] & 0xFF) << 16
        | (b[at + 3] & 0xFF) << 24;
  }
}
