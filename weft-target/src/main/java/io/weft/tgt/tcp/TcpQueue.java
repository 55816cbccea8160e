package io.weft.tgt.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;
import io.weft.protocol.fabrics.ConnectCommand;
import io.weft.protocol.nvme.Cqe;
import io.weft.protocol.nvme.Opcodes;
import io.weft.protocol.nvme.Sgl;
import io.weft.protocol.nvme.Sqe;
import io.weft.protocol.nvme.Status;
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
import io.weft.tgt.core.CommandDispatcher;
import io.weft.tgt.core.Controller;
import io.weft.tgt.core.IoTimings;
import io.weft.tgt.core.PortInfo;
import io.weft.tgt.core.QueueContext;
import io.weft.tgt.core.Request;
import io.weft.tgt.core.TargetCore;
import java.io.IOException;
import java.net.SocketException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One NVMe/TCP connection = one queue (NVMe/TCP Transport 1.0). Runs on a single event loop: the
 * connection handshake (ICReq/ICResp), command capsules, the R2T/H2CData flow for writes, C2HData
 * and CapsuleResp for completions, and fatal errors (C2HTermReq, then close).
 *
 * <p>Command slots are sized when the queue is connected (queue size entries) and each slot's
 * request is made the first time the slot is used, then kept. Free slots are taken in the order
 * they were freed ({@link FreeSlots}), so a queue that lives long enough uses, and keeps a request
 * for, every slot: an idle admin queue's keep-alives go round all of them. The slot index is the
 * transfer tag of its R2Ts. Completions are written without a flush and flushed once per read batch
 * or per task-queue pass, so a burst of commands costs one write system call. While the connection
 * is not writable a completed command keeps its slot until its answer is written, so the queue size
 * also bounds the answers waiting for a host that does not read them.
 */
final class TcpQueue extends ChannelInboundHandlerAdapter implements QueueContext {
  private static final Logger log = LoggerFactory.getLogger(TcpQueue.class);

  /** How long a connection may stay half-open after a C2HTermReq before it is closed. */
  static final int TERM_REQ_LINGER_SECONDS = 5;

  /** The admin queue and every Fabrics command take up to 8 KiB in-capsule, whatever IOCCSZ. */
  static final int ADMIN_IN_CAPSULE = 8192;

  private enum State {
    AWAIT_ICREQ,
    READY,
    CLOSED
  }

  private final TargetCore core;
  private final CommandDispatcher dispatcher;
  private final PortInfo port;
  private final PduFrameDecoder decoder;
  private final Crc32cDigest digest = new Crc32cDigest();
  private final int inCapsuleLimit;
  private final int maxH2cData;
  private ChannelHandlerContext ctx;
  private State state = State.AWAIT_ICREQ;
  private boolean headerDigest;
  private boolean dataDigest;

  private Controller controller;
  private int qid = -1;
  private boolean sqFlowDisabled;

  /** Successful reads end with the SUCCESS flag even under SQ flow control (see the tuning). */
  private final boolean c2hSuccessAlways;

  private int sqSize = 1;
  private int sqHead;
  private Request[] slots;

  /**
   * Per slot, the buffers its answers' PDU headers are written into: R2Ts, CapsuleResps and the
   * C2HData headers of lent reads (heads), and what follows lent data (tails: the data digest and
   * the CapsuleResp).
   */
  private SlotBuffers heads = new SlotBuffers(0);

  private SlotBuffers tails = new SlotBuffers(0);

  private FreeSlots freeSlots;
  private boolean[] digestFailed;

  /** Per slot: an R2T went out and not all of its H2C data has come in. */
  private boolean[] awaitingData;

  private final long openedNanos = System.nanoTime();
  private volatile long lastActivity = openedNanos;

  /**
   * The clock when this read batch began (0 before its first PDU): when every capsule in it
   * arrived, read once per batch for the latency histograms and the keep-alive deadline alike.
   */
  private long batchNanos;

  /** Commands until the next one whose phases are timed ({@link IoTimings#phaseSample()}). */
  private int untilPhased = 1;

  private final int phaseSample = IoTimings.phaseSample();
  private PduWriter writer;

  /**
   * This queue's loop among the loops that record I/O timings; taken on the loop when first used.
   */
  private int timingLoop = -1;

