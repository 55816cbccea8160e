package io.weft.tgt.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.protocol.fabrics.ConnectData;
import io.weft.protocol.nvme.ControllerRegisters;
import io.weft.protocol.nvme.Cqe;
import io.weft.protocol.nvme.Opcodes;
import io.weft.protocol.nvme.Sgl;
import io.weft.protocol.nvme.Sqe;
import io.weft.protocol.nvme.Status;
import io.weft.protocol.tcp.Crc32cDigest;
import io.weft.protocol.tcp.IcReq;
import io.weft.protocol.tcp.IcResp;
import io.weft.protocol.tcp.Pdu;
import io.weft.protocol.tcp.PduType;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * A deliberately simple, blocking NVMe/TCP host for tests: one socket, one command at a time, and
 * raw access to the byte stream so tests can send malformed PDUs. Not the product host library.
 */
public final class RawHost implements AutoCloseable {
  public static final String HOST_NQN =
      "nqn.2014-08.org.nvmexpress:uuid:00000000-0000-0000-0000-000000000001";
  public static final UUID HOST_ID = UUID.fromString("00000000-0000-0000-0000-000000000001");

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;
  private final Crc32cDigest crc = new Crc32cDigest();
  private boolean headerDigest;
  private boolean dataDigest;
  private int nextCid = 1;
  public int cntlid = 0xFFFF;
  public IcResp icResp;

  /** A completion as the host saw it. */
  public record Completion(int cid, int status, long result, int sqhd, int sqid, byte[] data) {
    public boolean ok() {
      return Status.isSuccess(status);
    }

    @Override
    public String toString() {
      return "Completion[cid="
          + cid
          + " "
          + Status.describe(status)
          + " result=0x"
          + Long.toHexString(result)
          + "]";
    }
  }

  public RawHost(InetSocketAddress target) throws IOException {
    socket = new Socket();
    socket.connect(target, 5000);
    socket.setTcpNoDelay(true);
    socket.setSoTimeout(10_000);
    in = new DataInputStream(socket.getInputStream());
    out = socket.getOutputStream();
  }

  public void soTimeout(int millis) throws IOException {
    socket.setSoTimeout(millis);
  }

  /** ICReq/ICResp. */
  public IcResp initialize(boolean hdgst, boolean ddgst) throws IOException {
    ByteBuf b = Unpooled.buffer(128);
    new IcReq(0, 0, hdgst, ddgst, 0).encode(b);
    sendRaw(b);
    ByteBuf resp = readPdu();
    if (Pdu.type(resp, 0) != PduType.IC_RESP.code) {
      throw new IOException("expected ICResp, got type " + Pdu.type(resp, 0));
    }
    icResp = IcResp.decode(resp, 0);
    headerDigest = icResp.headerDigest();
    dataDigest = icResp.dataDigest();
    return icResp;
  }

  /** Admin (qid 0) or I/O Connect. */
  public Completion connect(int qid, String subnqn, String hostnqn, int sqsize, int katoMs)
      throws IOException {
    ByteBuf data = Unpooled.buffer(1024);
    new ConnectData(HOST_ID, qid == 0 ? 0xFFFF : cntlid, subnqn, hostnqn).encode(data);
    Completion c =
        command(
            sqe -> {
              sqe.setByte(Sqe.OPCODE, Opcodes.FABRICS);
              sqe.setByte(Sqe.FCTYPE, Opcodes.FCTYPE_CONNECT);
              sqe.setIntLE(Sqe.CDW10, qid << 16);
              sqe.setIntLE(Sqe.CDW11, sqsize);
              sqe.setIntLE(Sqe.CDW12, katoMs);
            },
            toArray(data),
            0);
    if (qid == 0 && c.ok()) {
      cntlid = (int) (c.result() & 0xFFFF);
    }
    return c;
  }

