package io.weft.protocol.tls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.UnsupportedMessageTypeException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.AlertLevel;
import org.bouncycastle.tls.ContentType;
import org.bouncycastle.tls.HandshakeType;
import org.bouncycastle.tls.SecurityParameters;
import org.bouncycastle.tls.TlsClientProtocol;
import org.bouncycastle.tls.TlsProtocol;
import org.bouncycastle.tls.TlsServerProtocol;

/**
 * TLS 1.3 with an external PSK as a Netty handler, in front of the PDU frame decoder. Bouncy
 * Castle's non-blocking engine ({@code offerInput}/{@code readOutput}) does the handshake, driven
 * from the event loop and never blocking it; once it is done, the connection's records are
 * protected here ({@link TrafficProtection}, with the traffic secrets the handshake produced), the
 * way kernel TLS takes over from a user-space handshake. Bouncy Castle's record layer copies each
 * record several times and allocates per record; this one copies received bytes once into a pooled
 * heap buffer, opens each record from there into the plaintext handed on, and seals each record in
 * place in the pooled buffer that is written (docs/benchmarks.md has what that changed).
 *
 * <p>Records are framed here in both phases, so Bouncy Castle is only ever offered whole handshake
 * records and has nothing of the application's left over when it hands on. After the handshake:
 * application data is handed on; KeyUpdate is honoured (and answered when asked); NewSessionTicket
 * is ignored (nothing here resumes sessions); close_notify closes; any other alert, a record that
 * does not authenticate, or anything else ends the connection with the alert that says why. This
 * side updates its own key every {@link TrafficProtection#RECORDS_PER_KEY} records.
 *
 * <p>The handlers behind it see the connection become active only once the handshake is done (the
 * host then sends its ICReq), and see plain PDU bytes. Writes are gathered until a flush and sealed
 * then, in records of up to 16 KiB, so a burst of small PDUs (completions) shares records and one
 * socket write, as the plain path shares one {@code writev}.
 *
 * <p>A handshake that fails (unknown identity, wrong PSK, not TLS at all) or does not finish within
 * the handshake timeout closes the connection; a target reports it through its {@link
 * RejectionLog}; a host's handlers get an {@link SSLHandshakeException} saying why.
 */
public final class BcTlsHandler extends ChannelDuplexHandler {
  static final long HANDSHAKE_TIMEOUT_SECONDS = 10;

  private final PskTlsServer server;
  private final PskTlsClient client;
  private final RejectionLog rejections;
  private final long recordsPerKey;

  /** The handshake engine; null once the records are protected here. */
  private TlsProtocol protocol;

  private TrafficProtection reader;
  private TrafficProtection writer;

  /** Received bytes not yet framed into whole records (a heap buffer of this connection's). */
  private ByteBuf received;

  /** Plaintext written since the last flush, sealed then. */
  private final ArrayDeque<ByteBuf> unsealed = new ArrayDeque<>();

  private int unsealedBytes;
  private final List<ChannelPromise> sealedPromises = new ArrayList<>();
  private ChannelHandlerContext ctx;

  /** Writes made before the handshake finished, with their promises, in order. */
  private final ArrayDeque<PendingWrite> early = new ArrayDeque<>();

  private record PendingWrite(ByteBuf message, ChannelPromise promise) {}

  private ScheduledFuture<?> handshakeTimer;
  private boolean started;
  private boolean established;
  private boolean failed;
  private boolean outputClosed;
  private boolean peerClosed;
  private int firstByte = -1;
  private long keyUpdatesSent;
  private long keyUpdatesReceived;
  private boolean keyUpdateRequested;

  BcTlsHandler(
      PskTlsServer server, PskTlsClient client, RejectionLog rejections, long recordsPerKey) {
    this.server = server;
    this.client = client;
    this.rejections = rejections;
    this.recordsPerKey = recordsPerKey;
    this.protocol = server != null ? new TlsServerProtocol() : new TlsClientProtocol();
  }

  /** The target side: accepts the identities {@code keys} has a key for. */
  public static BcTlsHandler server(PskKeyring keys, RejectionLog rejections) {
    return new BcTlsHandler(
        new PskTlsServer(keys), null, rejections, TrafficProtection.RECORDS_PER_KEY);
  }

  /** The host side: offers {@code identity} with the TLS PSK {@code key} gives it. */
  public static BcTlsHandler client(ConfiguredPsk key, String hostNqn, String subNqn) {
    return new BcTlsHandler(
        null, pskClient(key, hostNqn, subNqn), null, TrafficProtection.RECORDS_PER_KEY);
  }