  TcpQueue(TargetCore core, PortInfo port, PduFrameDecoder decoder) {
    this.core = core;
    this.dispatcher = core.dispatcher();
    this.port = port;
    this.decoder = decoder;
    this.inCapsuleLimit = core.tuning().inCapsuleDataSize();
    this.maxH2cData = core.tuning().maxH2cData();
    this.c2hSuccessAlways = core.tuning().c2hSuccessAlways();
    allocateSlots(1);
  }

  /** Largest data a received PDU of each type may carry on this target. */
  static long maxDataLength(PduType type, int inCapsule, int maxH2cData) {
    return switch (type) {
      case CAPSULE_CMD -> Math.max(inCapsule, ADMIN_IN_CAPSULE);
      case H2C_DATA -> maxH2cData;
      default -> 0;
    };
  }

  private void allocateSlots(int n) {
    slots = new Request[n];
    // Buffers of the old table still queued are freed by the channel once sent.
    heads.releaseAll();
    tails.releaseAll();
    heads = new SlotBuffers(n);
    tails = new SlotBuffers(n);
    freeSlots = new FreeSlots(n);
    digestFailed = new boolean[n];
    awaitingData = new boolean[n];
  }

  // ---- Netty events ----

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
      if (state == State.CLOSED) {
        return;
      }
      onPdu(frame);
    } catch (TransportException e) {
      fatal(e);
    } finally {
      frame.release();
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    batchNanos = 0;
    writer.readBatchEnded();
  }

  private long batchNanos() {
    if (batchNanos == 0) {
      batchNanos = System.nanoTime();
      lastActivity = batchNanos;
    }
    return batchNanos;
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    state = State.CLOSED;
    heads.releaseAll();
    tails.releaseAll();
    for (Request r : slots) {
      if (r != null
          && r.inUse
          && r.direction == Request.Direction.HOST_TO_CONTROLLER
          && r.slot < awaitingData.length
          && awaitingData[r.slot]) {
        // Waiting for H2C data that will never come: nothing else holds this request.
        freeRequest(r);
      }
    }
    if (controller != null) {
      controller.queueClosed(this);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    Throwable t = PduFrameDecoder.cause(cause);
    if (t instanceof TransportException te) {
      fatal(te);
    } else if (t instanceof IOException || t instanceof SocketException) {
      log.debug("connection {} error: {}", remoteAddress(), t.toString());
      ctx.close();
    } else {
      log.warn("queue {} from {}: unexpected error, closing", qid, remoteAddress(), t);
      ctx.close();
    }
  }

  /** Sends a C2HTermReq for a fatal transport error, then closes the connection. */
  private void fatal(TransportException e) {
    if (state == State.CLOSED) {
      return;
    }
    state = State.CLOSED;
    log.warn(
        "queue {} from {}: fatal transport error, terminating: {}",
        qid,
        remoteAddress(),
        e.getMessage());
    // Input is still read, and dropped unframed, until the connection closes: closing a socket
    // with unread input resets it, and a reset throws away whatever the host has not received
    // yet, this C2HTermReq included. Once the C2HTermReq is out, the output side is shut (FIN);
    // the connection closes when the host closes its side, or after a grace period.
    if (ctx.pipeline().context(decoder) != null) {
      ctx.pipeline().remove(decoder);
    }
    ByteBuf term =
        TermReqPdu.encode(ctx.alloc(), PduType.C2H_TERM_REQ, e.fes(), e.fei(), e.offendingHeader());
    ctx.writeAndFlush(term).addListener((ChannelFutureListener) this::closeAfterTermReq);
  }

  private void closeAfterTermReq(ChannelFuture written) {
    Channel ch = ctx.channel();
    if (written.isSuccess() && ch instanceof DuplexChannel duplex && ch.isActive()) {
      duplex.shutdownOutput();
      ch.eventLoop().schedule(() -> ch.close(), TERM_REQ_LINGER_SECONDS, TimeUnit.SECONDS);
    } else {
      ch.close();
    }
  }

  // ---- inbound PDUs ----

  private void onPdu(ByteBuf frame) {
    PduType type = PduType.of(Pdu.type(frame, 0));
    if (state == State.AWAIT_ICREQ) {
      if (type != PduType.IC_REQ) {
        throw sequenceError(frame, "expected ICReq, got " + type);
      }
      onIcReq(frame);
      return;
    }
    switch (type) {
      case CAPSULE_CMD -> onCapsule(frame);
      case H2C_DATA -> onH2cData(frame);
      case H2C_TERM_REQ -> {
        log.warn(
            "queue {} from {}: host terminated the connection: {}",
            qid,
            remoteAddress(),
            FatalErrorStatus.describe(TermReqPdu.fes(frame, 0)));
        state = State.CLOSED;
        ctx.close();
      }
      default -> throw sequenceError(frame, "unexpected " + type);
    }
  }

  private void onIcReq(ByteBuf frame) {
    IcReq req = IcReq.decode(frame, 0);
    if (req.pfv() != 0) {
      throw new TransportException(
          FatalErrorStatus.INVALID_HEADER_FIELD, IcReq.PFV, header(frame), "PFV " + req.pfv());
    }
    if (req.hpda() != 0) {
      // Weft never pads C2H data PDUs, as the Linux host and target expect.
      throw new TransportException(
          FatalErrorStatus.UNSUPPORTED_PARAMETER, IcReq.HPDA, header(frame), "HPDA " + req.hpda());
    }
    headerDigest = req.headerDigest();
    dataDigest = req.dataDigest();
    ByteBuf out = ctx.alloc().buffer(IcResp.SIZE);
    new IcResp(0, 0, headerDigest, dataDigest, maxH2cData).encode(out);
    // One write: the Linux host reads the ICResp with a single receive.
    ctx.writeAndFlush(out);
    decoder.enableDigests(headerDigest, dataDigest);
    state = State.READY;
  }

  private void onCapsule(ByteBuf frame) {
    long arrived = batchNanos();
    if (freeSlots.count() == 0) {
      throw new TransportException(
          FatalErrorStatus.PDU_SEQUENCE_ERROR, 0, header(frame), "submission queue overrun");
    }
    int slot = freeSlots.take();
    Request r = slots[slot];
    if (r == null) {
      r = slots[slot] = new Request(slot, this);
    }
    r.load(frame, Pdu.CAPSULE_SQE);
    r.receivedNanos = arrived;
    if (IoTimings.ENABLED && --untilPhased == 0) {
      r.phased = true;
      untilPhased = phaseSample;
    }
    sqHead = sqHead + 1 == sqSize ? 0 : sqHead + 1;
    int dataStart = Pdu.dataOffset(PduType.CAPSULE_CMD.headerLength, headerDigest);
    boolean ddgst = (Pdu.flags(frame, 0) & Pdu.FLAG_DDGSTF) != 0;
    int dataLength = frame.readableBytes() - dataStart - (ddgst ? Pdu.DIGEST_SIZE : 0);
    if (dataLength > 0) {
      boolean fabricsOrAdmin = qid <= 0 || r.opcode == Opcodes.FABRICS;
      if (!fabricsOrAdmin && dataLength > inCapsuleLimit) {
        r.fail(Status.SGL_DATA_LENGTH_INVALID | Status.DNR, Sqe.DPTR + Sgl.LENGTH);
        return;
      }
      if (ddgst && !dataDigestMatches(frame, dataStart, dataLength)) {
        // A data digest error is not fatal (NVMe/TCP 1.0): fail the command, keep the queue.
        r.complete(Status.TRANSIENT_TRANSPORT_ERROR, 0);
        return;
      }
    }
    if (r.opcode == Opcodes.FABRICS
        && r.fctype == Opcodes.FCTYPE_CONNECT
        && !TlsIdentityCheck.connectAllowed(ctx, frame, dataStart, dataLength)) {
      r.fail(Status.CONNECT_INVALID_HOST | Status.DNR, Sqe.CDW10);
      return;
    }
    int status = dispatcher.prepare(this, r);
    if (status != Status.SUCCESS) {
      r.complete(status, 0);
      return;
    }
    switch (r.direction) {
      case HOST_TO_CONTROLLER -> {
        if (r.sglIdentifier == Sgl.DATA_BLOCK_OFFSET) {
          if (dataLength != r.transferLength || Sgl.address(frame, Pdu.CAPSULE_SQE) != 0) {
            r.fail(Status.SGL_DATA_LENGTH_INVALID | Status.DNR, Sqe.DPTR + Sgl.LENGTH);
            return;
          }
          // Zero copy: the request keeps a slice of the received capsule.
          r.data = frame.retainedSlice(dataStart, dataLength);
          dispatcher.execute(this, r);
        } else {
          if (dataLength > 0) {
            r.fail(Status.SGL_DESCRIPTOR_TYPE_INVALID | Status.DNR, Sqe.DPTR + Sgl.IDENTIFIER);
            return;
          }
          // Room for the data is made when it comes: one H2CData with all of it needs none.
          digestFailed[r.slot] = false;
          awaitingData[r.slot] = true;
          sendR2t(r);
        }
      }
      case CONTROLLER_TO_HOST -> {
        if (dataLength > 0) {
          r.fail(Status.SGL_DESCRIPTOR_TYPE_INVALID | Status.DNR, Sqe.DPTR + Sgl.IDENTIFIER);
          return;
        }
        ByteBuf loan = dispatcher.lendReadData(this, r);
        r.data = loan != null ? loan : c2hBuffer(r.transferLength);
        dispatcher.execute(this, r);
      }
      case NONE -> {
        if (dataLength > 0) {
          r.fail(Status.SGL_DATA_LENGTH_INVALID | Status.DNR, Sqe.DPTR + Sgl.LENGTH);
          return;
        }
        dispatcher.execute(this, r);
      }
    }
  }

  /** Asks for all of a command's data with one R2T (the Linux host allows one outstanding). */
  private void sendR2t(Request r) {
    int hlen = PduType.R2T.headerLength;
    int plen = hlen + (headerDigest ? Pdu.DIGEST_SIZE : 0);
    ByteBuf out = heads.take(ctx.alloc(), r.slot, plen);
    Pdu.writeCommonHeader(out, PduType.R2T, headerDigest ? Pdu.FLAG_HDGSTF : 0, 0, plen);
    out.writeShortLE(r.cid);
    out.writeShortLE(r.slot);
    out.writeIntLE(0);
    out.writeIntLE(r.transferLength);
    out.writeIntLE(0);
    appendHeaderDigest(out, 0, hlen);
    writer.write(out);
  }

  private void onH2cData(ByteBuf frame) {
    batchNanos();
    int cccid = frame.getUnsignedShortLE(Pdu.DATA_CCCID);
    int ttag = frame.getUnsignedShortLE(Pdu.DATA_TTAG);
    long offset = frame.getUnsignedIntLE(Pdu.DATA_OFFSET);
    long length = frame.getUnsignedIntLE(Pdu.DATA_LENGTH);
    Request r = ttag < slots.length ? slots[ttag] : null;
    if (r == null
        || !r.inUse
        || r.direction != Request.Direction.HOST_TO_CONTROLLER
        || r.sglIdentifier != Sgl.TRANSPORT_DATA_BLOCK
        || r.received >= r.transferLength) {
      throw new TransportException(
          FatalErrorStatus.INVALID_HEADER_FIELD,
          Pdu.DATA_TTAG,
          header(frame),
          "H2CData for transfer tag " + ttag + " that asked for none");
    }
    if (cccid != r.cid) {
      throw new TransportException(
          FatalErrorStatus.INVALID_HEADER_FIELD,
          Pdu.DATA_CCCID,
          header(frame),
          "H2CData CCCID " + cccid + " for command " + r.cid);
    }
    int dataStart = Pdu.dataOffset(PduType.H2C_DATA.headerLength, headerDigest);
    boolean ddgst = (Pdu.flags(frame, 0) & Pdu.FLAG_DDGSTF) != 0;
    int carried = frame.readableBytes() - dataStart - (ddgst ? Pdu.DIGEST_SIZE : 0);
    if (offset != r.received) {
      throw new TransportException(
          FatalErrorStatus.DATA_TRANSFER_OUT_OF_RANGE,
          Pdu.DATA_OFFSET,
          header(frame),
          "DATAO " + offset + ", expected " + r.received);
    }
    if (length != carried || length == 0 || offset + length > r.transferLength) {
      throw new TransportException(
          FatalErrorStatus.DATA_TRANSFER_OUT_OF_RANGE,
          Pdu.DATA_LENGTH,
          header(frame),
          "DATAL " + length + " at " + offset + " of " + r.transferLength);
    }
    boolean last = (Pdu.flags(frame, 0) & Pdu.FLAG_LAST_PDU) != 0;
    if (last != (offset + length == r.transferLength)) {
      throw new TransportException(
          FatalErrorStatus.PDU_SEQUENCE_ERROR,
          Pdu.FLAGS,
          header(frame),
          "LAST_PDU flag does not match the end of the transfer");
    }
    if (ddgst && !dataDigestMatches(frame, dataStart, (int) length)) {
      digestFailed[r.slot] = true;
    }
    if (offset == 0 && length == r.transferLength) {
      // All the data in one PDU, as hosts send it when MAXH2CDATA allows: keep the frame's slice
      // (as for in-capsule data) instead of copying it.
      r.data = frame.retainedSlice(dataStart, (int) length);
    } else {
      if (r.data == null) {
        r.data = ctx.alloc().directBuffer(r.transferLength, r.transferLength);
      }
      r.data.setBytes((int) offset, frame, dataStart, (int) length);
    }
    r.received += (int) length;
    if (r.received == r.transferLength) {
      awaitingData[r.slot] = false;
      r.data.writerIndex(r.transferLength);
      if (digestFailed[r.slot]) {
        // Nothing is written: the command fails and may be retried; the queue stays up.
        r.complete(Status.TRANSIENT_TRANSPORT_ERROR, 0);
      } else {
        dispatcher.execute(this, r);
      }
    }
  }

  private boolean dataDigestMatches(ByteBuf frame, int dataStart, int dataLength) {
    int expected = digest.compute(frame, dataStart, dataLength);
    return expected == frame.getIntLE(dataStart + dataLength);
  }

  private static byte[] header(ByteBuf frame) {
    int n =
        Math.min(Pdu.hlen(frame, 0), Math.min(frame.readableBytes(), TermReqPdu.MAX_ERROR_DATA));
    byte[] h = new byte[n];
    frame.getBytes(0, h);
    return h;
  }

  private static TransportException sequenceError(ByteBuf frame, String message) {
    return new TransportException(FatalErrorStatus.PDU_SEQUENCE_ERROR, 0, header(frame), message);
  }

  // ---- completions ----

  @Override
  public void complete(Request r) {
    if (state == State.CLOSED || !ctx.channel().isActive()) {
      freeRequest(r);
      return;
    }
    // While the connection cannot take more output, a command keeps its slot until its answer
    // has been written: a host that never reads what it asked for then runs into the queue size
    // (overrun) instead of making the target buffer answers without bound. A host that reads
    // cannot tell: the slot is free before the answer reaches it.
    boolean holdSlot = !ctx.channel().isWritable();
    int status = r.status;
    if (!Status.isSuccess(status)) {
      if (controller != null) {
        // More: the error log has an entry for this. A failed Connect has no controller and
        // no log, and the Linux host names Connect errors only when More is clear.
        controller.recordError(Math.max(qid, 0), r);
        status |= Status.MORE;
      }
    }
    if (r.direction == Request.Direction.CONTROLLER_TO_HOST && Status.isSuccess(status)) {
      ByteBuf pdus = r.data;
      r.data = null;
      boolean success = successFlag(r);
      if (r.lent) {
        writeLentC2hData(r, pdus, status, success);
      } else {
        encodeC2hData(r, pdus, success);
        if (!success) {
          appendCapsuleResp(pdus, r, status);
        }
        writer.write(pdus);
      }
    } else {
      ByteBuf out = heads.take(ctx.alloc(), r.slot, capsuleRespSize());
      appendCapsuleResp(out, r, status);
      writer.write(out);
    }
    if (IoTimings.ENABLED && r.reachedBackend && r.namespace != null) {
      if (timingLoop < 0) {
        timingLoop = IoTimings.loopIndex();
      }
      long now = System.nanoTime();
      if (r.phased) {
        r.namespace
            .timings()
            .record(
                timingLoop,
                r.opcode,
                r.transferLength,
                r.receivedNanos,
                r.submittedNanos,
                r.answeredNanos != 0 ? r.answeredNanos : now,
                now);
      } else {
        r.namespace.timings().record(timingLoop, r.opcode, r.transferLength, r.receivedNanos, now);
      }
    }
    if (holdSlot) {
      ChannelPromise written = ctx.newPromise();
      written.addListener(f -> freeRequest(r));
      ctx.write(Unpooled.EMPTY_BUFFER, written);
    } else {
      freeRequest(r);
    }
    writer.scheduleFlush();
  }

  /**
   * Whether a successful read's last C2HData carries the SUCCESS flag and stands in for its
   * CapsuleResp. The spec allows it on queues without SQ flow control; {@code c2hSuccessAlways}
   * uses it on every queue, as SPDK's target does. Either way only for a completion whose result is
   * 0: the host completes a SUCCESS read with result 0, so any other result needs the CapsuleResp
   * that carries it.
   */
  private boolean successFlag(Request r) {
    return (sqFlowDisabled || c2hSuccessAlways) && r.result == 0;
  }

  /**
   * Room for data going to the host, laid out so that the whole answer is one buffer: the C2HData
   * header (and digest) in front of the data, the data digest and the CapsuleResp behind it. The
   * data region starts at the reader index, where handlers and backends put it.
   */
  private ByteBuf c2hBuffer(int length) {
    int headroom = c2hDataOffset();
    int tail = (dataDigest ? Pdu.DIGEST_SIZE : 0) + capsuleRespSize();
    ByteBuf b = ctx.alloc().directBuffer(headroom + length + tail);
    b.writerIndex(headroom).readerIndex(headroom);
    return b;
  }

  /** Fills the C2HData header in front of the data and appends the data digest. */
  private void encodeC2hData(Request r, ByteBuf buf, boolean success) {
    int dataStart = buf.readerIndex();
    int len = r.transferLength;
    buf.setIndex(0, 0);
    writeC2hHeader(buf, r, success);
    buf.readerIndex(0).writerIndex(dataStart + len);
    if (dataDigest) {
      buf.writeIntLE(digest.compute(buf, dataStart, len));
    }
  }

  /**
   * Sends lent data (the backend's own memory) without copying it: the C2HData header, the data,
   * then its digest and the CapsuleResp (unless the SUCCESS flag stands in for it), in up to three
   * buffers that go out in one gathering write.
   */
  private void writeLentC2hData(Request r, ByteBuf data, int status, boolean success) {
    ByteBuf head = heads.take(ctx.alloc(), r.slot, c2hDataOffset());
    writeC2hHeader(head, r, success);
    int tailSize = (dataDigest ? Pdu.DIGEST_SIZE : 0) + (success ? 0 : capsuleRespSize());
    ByteBuf tail = tailSize == 0 ? null : tails.take(ctx.alloc(), r.slot, tailSize);
    if (dataDigest) {
      tail.writeIntLE(digest.compute(data, data.readerIndex(), r.transferLength));
    }
    if (!success) {
      appendCapsuleResp(tail, r, status);
    }
    writer.write(head);
    writer.write(data);
    if (tail != null) {
      writer.write(tail);
    }
  }

  /** Where a C2HData PDU's data starts: its header and the header digest come first. */
  private int c2hDataOffset() {
    return Pdu.dataOffset(PduType.C2H_DATA.headerLength, headerDigest);
  }

  /** Writes a C2HData header for all of the request's data (and its digest) at the writer index. */
  private void writeC2hHeader(ByteBuf out, Request r, boolean success) {
    int start = out.writerIndex();
    int dataStart = c2hDataOffset();
    int len = r.transferLength;
    int plen = dataStart + len + (dataDigest ? Pdu.DIGEST_SIZE : 0);
    int flags =
        Pdu.FLAG_LAST_PDU
            | (success ? Pdu.FLAG_SUCCESS : 0)
            | (headerDigest ? Pdu.FLAG_HDGSTF : 0)
            | (dataDigest ? Pdu.FLAG_DDGSTF : 0);
    Pdu.writeCommonHeader(out, PduType.C2H_DATA, flags, dataStart, plen);
    out.writeShortLE(r.cid);
    out.writeShortLE(0);
    out.writeIntLE(0);
    out.writeIntLE(len);
    out.writeIntLE(0);
    appendHeaderDigest(out, start, PduType.C2H_DATA.headerLength);
  }

  private int capsuleRespSize() {
    return PduType.CAPSULE_RESP.headerLength + (headerDigest ? Pdu.DIGEST_SIZE : 0);
  }

  /** Appends a CapsuleResp at the writer index. */
  private void appendCapsuleResp(ByteBuf out, Request r, int status) {
    int base = out.writerIndex();
    int hlen = PduType.CAPSULE_RESP.headerLength;
    Pdu.writeCommonHeader(
        out, PduType.CAPSULE_RESP, headerDigest ? Pdu.FLAG_HDGSTF : 0, 0, capsuleRespSize());
    out.writeZero(Cqe.SIZE);
    int sqhd = sqFlowDisabled ? 0 : sqHead;
    if (sqFlowDisabled
        && r.opcode == Opcodes.FABRICS
        && r.fctype == Opcodes.FCTYPE_CONNECT
        && Status.isSuccess(status)) {
      // The Connect response of a queue without SQ flow control says so with SQHD FFFFh.
      sqhd = ConnectCommand.SQHD_SQ_FLOW_DISABLED;
    }
    Cqe.write(out, base + Pdu.CAPSULE_CQE, r.result, sqhd, Math.max(qid, 0), r.cid, status);
    appendHeaderDigest(out, base, hlen);
  }

  private void appendHeaderDigest(ByteBuf out, int start, int hlen) {
    if (headerDigest) {
      out.writeIntLE(digest.compute(out, start, hlen));
    }
  }

  private void freeRequest(Request r) {
    if (r.data != null) {
      r.data.release();
      r.data = null;
    }
    if (r.namespace != null) {
      r.namespace.release();
      r.namespace = null;
    }
    if (r.inUse) {
      r.inUse = false;
      if (r.slot < slots.length && slots[r.slot] == r) {
        freeSlots.put(r.slot);
      }
    }
  }

  // ---- QueueContext ----

  @Override
  public int qid() {
    return qid;
  }

  @Override
  public Controller controller() {
    return controller;
  }

  @Override
  public void bind(Controller controller, int qid, int sqSize, boolean sqFlowDisabled) {
    this.controller = controller;
    this.qid = qid;
    this.sqFlowDisabled = sqFlowDisabled;
    this.sqSize = sqSize + 1;
    this.sqHead = sqFlowDisabled ? 0 : 1 % this.sqSize;
    // The Connect request still holds slot 0 of the old table; it frees into nothing.
    allocateSlots(sqSize + 1);
    if (state == State.CLOSED) {
      // An I/O queue Connect finishes after a hop through the admin queue's loop; if the
      // connection ended meanwhile, channelInactive found no controller to tell. Tell it now, or
      // it keeps the dead queue (and its QID) for good.
      controller.queueClosed(this);
    }
  }

  @Override
  public void close(String reason) {
    Channel ch = ctx.channel();
    if (ch.isOpen()) {
      log.debug("closing queue {} from {}: {}", qid, remoteAddress(), reason);
      ch.close();
    }
  }

  @Override
  public void closeAfterFlush(String reason) {
    execute(
        () ->
            ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER)
                .addListener((ChannelFutureListener) f -> close(reason)));
  }

  @Override
  public void execute(Runnable task) {
    ctx.executor().execute(task);
  }

  @Override
  public void schedule(Runnable task, long delayNanos) {
    ctx.executor().schedule(task, delayNanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public boolean inEventLoop() {
    return ctx.executor().inEventLoop();
  }

  @Override
  public ByteBufAllocator alloc() {
    return ctx.alloc();
  }

  @Override
  public String remoteAddress() {
    return ctx == null ? "?" : String.valueOf(ctx.channel().remoteAddress());
  }

  @Override
  public PortInfo port() {
    return port;
  }

  @Override
  public long lastActivityNanos() {
    return lastActivity;
  }

  @Override
  public long openedNanos() {
    return openedNanos;
  }

  @Override
  public int inFlight() {
    // Racy by design: the loop owns these fields, a scrape only samples them.
    Request[] table = slots;
    return controller == null ? 0 : Math.max(0, table.length - freeSlots.count());
  }

  @Override
  public int queueSize() {
    return controller == null ? 0 : slots.length;
  }
}