  public Completion propertyGet(int offset, boolean eightBytes) throws IOException {
    return command(
        sqe -> {
          sqe.setByte(Sqe.OPCODE, Opcodes.FABRICS);
          sqe.setByte(Sqe.FCTYPE, Opcodes.FCTYPE_PROPERTY_GET);
          sqe.setIntLE(Sqe.CDW10, eightBytes ? 1 : 0);
          sqe.setIntLE(Sqe.CDW11, offset);
        },
        null,
        0);
  }

  public Completion propertySet(int offset, int value) throws IOException {
    return command(
        sqe -> {
          sqe.setByte(Sqe.OPCODE, Opcodes.FABRICS);
          sqe.setByte(Sqe.FCTYPE, Opcodes.FCTYPE_PROPERTY_SET);
          sqe.setIntLE(Sqe.CDW11, offset);
          sqe.setIntLE(Sqe.CDW12, value);
        },
        null,
        0);
  }

  /** The Linux host's enable sequence; returns CSTS after enabling. */
  public int enable() throws IOException {
    check(propertySet(ControllerRegisters.CC, 0x00460000));
    check(propertySet(ControllerRegisters.CC, 0x00460001));
    return (int) check(propertyGet(ControllerRegisters.CSTS, false)).result();
  }

  /** ICReq, admin Connect and enable, as a host does before anything else. */
  public void adminSetup(String subnqn, int katoMs) throws IOException {
    initialize(false, false);
    check(connect(0, subnqn, HOST_NQN, 31, katoMs));
    enable();
  }

  public Completion identify(int cns, int nsid) throws IOException {
    return adminData(Opcodes.ADMIN_IDENTIFY, nsid, cns, 0, 0, 0, 4096);
  }

  public Completion getLogPage(int lid, int nsid, int bytes, long offset) throws IOException {
    int numd = bytes / 4 - 1;
    return adminData(
        Opcodes.ADMIN_GET_LOG_PAGE,
        nsid,
        lid | (numd & 0xFFFF) << 16,
        numd >>> 16,
        (int) offset,
        (int) (offset >>> 32),
        bytes);
  }

  public Completion setFeatures(int fid, int value) throws IOException {
    return simple(Opcodes.ADMIN_SET_FEATURES, 0, fid, value, 0);
  }

  public Completion getFeatures(int fid, int sel) throws IOException {
    return simple(Opcodes.ADMIN_GET_FEATURES, 0, fid | sel << 8, 0, 0);
  }

  public Completion simple(int opcode, int nsid, int cdw10, int cdw11, int cdw12)
      throws IOException {
    return command(
        sqe -> {
          sqe.setByte(Sqe.OPCODE, opcode);
          sqe.setIntLE(Sqe.NSID, nsid);
          sqe.setIntLE(Sqe.CDW10, cdw10);
          sqe.setIntLE(Sqe.CDW11, cdw11);
          sqe.setIntLE(Sqe.CDW12, cdw12);
        },
        null,
        0);
  }

  public Completion adminData(
      int opcode, int nsid, int cdw10, int cdw11, int cdw12, int cdw13, int bytes)
      throws IOException {
    return command(
        sqe -> {
          sqe.setByte(Sqe.OPCODE, opcode);
          sqe.setIntLE(Sqe.NSID, nsid);
          sqe.setIntLE(Sqe.CDW10, cdw10);
          sqe.setIntLE(Sqe.CDW11, cdw11);
          sqe.setIntLE(Sqe.CDW12, cdw12);
          sqe.setIntLE(Sqe.CDW13, cdw13);
        },
        null,
        bytes);
  }

  public Completion read(int nsid, long slba, int blocks, int blockSize) throws IOException {
    return command(rw(Opcodes.NVM_READ, nsid, slba, blocks, 0), null, blocks * blockSize);
  }

  /** Writes in-capsule when {@code inCapsule}, else via R2T. */
  public Completion write(int nsid, long slba, byte[] data, int blockSize, boolean inCapsule)
      throws IOException {
    int blocks = data.length / blockSize;
    return inCapsule
        ? command(rw(Opcodes.NVM_WRITE, nsid, slba, blocks, 0), data, 0)
        : commandR2t(rw(Opcodes.NVM_WRITE, nsid, slba, blocks, 0), data);
  }

