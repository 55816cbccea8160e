package io.weft.protocol.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;

/**
 * Writes PDUs to one connection and batches the flushes: writes made while a read batch is being
 * handled ride the flush at its end, and writes made from other tasks (backend completions, timers,
 * submissions) flush once per task-queue pass. A burst of PDUs then costs one {@code writev}, on
 * the host as on the target. Event-loop confined, like the handler that owns it.
 */
public final class PduWriter {
  private final ChannelHandlerContext ctx;
  private final Runnable flushTask = this::flush;
  private boolean inReadBatch;
  private boolean flushPending;
  private boolean flushScheduled;

  public PduWriter(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  /** Called when the channel starts delivering a batch of reads. */
  public void readBatchStarted() {
    inReadBatch = true;
  }

  /** Called from {@code channelReadComplete}: flushes what the batch wrote. */
  public void readBatchEnded() {
    inReadBatch = false;
    flush();
  }

  /** Queues one buffer (ownership passes to the channel); nothing is sent before a flush. */
  public void write(ByteBuf buf) {
    ctx.write(buf, ctx.voidPromise());
    flushPending = true;
  }

  /** Queues a data digest: the CRC32C of the data just written, little-endian. */
  public void writeDigest(int crc) {
    ByteBuf d = ctx.alloc().directBuffer(Pdu.DIGEST_SIZE);
    d.writeIntLE(crc);
    write(d);
  }

  /** Arranges a flush: at the end of the current read batch, or in one task soon. */
  public void scheduleFlush() {
    if (inReadBatch || flushScheduled) {
      return;
    }
    flushScheduled = true;
    ctx.executor().execute(flushTask);
  }

  /** Flushes now if anything was written since the last flush. */
  public void flush() {
    flushScheduled = false;
    if (flushPending) {
      flushPending = false;
      ctx.flush();
    }
  }
}