  static PskTlsClient pskClient(ConfiguredPsk key, String hostNqn, String subNqn) {
    PskIdentity id = PskIdentity.v0(key.hash(), hostNqn, subNqn);
    byte[] retained = key.retained(hostNqn);
    byte[] psk = PskDerivation.tlsPsk(retained, id);
    java.util.Arrays.fill(retained, (byte) 0);
    return new PskTlsClient(id, psk);
  }

  /** The identity the target accepted (target side; null before the handshake is done). */
  public PskIdentity identity() {
    return established && server != null ? server.identity() : null;
  }

  public boolean isEstablished() {
    return established;
  }

  /** KeyUpdates this side sent (its own key moved on that many times). */
  long keyUpdatesSent() {
    return keyUpdatesSent;
  }

  /** KeyUpdates the peer sent. */
  long keyUpdatesReceived() {
    return keyUpdatesReceived;
  }

  // ---- lifecycle ----

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
    this.ctx = ctx;
    if (ctx.channel().isActive()) {
      start();
    }
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    cancelTimer();
    releaseBuffers(new IOException("TLS handler removed"));
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
    sendHandshakeOutput(null);
    ctx.flush();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancelTimer();
    if (!established && client != null && !failed) {
      failed = true;
      ctx.fireExceptionCaught(
          new SSLHandshakeException("the target closed the connection during the TLS handshake"));
    }
    releaseBuffers(new IOException("connection closed"));
    ctx.fireChannelInactive();
  }

  /** Ends this handler's part: buffers freed, every pending write failed with {@code cause}. */
  private void releaseBuffers(IOException cause) {
    failed = true;
    failPending(cause);
    if (received != null) {
      received.release();
      received = null;
    }
    if (reader != null) {
      reader.destroy();
      writer.destroy();
      reader = null;
      writer = null;
    }
  }

  /** Fails the writes not yet sent: held back for the handshake, or not yet flushed. */
  private void failPending(IOException cause) {
    while (!early.isEmpty()) {
      PendingWrite w = early.poll();
      w.message().release();
      w.promise().tryFailure(cause);
    }
    while (!unsealed.isEmpty()) {
      unsealed.poll().release();
    }
    unsealedBytes = 0;
    for (ChannelPromise p : sealedPromises) {
      p.tryFailure(cause);
    }
    sealedPromises.clear();
  }

  // ---- inbound ----

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf in)) {
      ctx.fireChannelRead(msg);
      return;
    }
    try {
      if (failed || peerClosed) {
        return;
      }
      if (firstByte < 0 && in.isReadable()) {
        firstByte = in.getUnsignedByte(in.readerIndex());
      }
      if (received == null) {
        // An array of its own, never a slice of a pooled chunk that the plaintext buffer could
        // share: the JDK's AES-GCM decrypts between two ranges of one array through a temporary
        // copy of the whole array.
        received = Unpooled.buffer(Math.max(in.readableBytes(), 16 * 1024));
      }
      received.writeBytes(in);
    } finally {
      in.release();
    }
    try {
      readRecords();
    } catch (IOException e) {
      fail(e);
    }
  }

  /** Frames and consumes every whole record received; hands on the plaintext in one buffer. */
  private void readRecords() throws IOException {
    ByteBuf plain = null;
    try {
      while (!failed && !peerClosed && received.readableBytes() >= TlsRecords.HEADER) {
        int at = received.readerIndex();
        int type = received.getUnsignedByte(at);
        int length = received.getUnsignedShort(at + 3);
        if (type < ContentType.change_cipher_spec
            || type > ContentType.application_data
            || received.getUnsignedByte(at + 1) != 3) {
          // Said at once: a host without TLS would otherwise wait for a record that never ends.
          throw new RecordException(
              AlertDescription.decode_error, "not a TLS record (content type " + type + ")");
        }
        if (length > TlsRecords.MAX_BODY) {
          throw new RecordException(
              AlertDescription.record_overflow, "a record of " + length + " bytes");
        }
        if (received.readableBytes() < TlsRecords.HEADER + length) {
          break;
        }
        byte[] a = received.array();
        int offset = received.arrayOffset() + at;
        received.skipBytes(TlsRecords.HEADER + length);
        if (protocol != null) {
          handshakeRecord(a, offset, TlsRecords.HEADER + length);
          continue;
        }
        if (plain == null) {
          plain = ctx.alloc().heapBuffer(length + received.readableBytes());
        }
        openRecord(type, a, offset, length, plain);
      }
      if (plain != null && plain.isReadable()) {
        ByteBuf out = plain;
        plain = null;
        ctx.fireChannelRead(out);
      }
    } finally {
      if (plain != null) {
        plain.release();
      }
      if (received != null) {
        if (!received.isReadable()) {
          received.clear();
        } else {
          received.discardSomeReadBytes();
        }
      }
    }
    if (keyUpdateRequested && !failed && !outputClosed) {
      keyUpdateRequested = false;
      sendKeyUpdate(false);
      ctx.flush();
    }
    if (peerClosed) {
      ctx.close();
    }
  }

  private void handshakeRecord(byte[] a, int offset, int length) throws IOException {
    protocol.offerInput(a, offset, length);
    if (!protocol.isHandshaking() && protocol.isConnected()) {
      handOver();
    } else {
      sendHandshakeOutput(null);
    }
  }

  /** The handshake is done: its last output goes out, and the records are protected here on. */
  private void handOver() throws IOException {
    SecurityParameters sp = server != null ? server.connection() : client.connection();
    int suite = sp.getCipherSuite();
    int hash = sp.getPRFCryptoHashAlgorithm();
    boolean isServer = server != null;
    writer =
        TrafficProtection.sealing(
            isServer ? sp.getTrafficSecretServer() : sp.getTrafficSecretClient(), suite, hash);
    reader =
        TrafficProtection.opening(
            isServer ? sp.getTrafficSecretClient() : sp.getTrafficSecretServer(), suite, hash);
    // A host's Finished, under the handshake keys, goes before anything of ours.
    sendHandshakeOutput(null);
    if (protocol.getAvailableInputBytes() > 0) {
      throw new RecordException(
          AlertDescription.unexpected_message, "application data inside the handshake");
    }
    if ((server != null ? server.finished : client.finished).moved(sp)) {
      // A KeyUpdate in the handshake's last record: Bouncy Castle took it, and the key change
      // did not end its record (RFC 8446 §5.1).
      throw new RecordException(
          AlertDescription.unexpected_message, "a KeyUpdate inside the handshake's last record");
    }
    protocol = null;
    established = true;
    cancelTimer();
    ctx.fireChannelActive();
    while (!early.isEmpty()) {
      PendingWrite w = early.poll();
      write(ctx, w.message(), w.promise());
    }
    flush(ctx);
  }

  private void openRecord(int type, byte[] a, int offset, int length, ByteBuf plain)
      throws IOException {
    if (type != ContentType.application_data) {
      throw new RecordException(
          AlertDescription.unexpected_message,
          "a " + ContentType.getText((short) type) + " record after the handshake");
    }
    plain.ensureWritable(length);
    int to = plain.writerIndex();
    byte[] p = plain.array();
    int base = plain.arrayOffset() + to;
    int end = reader.open(a, offset, length, p, base);
    if (end > TlsRecords.MAX_PLAINTEXT + 1) {
      // Content, type and padding together are bounded too (RFC 8446 §5.4).
      throw new RecordException(
          AlertDescription.record_overflow, "a record of " + end + " inner plaintext bytes");
    }
    // The inner plaintext is the content, its real type, then zero padding (RFC 8446 §5.2).
    while (end > 0 && p[base + end - 1] == 0) {
      end--;
    }
    if (end == 0) {
      throw new RecordException(AlertDescription.unexpected_message, "a record with no type");
    }
    int inner = p[base + end - 1];
    int content = end - 1;
    if (content == 0 && inner != ContentType.application_data) {
      // Only application data may be empty (RFC 8446 §5.4).
      throw new RecordException(
          AlertDescription.unexpected_message, "an empty record of inner type " + inner);
    }
    switch (inner) {
      case ContentType.application_data -> plain.writerIndex(to + content);
      case ContentType.handshake -> postHandshake(p, base, content);
      case ContentType.alert -> alert(p, base, content);
      default ->
          throw new RecordException(
              AlertDescription.unexpected_message, "a record of inner type " + inner);
    }
  }

  /** Handshake messages after the handshake (RFC 8446 §4.6), whole in their record. */
  private void postHandshake(byte[] p, int at, int length) throws IOException {
    int end = at + length;
    while (at < end) {
      if (end - at < 4) {
        throw new RecordException(AlertDescription.decode_error, "a split handshake message");
      }
      int type = p[at] & 0xFF;
      int bodyLength = (p[at + 1] & 0xFF) << 16 | (p[at + 2] & 0xFF) << 8 | (p[at + 3] & 0xFF);
      int body = at + 4;
      if (bodyLength > end - body) {
        throw new RecordException(
            AlertDescription.decode_error, "a handshake message split across records");
      }
      at = body + bodyLength;
      switch (type) {
        case HandshakeType.new_session_ticket -> {
          if (server != null) {
            throw new RecordException(
                AlertDescription.unexpected_message, "a NewSessionTicket from a host");
          }
          // Nothing here resumes sessions.
        }
        case HandshakeType.key_update -> {
          if (bodyLength != 1) {
            throw new RecordException(AlertDescription.decode_error, "a malformed KeyUpdate");
          }
          if (p[body] != 0 && p[body] != 1) {
            throw new RecordException(
                AlertDescription.illegal_parameter, "a KeyUpdate request of " + p[body]);
          }
          if (at != end) {
            // The key changes after this message: nothing may follow it under the old key.
            throw new RecordException(
                AlertDescription.unexpected_message, "a record that goes on after its KeyUpdate");
          }
          reader.update();
          keyUpdatesReceived++;
          // Answered once, after this read batch, however many requests it held: a peer asking
          // again and again costs it as much as it costs this side.
          keyUpdateRequested |= p[body] == 1;
        }
        default ->
            throw new RecordException(
                AlertDescription.unexpected_message,
                "a " + HandshakeType.getText((short) type) + " after the handshake");
      }
    }
  }

  private void alert(byte[] p, int at, int length) throws IOException {
    if (length != 2) {
      throw new RecordException(AlertDescription.decode_error, "an alert of " + length + " bytes");
    }
    short description = (short) (p[at + 1] & 0xFF);
    if (description == AlertDescription.close_notify) {
      peerClosed = true;
      return;
    }
    if (description == AlertDescription.user_canceled) {
      return;
    }
    // The peer has given up on the connection: nothing to tell it.
    outputClosed = true;
    throw new IOException("the peer sent the TLS alert " + AlertDescription.getText(description));
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    ctx.flush();
    if (established) {
      ctx.fireChannelReadComplete();
    }
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
      // Anything else (a FileRegion, say) would go out in the clear, past the records.
      ReferenceCountUtil.release(msg);
      promise.tryFailure(new UnsupportedMessageTypeException(msg, ByteBuf.class));
      return;
    }
    if (failed || outputClosed) {
      ReferenceCountUtil.release(msg);
      promise.tryFailure(new IOException("TLS connection closed"));
      return;
    }
    if (!established) {
      early.add(new PendingWrite(buf, promise));
      return;
    }
    if (buf.isReadable()) {
      unsealed.add(buf);
      unsealedBytes += buf.readableBytes();
    } else {
      buf.release();
    }
    if (!promise.isVoid()) {
      sealedPromises.add(promise);
    }
  }

  @Override
  public void flush(ChannelHandlerContext ctx) {
    if (established && !failed) {
      ChannelPromise done = ctx.voidPromise();
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
      try {
        ByteBuf records = sealUnsealed();
        if (records != null) {
          ctx.write(records, done);
        } else if (!done.isVoid()) {
          done.trySuccess();
        }
      } catch (IOException e) {
        done.tryFailure(e);
        fail(e);
        return;
      }
    }
    ctx.flush();
  }

  /** Seals what was written since the last flush into one pooled buffer of records. */
  private ByteBuf sealUnsealed() throws IOException {
    if (unsealedBytes == 0) {
      return null;
    }
    int records = (unsealedBytes + TlsRecords.MAX_PLAINTEXT - 1) / TlsRecords.MAX_PLAINTEXT;
    ByteBuf out = ctx.alloc().heapBuffer(unsealedBytes + (records + 1) * TlsRecords.OVERHEAD);
    try {
      while (unsealedBytes > 0) {
        int n = Math.min(TlsRecords.MAX_PLAINTEXT, unsealedBytes);
        int start = beginRecord(out, n);
        int left = n;
        while (left > 0) {
          ByteBuf head = unsealed.peek();
          int take = Math.min(left, head.readableBytes());
          out.writeBytes(head, take);
          left -= take;
          if (!head.isReadable()) {
            unsealed.poll().release();
          }
        }
        unsealedBytes -= n;
        endRecord(out, start, ContentType.application_data);
      }
      return out;
    } catch (IOException | RuntimeException e) {
      out.release();
      throw e;
    }
  }

  /**
   * Starts a record in {@code out}: makes room for its header (and, when this side's key is due,
   * first seals a KeyUpdate there); returns where the header goes.
   */
  private int beginRecord(ByteBuf out, int content) throws IOException {
    if (writer.records() >= recordsPerKey) {
      writeKeyUpdate(out, false);
    }
    int start = out.writerIndex();
    out.ensureWritable(TlsRecords.OVERHEAD + content);
    out.writerIndex(start + TlsRecords.HEADER);
    return start;
  }

  /** Seals the record begun at {@code start} whose content ends at the writer index. */
  private void endRecord(ByteBuf out, int start, int type) throws IOException {
    out.writeByte(type);
    int inner = out.writerIndex() - start - TlsRecords.HEADER;
    out.ensureWritable(TrafficProtection.TAG);
    byte[] a = out.array();
    int at = out.arrayOffset() + start;
    TlsRecords.writeHeader(a, at, ContentType.application_data, inner + TrafficProtection.TAG);
    writer.seal(a, at, inner);
    out.writerIndex(out.writerIndex() + TrafficProtection.TAG);
  }

  /** Seals a KeyUpdate under the current key into {@code out}, then moves to the next key. */
  private void writeKeyUpdate(ByteBuf out, boolean requestPeer) throws IOException {
    int start = out.writerIndex();
    out.ensureWritable(TlsRecords.OVERHEAD + 4);
    out.writerIndex(start + TlsRecords.HEADER);
    out.writeByte(HandshakeType.key_update).writeMedium(1).writeByte(requestPeer ? 1 : 0);
    endRecord(out, start, ContentType.handshake);
    writer.update();
    keyUpdatesSent++;
  }

  /**
   * Sends a KeyUpdate at once, ahead of anything written since the last flush (which goes under the
   * new key): in answer to a peer's request, or (with {@code requestPeer}) to have both sides move
   * to new keys.
   */
  void sendKeyUpdate(boolean requestPeer) throws IOException {
    if (!established || outputClosed) {
      throw new IOException("no key to update: the TLS connection is not open");
    }
    ByteBuf out = ctx.alloc().heapBuffer(TlsRecords.OVERHEAD + 4);
    try {
      writeKeyUpdate(out, requestPeer);
    } catch (IOException | RuntimeException e) {
      out.release();
      throw e;
    }
    ctx.write(out, ctx.voidPromise());
  }

  /** Seals one alert record and writes it (not flushed). */
  private void sendAlert(short level, short description) {
    ByteBuf out = ctx.alloc().heapBuffer(TlsRecords.OVERHEAD + 2);
    try {
      int start = out.writerIndex();
      out.writerIndex(start + TlsRecords.HEADER);
      out.writeByte(level).writeByte(description);
      endRecord(out, start, ContentType.alert);
    } catch (IOException | RuntimeException e) {
      out.release();
      return;
    }
    outputClosed = true;
    ctx.write(out, ctx.voidPromise());
  }

  /** Writes (without flushing) what the handshake engine has ready to send. */
  private void sendHandshakeOutput(ChannelPromise promise) {
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
    if (established && !failed && !outputClosed && ctx.channel().isActive()) {
      flush(ctx);
      sendAlert(AlertLevel.warning, AlertDescription.close_notify);
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
    if (established) {
      failPending(e);
      // The peer hears why (unless it ended the connection itself), then the connection ends.
      if (!outputClosed && ctx.channel().isActive()) {
        short alert = e instanceof RecordException r ? r.alert() : AlertDescription.internal_error;
        sendAlert(AlertLevel.fatal, alert);
      }
      ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
      ctx.fireExceptionCaught(e);
      return;
    }
    String reason = e.getMessage() != null ? e.getMessage() : e.toString();
    if (server != null) {
      String why =
          server.refusal() != null
              ? server.refusal()
              : firstByte >= 0 && firstByte != ContentType.handshake
                  ? "not a TLS handshake (a host without TLS?): " + reason
                  : reason;
      rejections.refused(address(), server.offered(), why);
    } else {
      ctx.fireExceptionCaught(new SSLHandshakeException("TLS handshake failed: " + reason));
    }
    failPending(e);
    // The alert the handshake engine raised (if any) goes out before the close.
    int available = protocol != null ? protocol.getAvailableOutputBytes() : 0;
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