  public static Consumer<ByteBuf> rw(int opcode, int nsid, long slba, int blocks, int cdw12Flags) {
    return sqe -> {
      sqe.setByte(Sqe.OPCODE, opcode);
      sqe.setIntLE(Sqe.NSID, nsid);
      sqe.setLongLE(Sqe.CDW10, slba);
      sqe.setIntLE(Sqe.CDW12, (blocks - 1) | cdw12Flags);
    };
  }

  /**
   * Sends one command. {@code inCapsuleData} goes in the capsule (SGL 0x01); {@code readBytes} &gt;
   * 0 asks for that much C2H data (SGL 0x5A). Waits for the completion.
   */
  public Completion command(Consumer<ByteBuf> sqeSetup, byte[] inCapsuleData, int readBytes)
      throws IOException {
    int cid = allocateCid();
    sendCapsule(
        sqeSetup, cid, inCapsuleData, readBytes, inCapsuleData == null && readBytes == 0 ? 0 : -1);
    return awaitCompletion(cid, null);
  }

  /** Sends a write-direction command with a transport SGL and answers its R2Ts. */
  public Completion commandR2t(Consumer<ByteBuf> sqeSetup, byte[] data) throws IOException {
    int cid = allocateCid();
    sendCapsule(sqeSetup, cid, null, data.length, 0);
    return awaitCompletion(cid, data);
  }

  /** Builds and sends a CapsuleCmd; {@code sglLength} -1 means "derive from the data". */
  public void sendCapsule(
      Consumer<ByteBuf> sqeSetup, int cid, byte[] inCapsuleData, int transportLength, int unused)
      throws IOException {
    ByteBuf sqe = Unpooled.buffer(64).writeZero(64);
    sqe.setByte(Sqe.FLAGS, Sqe.FLAGS_PSDT_SGL);
    sqeSetup.accept(sqe);
    sqe.setShortLE(Sqe.CID, cid);
    if (inCapsuleData != null) {
      Sgl.write(sqe, 0, 0, inCapsuleData.length, Sgl.DATA_BLOCK_OFFSET);
    } else {
      Sgl.write(sqe, 0, 0, transportLength, Sgl.TRANSPORT_DATA_BLOCK);
    }
    sendRaw(capsule(toArray(sqe), inCapsuleData));
  }

  /** A CapsuleCmd PDU around a 64-byte SQE with optional in-capsule data, digests as negotiated. */
  public ByteBuf capsule(byte[] sqe, byte[] data) {
    int hlen = 72;
    int hd = headerDigest ? 4 : 0;
    boolean hasData = data != null && data.length > 0;
    int dd = hasData && dataDigest ? 4 : 0;
    int plen = hlen + hd + (hasData ? data.length + dd : 0);
    ByteBuf b = Unpooled.buffer(plen);
    int flags = (hd > 0 ? Pdu.FLAG_HDGSTF : 0) | (dd > 0 ? Pdu.FLAG_DDGSTF : 0);
    Pdu.writeCommonHeader(b, PduType.CAPSULE_CMD, flags, hasData ? hlen + hd : 0, plen);
    b.writeBytes(sqe);
    if (hd > 0) {
      b.writeIntLE(crc.compute(b, 0, hlen));
    }
    if (hasData) {
      int at = b.writerIndex();
      b.writeBytes(data);
      if (dd > 0) {
        b.writeIntLE(crc.compute(b, at, data.length));
      }
    }
    return b;
  }

