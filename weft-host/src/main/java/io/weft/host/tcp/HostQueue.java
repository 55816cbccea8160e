package io.weft.host.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.weft.host.Command;
import io.weft.protocol.nvme.Cqe;
import io.weft.protocol.nvme.Sgl;
import io.weft.protocol.nvme.Sqe;
import io.weft.protocol.tcp.Crc32cDigest;
import io.weft.protocol.tcp.FatalErrorStatus;
import io.weft.protocol.tcp.IcReq;
import io.weft.protocol.tcp.IcResp;
import io.weft.protocol.tcp.Pdu;
import io.weft.protocol.tcp.PduFrameDecoder;
import io.weft.protocol.tcp.PduType;
import io.weft.protocol.tcp.PduWriter;
import io.weft.protocol.tcp.SlotBuffers;
import io.weft.protocol.tcp.TermReqPdu;
import io.weft.protocol.tcp.TransportException;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host side of one NVMe/TCP connection (one queue): connection initialization, command
 * capsules, C2HData into the caller's buffer, H2CData in answer to R2T, completions. Runs on one
 * event loop; {@link #submit} may be called from any thread.
 *
 * <p>Command IDs carry the slot in bits 11:0 and a 4-bit generation in bits 15:12 (as the Linux
 * host does), so a late or duplicated completion for a reused slot is recognised and refused.
 */
public final class HostQueue extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(HostQueue.class);

  /** Told when the queue's connection ends, with every command it had not completed. */
  public interface LossListener {
    void queueLost(HostQueue queue, List<Command> unfinished, Throwable cause);
  }

  private static final int ADMIN_IN_CAPSULE = 8192;

  private final PduFrameDecoder decoder;
  private final Crc32cDigest digest = new Crc32cDigest();
  private final boolean wantHeaderDigest;
  private final boolean wantDataDigest;
  private final CompletableFuture<IcResp> initialized = new CompletableFuture<>();
  private ChannelHandlerContext ctx;
  private boolean headerDigest;
  private boolean dataDigest;
  private int maxH2cData;

  private int qid;
  private int inCapsuleLimit = ADMIN_IN_CAPSULE;
  private Command[] inflight;
  private int[] generations;
  private int[] free;
  private int freeCount;
  private final ArrayDeque<Command> backlog = new ArrayDeque<>();

  /** Per slot, the buffer its commands' CapsuleCmd headers are written into. */
  private SlotBuffers capsules;

  private long ioTimeoutNanos = TimeUnit.SECONDS.toNanos(30);

  /** The once-a-second timeout check; ended with the queue, as its loop may outlive it. */
  private ScheduledFuture<?> timeoutChecks;

  private LossListener lossListener;
  private boolean lost;

  private PduWriter writer;

  public HostQueue(PduFrameDecoder decoder, boolean headerDigest, boolean dataDigest, int depth) {
    this.decoder = decoder;
    this.wantHeaderDigest = headerDigest;
    this.wantDataDigest = dataDigest;
    resize(depth);
  }

  /** Receivable PDU types of a host, for its frame decoder. */
  public static PduType[] receivableTypes() {
    return new PduType[] {
      PduType.IC_RESP, PduType.CAPSULE_RESP, PduType.C2H_DATA, PduType.R2T, PduType.C2H_TERM_REQ
    };
  }

  private void resize(int depth) {
    if (depth < 1 || depth > 4096) {
      throw new IllegalArgumentException("queue depth must be 1..4096: " + depth);
    }
    inflight = new Command[depth];
    capsules = new SlotBuffers(depth);
    generations = new int[depth];
    free = new int[depth];
    for (int i = 0; i < depth; i++) {
      free[i] = depth - 1 - i;
    }
    freeCount = depth;
  }

  /** Completes when the ICResp arrived (digests and MAXH2CDATA are then known). */
  public CompletableFuture<IcResp> initialized() {
    return initialized;
  }

  /** After Connect: the QID, the in-capsule limit (IOCCSZ) and the I/O timeout. */
  public void configure(int qid, int inCapsuleLimit, long ioTimeoutNanos, LossListener listener) {
    this.qid = qid;
    this.inCapsuleLimit = qid == 0 ? ADMIN_IN_CAPSULE : inCapsuleLimit;
    this.ioTimeoutNanos = ioTimeoutNanos;
    this.lossListener = listener;
  }

  public void setLossListener(LossListener listener) {
    ctx.executor().execute(() -> this.lossListener = listener);
  }

  public int qid() {
    return qid;
  }

  public Channel channel() {
    return ctx.channel();
  }

  public boolean inEventLoop() {
    return ctx.executor().inEventLoop();
  }

  // ---- Netty events ----

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    ByteBuf out = ctx.alloc().buffer(IcReq.SIZE);
    new IcReq(0, 0, wantHeaderDigest, wantDataDigest, 0).encode(out);
    ctx.writeAndFlush(out);
    timeoutChecks = ctx.executor().scheduleAtFixedRate(this::checkTimeouts, 1, 1, TimeUnit.SECONDS);
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.writer = new PduWriter(ctx);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf frame = (ByteBuf) msg;
    writer.readBatchStarted();
    try {
      if (!lost) {
        onPdu(frame);
      }
    } catch (TransportException e) {
      fail(e);
    } finally {
      frame.release();
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    writer.readBatchEnded();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    lose(new IOException("connection closed by the target"));
    // Nothing is sent after the loss, so the slots' capsule buffers can go back to the pool.
    capsules.releaseAll();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    Throwable t = PduFrameDecoder.cause(cause);
    fail(t);
  }

  private void fail(Throwable cause) {
    if (cause instanceof TransportException te && ctx.channel().isActive()) {
      // Tell the target why, as the spec asks; then drop the connection.
      ByteBuf term =
          TermReqPdu.encode(
              ctx.alloc(), PduType.H2C_TERM_REQ, te.fes(), te.fei(), te.offendingHeader());
      // Close once the TermReq is out: closing at once could turn it into a reset.
      ctx.writeAndFlush(term).addListener(ChannelFutureListener.CLOSE);
      lose(cause);
      return;
    }
    lose(cause);
    ctx.close();
  }

  /** Ends the queue: every unfinished command goes to the loss listener. */
  private void lose(Throwable cause) {
    if (lost) {
      return;
    }
    lost = true;
    if (timeoutChecks != null) {
      timeoutChecks.cancel(false);
    }
    if (!initialized.isDone()) {
      initialized.completeExceptionally(cause);
    }
    List<Command> unfinished = new ArrayList<>();
    for (int i = 0; i < inflight.length; i++) {
      if (inflight[i] != null) {
        unfinished.add(inflight[i]);
        inflight[i] = null;
      }
    }
    unfinished.addAll(backlog);
    backlog.clear();
    if (lossListener != null) {
      lossListener.queueLost(this, unfinished, cause);
    } else {
      for (Command c : unfinished) {
        c.status = io.weft.host.HostStatus.CONTROLLER_LOST;
        c.callback.completed(c);
      }
    }
  }

  /** Closes the connection; unfinished commands go to the loss listener. */
  public void close() {
    ctx.executor()
        .execute(
            () -> {
              lose(new IOException("queue closed"));
              ctx.close();
            });
  }

  // ---- receive ----

  private void onPdu(ByteBuf frame) {
    PduType type = PduType.of(Pdu.type(frame, 0));
    if (!initialized.isDone()) {
      if (type != PduType.IC_RESP) {
        throw seqError(frame, "expected ICResp, got " + type);
      }
      onIcResp(frame);
      return;
    }
    switch (type) {
      case CAPSULE_RESP -> onCapsuleResp(frame);
      case C2H_DATA -> onC2hData(frame);
      case R2T -> onR2t(frame);
      case C2H_TERM_REQ -> {
        int fes = TermReqPdu.fes(frame, 0);
        log.warn(
            "queue {}: target terminated the connection: {}", qid, FatalErrorStatus.describe(fes));
        lose(new IOException("target sent C2HTermReq: " + FatalErrorStatus.describe(fes)));
        ctx.close();
      }
      default -> throw seqError(frame, "unexpected " + type);
    }
  }

  private void onIcResp(ByteBuf frame) {
    IcResp resp = IcResp.decode(frame, 0);
    if (resp.pfv() != 0
        || resp.cpda() != 0
        || resp.headerDigest() != wantHeaderDigest
        || resp.dataDigest() != wantDataDigest
        || resp.maxH2cData() < 4096
        || (resp.maxH2cData() & 3) != 0) {
      throw new TransportException(
          FatalErrorStatus.UNSUPPORTED_PARAMETER,
          IcResp.CPDA,
          header(frame),
          "unusable ICResp " + resp);
    }
    headerDigest = resp.headerDigest();
    dataDigest = resp.dataDigest();
    maxH2cData = (int) Math.min(resp.maxH2cData(), Integer.MAX_VALUE);
    decoder.enableDigests(headerDigest, dataDigest);
    initialized.complete(resp);
  }

  private Command lookup(ByteBuf frame, int cid, int fieldOffset) {
    int slot = cid & 0xFFF;
    Command c = slot < inflight.length ? inflight[slot] : null;
    if (c == null || generations[slot] != cid >>> 12) {
      throw new TransportException(
          FatalErrorStatus.INVALID_HEADER_FIELD,
          fieldOffset,
          header(frame),
          "unknown command ID " + cid);
    }
    return c;
  }

  private void onCapsuleResp(ByteBuf frame) {
    int cid = Cqe.cid(frame, Pdu.CAPSULE_CQE);
    Command c = lookup(frame, cid, Pdu.CAPSULE_CQE + Cqe.CID);
    c.sqhd = Cqe.sqhd(frame, Pdu.CAPSULE_CQE);
    finish(cid & 0xFFF, c, Cqe.status(frame, Pdu.CAPSULE_CQE), Cqe.result(frame, Pdu.CAPSULE_CQE));
  }

  private void onC2hData(ByteBuf frame) {
    int cid = frame.getUnsignedShortLE(Pdu.DATA_CCCID);
    Command c = lookup(frame, cid, Pdu.DATA_CCCID);
    long offset = frame.getUnsignedIntLE(Pdu.DATA_OFFSET);
    long length = frame.getUnsignedIntLE(Pdu.DATA_LENGTH);
    int dataStart = Pdu.dataOffset(PduType.C2H_DATA.headerLength, headerDigest);
    boolean ddgst = (Pdu.flags(frame, 0) & Pdu.FLAG_DDGSTF) != 0;
    int carried = frame.readableBytes() - dataStart - (ddgst ? Pdu.DIGEST_SIZE : 0);
    if (!c.readsData() || length != carried || offset + length > c.dataLength) {
      throw new TransportException(
          FatalErrorStatus.DATA_TRANSFER_OUT_OF_RANGE,
          Pdu.DATA_LENGTH,
          header(frame),
          "C2HData " + offset + "+" + length + " for a " + c.dataLength + "-byte read");
    }
    int status = 0;
    if (ddgst && digest.compute(frame, dataStart, carried) != frame.getIntLE(dataStart + carried)) {
      status = io.weft.protocol.nvme.Status.DATA_TRANSFER_ERROR;
    }
    c.data.setBytes(c.dataIndex + (int) offset, frame, dataStart, carried);
    if ((Pdu.flags(frame, 0) & Pdu.FLAG_SUCCESS) != 0) {
      finish(cid & 0xFFF, c, status, 0);
    } else if (status != 0) {
      c.status = status; // reported when the CapsuleResp comes
    }
  }

  private void onR2t(ByteBuf frame) {
    int cid = frame.getUnsignedShortLE(Pdu.DATA_CCCID);
    Command c = lookup(frame, cid, Pdu.DATA_CCCID);
    int ttag = frame.getUnsignedShortLE(Pdu.DATA_TTAG);
    long offset = frame.getUnsignedIntLE(Pdu.DATA_OFFSET);
    long length = frame.getUnsignedIntLE(Pdu.DATA_LENGTH);
    if (!c.writesData() || length == 0 || offset + length > c.dataLength) {
      throw new TransportException(
          FatalErrorStatus.DATA_TRANSFER_OUT_OF_RANGE,
          Pdu.DATA_LENGTH,
          header(frame),
          "R2T " + offset + "+" + length + " for a " + c.dataLength + "-byte write");
    }
    int hlen = PduType.H2C_DATA.headerLength;
    int dataStart = Pdu.dataOffset(hlen, headerDigest);
    for (long sent = 0; sent < length; ) {
      int n = (int) Math.min(maxH2cData, length - sent);
      boolean last = sent + n == length;
      ByteBuf hdr = ctx.alloc().directBuffer(dataStart);
      int flags =
          (last ? Pdu.FLAG_LAST_PDU : 0)
              | (headerDigest ? Pdu.FLAG_HDGSTF : 0)
              | (dataDigest ? Pdu.FLAG_DDGSTF : 0);
      Pdu.writeCommonHeader(
          hdr, PduType.H2C_DATA, flags, dataStart, dataStart + n + (dataDigest ? 4 : 0));
      hdr.writeShortLE(cid);
      hdr.writeShortLE(ttag);
      hdr.writeIntLE((int) (offset + sent));
      hdr.writeIntLE(n);
      hdr.writeIntLE(0);
      if (headerDigest) {
        hdr.writeIntLE(digest.compute(hdr, 0, hlen));
      }
      writer.write(hdr);
      writeData(c.data, c.dataIndex + (int) (offset + sent), n);
      sent += n;
    }
    writer.scheduleFlush();
  }

  private void finish(int slot, Command c, int status, long result) {
    inflight[slot] = null;
    free[freeCount++] = slot;
    c.status = c.status != 0 && io.weft.protocol.nvme.Status.isSuccess(status) ? c.status : status;
    c.result = result;
    c.callback.completed(c);
    if (!backlog.isEmpty() && freeCount > 0) {
      send(backlog.poll());
    }
  }

  // ---- submit ----

  /** Queues a command; it goes out at once if a slot is free. Any thread. */
  public void submit(Command c) {
    if (ctx.executor().inEventLoop()) {
      submitInLoop(c);
    } else {
      ctx.executor().execute(() -> submitInLoop(c));
    }
  }

  private void submitInLoop(Command c) {
    c.status = 0;
    c.sqhd = -1;
    if (lost) {
      c.status = io.weft.host.HostStatus.CONTROLLER_LOST;
      if (lossListener != null) {
        lossListener.queueLost(this, List.of(c), new IOException("queue closed"));
      } else {
        c.callback.completed(c);
      }
      return;
    }
    if (freeCount == 0) {
      backlog.add(c);
      return;
    }
    send(c);
  }

  private void send(Command c) {
    int slot = free[--freeCount];
    int gen = (generations[slot] + 1) & 0xF;
    generations[slot] = gen;
    int cid = gen << 12 | slot;
    inflight[slot] = c;
    c.submittedNanos = System.nanoTime();
    boolean inCapsule = c.writesData() && c.dataLength <= inCapsuleLimit;
    int hlen = PduType.CAPSULE_CMD.headerLength;
    int hd = headerDigest ? Pdu.DIGEST_SIZE : 0;
    int dataBytes = inCapsule ? c.dataLength : 0;
    int dd = inCapsule && dataDigest ? Pdu.DIGEST_SIZE : 0;
    int plen = hlen + hd + dataBytes + dd;
    ByteBuf hdr = capsules.take(ctx.alloc(), slot, hlen + hd);
    Pdu.writeCommonHeader(
        hdr,
        PduType.CAPSULE_CMD,
        (hd > 0 ? Pdu.FLAG_HDGSTF : 0) | (dd > 0 ? Pdu.FLAG_DDGSTF : 0),
        inCapsule ? hlen + hd : 0,
        plen);
    int sqe = hdr.writerIndex();
    hdr.writeZero(Sqe.SIZE);
    hdr.setByte(sqe + Sqe.OPCODE, c.opcode);
    hdr.setByte(sqe + Sqe.FLAGS, Sqe.FLAGS_PSDT_SGL);
    hdr.setShortLE(sqe + Sqe.CID, cid);
    if (c.fctype >= 0) {
      hdr.setByte(sqe + Sqe.FCTYPE, c.fctype);
    } else {
      hdr.setIntLE(sqe + Sqe.NSID, c.nsid);
    }
    hdr.setIntLE(sqe + Sqe.CDW10, c.cdw10);
    hdr.setIntLE(sqe + Sqe.CDW11, c.cdw11);
    hdr.setIntLE(sqe + Sqe.CDW12, c.cdw12);
    hdr.setIntLE(sqe + Sqe.CDW13, c.cdw13);
    hdr.setIntLE(sqe + Sqe.CDW14, c.cdw14);
    hdr.setIntLE(sqe + Sqe.CDW15, c.cdw15);
    Sgl.write(
        hdr, sqe, 0, c.dataLength, inCapsule ? Sgl.DATA_BLOCK_OFFSET : Sgl.TRANSPORT_DATA_BLOCK);
    if (hd > 0) {
      hdr.writeIntLE(digest.compute(hdr, 0, hlen));
    }
    writer.write(hdr);
    if (inCapsule) {
      writeData(c.data, c.dataIndex, c.dataLength);
    }
    writer.scheduleFlush();
  }

  /** Writes data without copying, followed by its digest if negotiated. */
  private void writeData(ByteBuf src, int index, int length) {
    ByteBuf slice = src.retainedSlice(index, length);
    if (dataDigest) {
      int crc = digest.compute(slice, 0, length);
      writer.write(slice);
      writer.writeDigest(crc);
    } else {
      writer.write(slice);
    }
  }

  /** A command that has not completed within the I/O timeout starts error recovery. */
  private void checkTimeouts() {
    if (lost || ioTimeoutNanos <= 0) {
      return;
    }
    long now = System.nanoTime();
    for (Command c : inflight) {
      if (c != null && !c.waitsForEvent && now - c.submittedNanos > ioTimeoutNanos) {
        log.warn(
            "queue {}: command opcode 0x{} timed out, resetting the connection",
            qid,
            Integer.toHexString(c.opcode));
        lose(new IOException("command timeout"));
        ctx.close();
        return;
      }
    }
  }

  private static byte[] header(ByteBuf frame) {
    int n =
        Math.min(Math.min(Pdu.hlen(frame, 0), frame.readableBytes()), TermReqPdu.MAX_ERROR_DATA);
    byte[] h = new byte[n];
    frame.getBytes(0, h);
    return h;
  }

  private static TransportException seqError(ByteBuf frame, String message) {
    return new TransportException(FatalErrorStatus.PDU_SEQUENCE_ERROR, 0, header(frame), message);
  }
}
