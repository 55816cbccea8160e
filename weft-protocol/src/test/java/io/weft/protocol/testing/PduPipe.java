package io.weft.protocol.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderException;
import io.weft.protocol.tcp.IcReq;
import io.weft.protocol.tcp.Pdu;
import io.weft.protocol.tcp.PduFrameDecoder;
import io.weft.protocol.tcp.PduType;
import io.weft.protocol.tcp.TransportException;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link PduFrameDecoder} in an {@link EmbeddedChannel}, followed by the one thing a real queue
 * handler does that the decoder depends on: when the ICReq (target) or ICResp (host) passes, it
 * turns on the digests the PDU carries. Every buffer written in and every frame that comes out is
 * kept, so a test can check afterwards that all of them were released.
 */
public final class PduPipe {
  /** What a host receives: the target's stream. */
  public static final PduType[] HOST_RECEIVES = {
    PduType.IC_RESP, PduType.CAPSULE_RESP, PduType.C2H_DATA, PduType.R2T, PduType.C2H_TERM_REQ
  };

  /** What a target receives: the host's stream. */
  public static final PduType[] TARGET_RECEIVES = {
    PduType.IC_REQ, PduType.CAPSULE_CMD, PduType.H2C_DATA, PduType.H2C_TERM_REQ
  };

  /** nvmet's in-capsule size (16 KiB) and MAXH2CDATA (4 MiB); 1 MiB of C2H data per PDU. */
  public static final PduFrameDecoder.Limits KERNEL_LIKE_LIMITS =
      type ->
          switch (type) {
            case CAPSULE_CMD -> 16384;
            case H2C_DATA -> 4L << 20;
            case C2H_DATA -> 1L << 20;
            default -> 0;
          };

  /** A frame that came out, and how many bytes had been written when it did. */
  public record Frame(byte[] bytes, long writtenWhenEmitted) {
    public int type() {
      return bytes[Pdu.TYPE] & 0xFF;
    }
  }

  public final PduFrameDecoder decoder;
  public final EmbeddedChannel channel;
  private final List<ByteBuf> inputs = new ArrayList<>();
  private final List<ByteBuf> emitted = new ArrayList<>();
  private final List<Frame> frames = new ArrayList<>();
  private long written;
  private boolean failed;

  public PduPipe(PduFrameDecoder.Limits limits, PduType... receives) {
    this(true, limits, receives);
  }

  /**
   * @param negotiate whether digests follow the ICReq/ICResp; without it they stay as set with
   *     {@code decoder.enableDigests}
   */
  public PduPipe(boolean negotiate, PduFrameDecoder.Limits limits, PduType... receives) {
    decoder = new PduFrameDecoder(limits, receives);
    channel =
        negotiate
            ? new EmbeddedChannel(decoder, new DigestNegotiation(decoder))
            : new EmbeddedChannel(decoder);
  }

  /** A host's decoder, which cumulates partial PDUs in a composite buffer, as QueueConnector's. */
  public static PduPipe host() {
    PduPipe pipe = new PduPipe(KERNEL_LIKE_LIMITS, HOST_RECEIVES);
    pipe.decoder.setCumulator(ByteToMessageDecoder.COMPOSITE_CUMULATOR);
    return pipe;
  }

  public static PduPipe target() {
    return new PduPipe(KERNEL_LIKE_LIMITS, TARGET_RECEIVES);
  }

  /**
   * Writes one chunk. Returns normally or throws the decoder's {@link TransportException}
   * (unwrapped from Netty's DecoderException); anything else propagates as thrown.
   */
  public void write(byte[] chunk) {
    write(chunk, 0, chunk.length);
  }

  public void write(byte[] data, int from, int length) {
    if (failed) {
      throw new IllegalStateException("the decoder already failed; a real queue would be closed");
    }
    if (length == 0) {
      return; // a socket read never delivers nothing (and Netty's empty buffer is never freed)
    }
    ByteBuf in = Unpooled.wrappedBuffer(data, from, length);
    inputs.add(in);
    written += length;
    try {
      channel.writeInbound(in);
    } catch (DecoderException e) {
      failed = true;
      drain();
      if (e.getCause() instanceof TransportException te) {
        throw te;
      }
      throw e;
    } catch (RuntimeException e) {
      failed = true;
      drain();
      throw e;
    }
    drain();
  }

  /** Writes {@code data} cut at the given ascending offsets. */
  public void write(byte[] data, int[] cuts) {
    int from = 0;
    for (int cut : cuts) {
      write(data, from, cut - from);
      from = cut;
    }
    write(data, from, data.length - from);
  }

  /** Writes {@code data} one byte at a time. */
  public void writeBytewise(byte[] data) {
    for (int i = 0; i < data.length; i++) {
      write(data, i, 1);
    }
  }

  private void drain() {
    for (Object o; (o = channel.readInbound()) != null; ) {
      ByteBuf frame = (ByteBuf) o;
      frames.add(new Frame(Hex.readable(frame), written));
      emitted.add(frame);
      frame.release();
    }
  }

  public List<Frame> frames() {
    return frames;
  }

  public List<byte[]> frameBytes() {
    return frames.stream().map(Frame::bytes).toList();
  }

  public long written() {
    return written;
  }

  /** Closes the channel; a decoder that failed fails again on close, which is ignored here. */
  public void close() {
    try {
      channel.finishAndReleaseAll();
    } catch (DecoderException e) {
      if (!failed) {
        throw e;
      }
    }
    drain();
  }

  /** After {@link #close}: every input buffer and every emitted frame has been released. */
  public void assertAllReleased() {
    for (int i = 0; i < emitted.size(); i++) {
      assertEquals(0, emitted.get(i).refCnt(), "frame " + i + " still referenced after release");
    }
    for (int i = 0; i < inputs.size(); i++) {
      assertEquals(0, inputs.get(i).refCnt(), "input chunk " + i + " still referenced");
    }
  }

  /** Enables the digests an ICReq asks for or an ICResp confirms, as the queue handler does. */
  private static final class DigestNegotiation extends ChannelInboundHandlerAdapter {
    private final PduFrameDecoder decoder;

    DigestNegotiation(PduFrameDecoder decoder) {
      this.decoder = decoder;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf frame = (ByteBuf) msg;
      int type = frame.getUnsignedByte(frame.readerIndex() + Pdu.TYPE);
      if (type == PduType.IC_REQ.code || type == PduType.IC_RESP.code) {
        int dgst = frame.getUnsignedByte(frame.readerIndex() + IcReq.DGST);
        decoder.enableDigests((dgst & 1) != 0, (dgst & 2) != 0);
      }
      ctx.fireChannelRead(msg);
    }
  }
}