  /** An H2CData PDU. */
  public ByteBuf h2cData(
      int cccid, int ttag, int offset, byte[] data, int from, int len, boolean last) {
    int hlen = 24;
    int hd = headerDigest ? 4 : 0;
    int dd = dataDigest ? 4 : 0;
    int plen = hlen + hd + len + dd;
    ByteBuf b = Unpooled.buffer(plen);
    int flags =
        (hd > 0 ? Pdu.FLAG_HDGSTF : 0)
            | (dd > 0 ? Pdu.FLAG_DDGSTF : 0)
            | (last ? Pdu.FLAG_LAST_PDU : 0);
    Pdu.writeCommonHeader(b, PduType.H2C_DATA, flags, hlen + hd, plen);
    b.writeShortLE(cccid);
    b.writeShortLE(ttag);
    b.writeIntLE(offset);
    b.writeIntLE(len);
    b.writeIntLE(0);
    if (hd > 0) {
      b.writeIntLE(crc.compute(b, 0, hlen));
    }
    int at = b.writerIndex();
    b.writeBytes(data, from, len);
    if (dd > 0) {
      b.writeIntLE(crc.compute(b, at, len));
    }
    return b;
  }

  /**
   * Reads PDUs until the completion of {@code cid}: collects C2HData, answers R2Ts from {@code
   * writeData} (split at MAXH2CDATA), and accepts a C2HData with the SUCCESS flag as completion.
   */
  public Completion awaitCompletion(int cid, byte[] writeData) throws IOException {
    java.io.ByteArrayOutputStream read = new java.io.ByteArrayOutputStream();
    while (true) {
      ByteBuf pdu = readPdu();
      int type = Pdu.type(pdu, 0);
      int hlen = Pdu.hlen(pdu, 0);
      int dataStart = hlen + (headerDigest ? 4 : 0);
      if (type == PduType.CAPSULE_RESP.code) {
        int c = Cqe.cid(pdu, 8);
        if (c != cid) {
          throw new IOException(
              "completion for unexpected CID " + c + " (waiting for " + cid + ")");
        }
        return new Completion(
            c,
            Cqe.status(pdu, 8),
            Cqe.result(pdu, 8),
            Cqe.sqhd(pdu, 8),
            Cqe.sqid(pdu, 8),
            read.toByteArray());
      } else if (type == PduType.C2H_DATA.code) {
        int len = pdu.getIntLE(Pdu.DATA_LENGTH);
        byte[] d = new byte[len];
        pdu.getBytes(dataStart, d);
        if (dataDigest && crc.compute(pdu, dataStart, len) != pdu.getIntLE(dataStart + len)) {
          throw new IOException("bad data digest from target");
        }
        read.write(d);
        if ((Pdu.flags(pdu, 0) & Pdu.FLAG_SUCCESS) != 0) {
          return new Completion(cid, Status.SUCCESS, 0, 0, 0, read.toByteArray());
        }
      } else if (type == PduType.R2T.code) {
        int cccid = pdu.getUnsignedShortLE(Pdu.DATA_CCCID);
        int ttag = pdu.getUnsignedShortLE(Pdu.DATA_TTAG);
        int r2to = pdu.getIntLE(Pdu.DATA_OFFSET);
        int r2tl = pdu.getIntLE(Pdu.DATA_LENGTH);
        int max = (int) icResp.maxH2cData();
        for (int off = 0; off < r2tl; off += max) {
          int n = Math.min(max, r2tl - off);
          sendRaw(h2cData(cccid, ttag, r2to + off, writeData, r2to + off, n, off + n == r2tl));
        }
      } else if (type == PduType.C2H_TERM_REQ.code) {
        throw new TermReqReceived(pdu.getUnsignedShortLE(8), pdu.getIntLE(10));
      } else {
        throw new IOException("unexpected PDU type " + type);
      }
    }
  }

  /** The target ended the connection with a C2HTermReq. */
  public static final class TermReqReceived extends IOException {
    public final int fes;
    public final int fei;

    TermReqReceived(int fes, int fei) {
      super("C2HTermReq fes=" + fes + " fei=" + fei);
      this.fes = fes;
      this.fei = fei;
    }
  }

  /** Reads one whole PDU. */
  public ByteBuf readPdu() throws IOException {
    byte[] ch = new byte[8];
    in.readFully(ch);
    ByteBuf h = Unpooled.wrappedBuffer(ch);
    long plen = Pdu.plen(h, 0);
    if (plen < 8 || plen > (64 << 20)) {
      throw new IOException("bad PLEN " + plen);
    }
    byte[] all = new byte[(int) plen];
    System.arraycopy(ch, 0, all, 0, 8);
    in.readFully(all, 8, all.length - 8);
    return Unpooled.wrappedBuffer(all);
  }

