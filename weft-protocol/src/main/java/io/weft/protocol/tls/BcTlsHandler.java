package io.weft.protocol.tls;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.PendingWriteQueue;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import org.bouncycastle.tls.TlsClientProtocol;
import org.bouncycastle.tls.TlsProtocol;
import org.bouncycastle.tls.TlsServerProtocol;

/**
 * TLS 1.3 with an external PSK as a Netty handler, in front of the PDU frame decoder: Bouncy
 * Castle's non-blocking protocol engine ({@code offerInput}/{@code readInput}/{@code readOutput})
 * driven from the event loop, never blocking it.
 *
 * <p>The handlers behind it see the connection become active only once the handshake is done (the
 * host then sends its ICReq), and see plain PDU bytes. Writes are gathered until a flush and sealed
 * then, in records of up to 16 KiB, so a burst of small PDUs (completions) shares records and one
 * socket write, as the plain path shares one {@code writev}. Outside what Bouncy Castle allocates
 * per record, a read batch costs one pooled buffer for the plaintext and a flush one for the
 * records.
 *
 * <p>A handshake that fails (unknown identity, wrong PSK, not TLS at all) or does not finish within
 * the handshake timeout closes the connection; a target reports it through its {@link
 * RejectionLog}; a host's handlers get an {@link SSLHandshakeException} saying why.
 */
public final class BcTlsHandler extends ChannelDuplexHandler {
  /** One maximal TLS record of plaintext. */
  private static final int RECORD = 16 * 1024;

  static final long HANDSHAKE_TIMEOUT_SECONDS = 10;

  /** The content type of a TLS handshake record, the first byte a TLS client sends. */
  private static final int HANDSHAKE_RECORD = 22;

  private final TlsProtocol protocol;
  private final PskTlsServer server;
  private final PskTlsClient client;
  private final RejectionLog rejections;

  /** Received bytes on their way into the protocol. */
  private final byte[] received = new byte[RECORD];

  /** Plaintext written since the last flush, sealed a record at a time. */
  private final byte[] plain = new byte[RECORD];

  private final List<ChannelPromise> sealedPromises = new ArrayList<>();
  private ChannelHandlerContext ctx;
  private PendingWriteQueue early;
  private ScheduledFuture<?> handshakeTimer;
  private int plainLength;
  private boolean started;
  private boolean established;
  private boolean failed;
  private int firstByte = -1;

  private BcTlsHandler(PskTlsServer server, PskTlsClient client, RejectionLog rejections) {
    this.server = server;
    this.client = client;
    this.rejections = rejections;
    this.protocol = server != null ? new TlsServerProtocol() : new TlsClientProtocol();
  }

  /** The target side: accepts the identities {@code keys} has a key for. */
  public static BcTlsHandler server(PskKeyring keys, RejectionLog rejections) {
    return new BcTlsHandler(new PskTlsServer(keys), null, rejections);
  }

  /** The host side: offers {@code identity} with the TLS PSK {@code key} gives it. */
  public static BcTlsHandler client(ConfiguredPsk key, String hostNqn, String subNqn) {
    PskIdentity id = PskIdentity.v0(key.hash(), hostNqn, subNqn);
    byte[] retained = key.retained(hostNqn);
    byte[] psk = PskDerivation.tlsPsk(retained, id);
    java.util.Arrays.fill(retained, (byte) 0);
    return new BcTlsHandler(null, new PskTlsClient(id, psk), null);
  }

  /** The identity the target accepted (target side; null before the handshake is done). */
  public PskIdentity identity() {
    return established && server != null ? server.identity() : null;
  }

  public boolean isEstablished() {
    return established;
  }

  // ---- lifecycle ----

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
    this.ctx = ctx;
    this.early = new PendingWriteQueue(ctx);
    if (ctx.channel().isActive()) {
      start();
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    // Held back: the handlers behind see the connection once it is secured.
    start();
  }

  private void start() {
    if (started) {
      return;
    }
    started = true;
    handshakeTimer =
        ctx.executor()
            .schedule(
                () -> fail(new IOException("TLS handshake not finished in time")),
                HANDSHAKE_TIMEOUT_SECONDS,
                TimeUnit.SECONDS);
    try {
      if (client != null) {
        ((TlsClientProtocol) protocol).connect(client);
      } else {
        ((TlsServerProtocol) protocol).accept(server);
      }
    } catch (IOException e) {
      fail(e);
      return;
    }
    sendOutput(null);
    ctx.flush();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancelTimer();
    if (early != null) {
      early.removeAndFailAll(new IOException("connection closed"));
    }
    if (!established && client != null && !failed) {
      failed = true;
      ctx.fireExceptionCaught(
          new SSLHandshakeException("the target closed the connection during the TLS handshake"));
    }
    ctx.fireChannelInactive();
  }