  /** True if the target closed the connection (EOF) within the socket timeout. */
  public boolean closedByPeer() throws IOException {
    try {
      while (true) {
        if (in.read() < 0) {
          return true;
        }
      }
    } catch (EOFException | java.net.SocketException e) {
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    }
  }

  public void sendRaw(ByteBuf b) throws IOException {
    out.write(toArray(b));
    out.flush();
  }

  public void sendRaw(byte[] b) throws IOException {
    out.write(b);
    out.flush();
  }

  public InputStream input() {
    return in;
  }

  /** The underlying socket, for tests that half-close, reset or time out connections. */
  public Socket socket() {
    return socket;
  }

  public boolean headerDigest() {
    return headerDigest;
  }

  public boolean dataDigest() {
    return dataDigest;
  }

  public int nextCid() {
    return allocateCid();
  }

  public static Completion check(Completion c) throws IOException {
    if (!c.ok()) {
      throw new IOException("command failed: " + c);
    }
    return c;
  }

  static byte[] toArray(ByteBuf b) {
    byte[] a = new byte[b.readableBytes()];
    b.getBytes(b.readerIndex(), a);
    return a;
  }

  // ---- Helpers for the command-level conformance tests (io.weft.tgt.core) ----

  private final java.util.Set<Integer> reservedCids = new java.util.HashSet<>();
  private final java.util.Map<Integer, Completion> arrived = new java.util.LinkedHashMap<>();
  private final java.util.Map<Integer, java.io.ByteArrayOutputStream> c2hData =
      new java.util.HashMap<>();

  private int allocateCid() {
    int cid;
    do {
      cid = nextCid++ & 0xFFFF;
    } while (reservedCids.contains(cid));
    return cid;
  }

  /** Keeps {@code cid} out of automatic allocation, as the Linux host keeps CID 31 for its AER. */
  public void reserveCid(int cid) {
    reservedCids.add(cid);
  }

  /** A Connect with every SQE and data field chosen by the caller; an admin success sets cntlid. */
  public Completion connectWith(
      int recfmt, int qid, int sqsize, int cattr, int katoMs, ConnectData data) throws IOException {
    ByteBuf b = Unpooled.buffer(ConnectData.SIZE);
    data.encode(b);
    Completion c =
        command(
            sqe -> {
              sqe.setByte(Sqe.OPCODE, Opcodes.FABRICS);
              sqe.setByte(Sqe.FCTYPE, Opcodes.FCTYPE_CONNECT);
              sqe.setIntLE(Sqe.CDW10, recfmt & 0xFFFF | qid << 16);
              sqe.setIntLE(Sqe.CDW11, sqsize & 0xFFFF | (cattr & 0xFF) << 16);
              sqe.setIntLE(Sqe.CDW12, katoMs);
            },
            toArray(b),
            0);
    if (qid == 0 && c.ok()) {
      cntlid = (int) (c.result() & 0xFFFF);
    }
    return c;
  }

  /** Get Log Page with the Retain Asynchronous Event bit (CDW10 bit 15) chosen. */
  public Completion getLogPage(int lid, int nsid, int bytes, long offset, boolean rae)
      throws IOException {
    int numd = bytes / 4 - 1;
    return adminData(
        Opcodes.ADMIN_GET_LOG_PAGE,
        nsid,
        lid | (rae ? 1 << 15 : 0) | (numd & 0xFFFF) << 16,
        numd >>> 16,
        (int) offset,
        (int) (offset >>> 32),
        bytes);
  }

  /**
   * Sends one command whose SGL descriptor is given verbatim (identifier and length), with optional
   * in-capsule data, and waits for its completion. For tests of the target's descriptor checks.
   */
  public Completion commandWithSgl(
      Consumer<ByteBuf> sqeSetup, int sglIdentifier, int sglLength, byte[] inCapsuleData)
      throws IOException {
    int cid = allocateCid();
    ByteBuf sqe = Unpooled.buffer(64).writeZero(64);
    sqe.setByte(Sqe.FLAGS, Sqe.FLAGS_PSDT_SGL);
    sqeSetup.accept(sqe);
    sqe.setShortLE(Sqe.CID, cid);
    Sgl.write(sqe, 0, 0, sglLength, sglIdentifier);
    sendRaw(capsule(toArray(sqe), inCapsuleData));
    return awaitCompletion(cid, null);
  }

  /**
   * Sends a command without waiting: no data, or {@code readBytes} of C2H data. Returns its CID;
   * collect the completion with {@link #await} or {@link #poll}.
   */
  public int submit(Consumer<ByteBuf> sqeSetup, int cid, int readBytes) throws IOException {
    sendCapsule(sqeSetup, cid, null, readBytes, 0);
    return cid;
  }

  public int submit(Consumer<ByteBuf> sqeSetup, int readBytes) throws IOException {
    return submit(sqeSetup, allocateCid(), readBytes);
  }

  /** Submits an Asynchronous Event Request with the given CID (Linux uses 31). */
  public int asyncEventRequest(int cid) throws IOException {
    return submit(sqe -> sqe.setByte(Sqe.OPCODE, Opcodes.ADMIN_ASYNC_EVENT_REQUEST), cid, 0);
  }

  /** The completion of {@code cid}; completions of other commands that arrive first are kept. */
  public Completion await(int cid) throws IOException {
    while (true) {
      Completion c = arrived.remove(cid);
      if (c != null) {
        return c;
      }
      Completion next = nextCompletion();
      arrived.put(next.cid(), next);
    }
  }

  /** The next completion of any command, or null if none comes within {@code millis}. */
  public Completion poll(int millis) throws IOException {
    if (!arrived.isEmpty()) {
      Integer first = arrived.keySet().iterator().next();
      return arrived.remove(first);
    }
    int old = socket.getSoTimeout();
    socket.setSoTimeout(millis);
    try {
      return nextCompletion();
    } catch (SocketTimeoutException e) {
      return null;
    } finally {
      socket.setSoTimeout(old);
    }
  }

  /** Reads PDUs until one completes a command: a CapsuleResp, or a C2HData with SUCCESS. */
  private Completion nextCompletion() throws IOException {
    while (true) {
      ByteBuf pdu = readPdu();
      int type = Pdu.type(pdu, 0);
      int dataStart = Pdu.hlen(pdu, 0) + (headerDigest ? 4 : 0);
      if (type == PduType.CAPSULE_RESP.code) {
        int c = Cqe.cid(pdu, 8);
        java.io.ByteArrayOutputStream d = c2hData.remove(c);
        return new Completion(
            c,
            Cqe.status(pdu, 8),
            Cqe.result(pdu, 8),
            Cqe.sqhd(pdu, 8),
            Cqe.sqid(pdu, 8),
            d == null ? new byte[0] : d.toByteArray());
      } else if (type == PduType.C2H_DATA.code) {
        int c = pdu.getUnsignedShortLE(Pdu.DATA_CCCID);
        int len = pdu.getIntLE(Pdu.DATA_LENGTH);
        byte[] d = new byte[len];
        pdu.getBytes(dataStart, d);
        c2hData.computeIfAbsent(c, k -> new java.io.ByteArrayOutputStream()).write(d);
        if ((Pdu.flags(pdu, 0) & Pdu.FLAG_SUCCESS) != 0) {
          return new Completion(c, Status.SUCCESS, 0, 0, 0, c2hData.remove(c).toByteArray());
        }
      } else if (type == PduType.C2H_TERM_REQ.code) {
        throw new TermReqReceived(pdu.getUnsignedShortLE(8), pdu.getIntLE(10));
      } else {
        throw new IOException("unexpected PDU type " + type + " while waiting for completions");
      }
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