  // ---- inbound ----

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf in)) {
      ctx.fireChannelRead(msg);
      return;
    }
    try {
      if (firstByte < 0 && in.isReadable()) {
        firstByte = in.getUnsignedByte(in.readerIndex());
      }
      while (in.isReadable() && !failed) {
        int n = Math.min(in.readableBytes(), received.length);
        in.readBytes(received, 0, n);
        protocol.offerInput(received, 0, n);
        if (!established && !protocol.isHandshaking() && protocol.isConnected()) {
          handshakeDone();
        }
        deliverInput();
      }
    } catch (IOException e) {
      fail(e);
    } finally {
      in.release();
    }
    if (!failed) {
      sendOutput(null);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    ctx.flush();
    if (established) {
      ctx.fireChannelReadComplete();
    }
  }

  private void deliverInput() {
    int available = protocol.getAvailableInputBytes();
    if (available == 0) {
      return;
    }
    ByteBuf plain = ctx.alloc().directBuffer(available);
    protocol.readInput(plain.internalNioBuffer(0, available), available);
    plain.writerIndex(available);
    ctx.fireChannelRead(plain);
  }

  private void handshakeDone() {
    established = true;
    cancelTimer();
    // Handshake output first (a host's Finished), then what was written before it.
    sendOutput(null);
    ctx.fireChannelActive();
    while (!early.isEmpty()) {
      Object m = early.current();
      ChannelPromise p = ctx.newPromise();
      ChannelPromise original = early.remove();
      p.addListener(f -> relay(f, original));
      write(ctx, m, p);
    }
    flush(ctx);
  }

  private static void relay(io.netty.util.concurrent.Future<?> f, ChannelPromise to) {
    if (f.isSuccess()) {
      to.trySuccess();
    } else {
      to.tryFailure(f.cause());
    }
  }

  // ---- outbound ----

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (!(msg instanceof ByteBuf buf)) {
      ctx.write(msg, promise);
      return;
    }
    if (failed) {
      ReferenceCountUtil.release(msg);
      promise.tryFailure(new IOException("TLS connection failed"));
      return;
    }
    if (!established) {
      early.add(msg, promise);
      return;
    }
    try {
      while (buf.isReadable()) {
        int n = Math.min(buf.readableBytes(), RECORD - plainLength);
        buf.readBytes(plain, plainLength, n);
        plainLength += n;
        if (plainLength == RECORD) {
          seal();
        }
      }
      if (!promise.isVoid()) {
        sealedPromises.add(promise);
      }
    } catch (IOException e) {
      promise.tryFailure(e);
      fail(e);
    } finally {
      buf.release();
    }
  }

  @Override
  public void flush(ChannelHandlerContext ctx) {
    if (established && !failed) {
      try {
        seal();
      } catch (IOException e) {
        fail(e);
        return;
      }
      ChannelPromise done = null;
      if (!sealedPromises.isEmpty()) {
        ChannelPromise[] waiting = sealedPromises.toArray(new ChannelPromise[0]);
        sealedPromises.clear();
        done = ctx.newPromise();
        done.addListener(
            f -> {
              for (ChannelPromise p : waiting) {
                relay(f, p);
              }
            });
      }
      sendOutput(done);
    }
    ctx.flush();
  }

  private void seal() throws IOException {
    if (plainLength > 0) {
      int n = plainLength;
      plainLength = 0;
      protocol.writeApplicationData(plain, 0, n);
    }
  }

  /** Writes (without flushing) what the protocol has ready to send. */
  private void sendOutput(ChannelPromise promise) {
    int available = protocol.getAvailableOutputBytes();
    if (available == 0) {
      if (promise != null) {
        promise.trySuccess();
      }
      return;
    }
    ByteBuf out = ctx.alloc().directBuffer(available);
    protocol.readOutput(out.internalNioBuffer(0, available), available);
    out.writerIndex(available);
    ctx.write(out, promise != null ? promise : ctx.voidPromise());
  }

  @Override
  public void close(ChannelHandlerContext ctx, ChannelPromise promise) throws Exception {
    if (established && !failed && !protocol.isClosed()) {
      try {
        seal();
        protocol.close(); // close_notify
      } catch (IOException ignored) {
        // closing anyway
      }
      sendOutput(null);
      ctx.flush();
    }
    ctx.close(promise);
  }

  // ---- failures ----

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (!established && cause instanceof IOException) {
      // A reset during the handshake: nothing behind this handler knows the connection yet.
      ctx.close();
      return;
    }
    ctx.fireExceptionCaught(cause);
  }

  private void fail(IOException e) {
    if (failed) {
      return;
    }
    failed = true;
    cancelTimer();
    String reason = e.getMessage() != null ? e.getMessage() : e.toString();
    if (established) {
      ctx.fireExceptionCaught(e);
    } else if (server != null) {
      String why =
          server.refusal() != null
              ? server.refusal()
              : firstByte >= 0 && firstByte != HANDSHAKE_RECORD
                  ? "not a TLS handshake (a host without TLS?): " + reason
                  : reason;
      rejections.refused(address(), server.offered(), why);
    } else {
      ctx.fireExceptionCaught(new SSLHandshakeException("TLS handshake failed: " + reason));
    }
    if (early != null) {
      early.removeAndFailAll(e);
    }
    // The alert the protocol raised (if any) goes out before the close.
    int available = protocol.getAvailableOutputBytes();
    if (available > 0 && ctx.channel().isActive()) {
      ByteBuf out = ctx.alloc().directBuffer(available);
      protocol.readOutput(out.internalNioBuffer(0, available), available);
      out.writerIndex(available);
      ctx.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
    } else {
      ctx.close();
    }
  }

  private String address() {
    Object a = ctx.channel().remoteAddress();
    if (a instanceof java.net.InetSocketAddress isa) {
      return isa.getAddress().getHostAddress();
    }
    return String.valueOf(a);
  }

  private void cancelTimer() {
    if (handshakeTimer != null) {
      handshakeTimer.cancel(false);
      handshakeTimer = null;
    }
  }
}
