package io.weft.protocol.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bouncycastle.tls.TlsClientProtocol;
import org.junit.jupiter.api.Test;

/**
 * The TLS record layer that takes over from Bouncy Castle's handshake: two {@link BcTlsHandler}s
 * (target and host) on embedded channels with the bytes carried between them by the test, so every
 * split of the byte stream, every key update and every damaged record is under the test's control;
 * and the host side played by Bouncy Castle's own record layer, an independent implementation of
 * the same RFC 8446 record protection.
 */
class TlsRecordLayerTest {
  static final String HOST = "nqn.2014-08.io.weft:records-host";
  static final String SUB = "nqn.2014-08.io.weft:records";
  static final ConfiguredPsk KEY =
      ConfiguredPsk.parse("NVMeTLSkey-1:01:KA36nqe/zujq09b8ySlzUI5AZFGCwH11/J3o6/6rszmdQ9q8:");

  /** What one side's application saw. */
  static final class Application extends ChannelInboundHandlerAdapter {
    final ByteArrayOutputStream received = new ByteArrayOutputStream();
    final List<Throwable> errors = new ArrayList<>();
    boolean active;

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      active = true;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf b = (ByteBuf) msg;
      byte[] bytes = new byte[b.readableBytes()];
      b.readBytes(bytes);
      b.release();
      received.writeBytes(bytes);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      errors.add(cause);
      ctx.close();
    }
  }

  /** A target and a host wired back to back by the test. */
  static final class Pair {
    final BcTlsHandler targetTls;
    final BcTlsHandler hostTls;
    final Application target = new Application();
    final Application host = new Application();
    final EmbeddedChannel targetChannel;
    final EmbeddedChannel hostChannel;
    final Random random = new Random(7);

    Pair(long recordsPerKey) {
      targetTls =
          new BcTlsHandler(
              new PskTlsServer(new PskKeyring(Map.of(HOST, KEY))),
              null,
              new RejectionLog(),
              recordsPerKey);
      hostTls = new BcTlsHandler(null, BcTlsHandler.pskClient(KEY, HOST, SUB), null, recordsPerKey);
      targetChannel = new EmbeddedChannel(targetTls, target);
      hostChannel = new EmbeddedChannel(hostTls, host);
    }

    /** Drops what is left in both channels (alerts nobody read). */
    void release() {
      targetChannel.finishAndReleaseAll();
      hostChannel.finishAndReleaseAll();
    }

    /** Carries bytes both ways until neither side has more, in pieces of up to {@code piece}. */
    void carry(int piece) {
      boolean moved = true;
      while (moved) {
        moved = carry(hostChannel, targetChannel, piece) | carry(targetChannel, hostChannel, piece);
      }
    }

    private boolean carry(EmbeddedChannel from, EmbeddedChannel to, int piece) {
      boolean moved = false;
      for (ByteBuf b = from.readOutbound(); b != null; b = from.readOutbound()) {
        moved = true;
        while (b.isReadable()) {
          int n = Math.min(b.readableBytes(), 1 + random.nextInt(piece));
          if (to.isOpen()) {
            to.writeInbound(b.readRetainedSlice(n));
          } else {
            b.skipBytes(n);
          }
        }
        b.release();
      }
      return moved;
    }
  }

  private static byte[] pattern(int length, int seed) {
    byte[] b = new byte[length];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void carriesDataBothWaysHoweverTheStreamIsSplit() {
    for (int piece : new int[] {1, 7, 300, 70_000}) {
      Pair p = new Pair(TrafficProtection.RECORDS_PER_KEY);
      p.carry(piece);
      assertTrue(p.target.active && p.host.active, "handshake done with pieces of " + piece);
      byte[] up = pattern(200_000, 1);
      byte[] down = pattern(150_001, 2);
      // Many small writes under one flush, and a write of several records.
      for (int i = 0; i < 100; i++) {
        p.hostChannel.write(Unpooled.wrappedBuffer(up, i * 72, 72));
      }
      p.hostChannel.writeAndFlush(Unpooled.wrappedBuffer(up, 7200, up.length - 7200));
      p.targetChannel.writeAndFlush(Unpooled.wrappedBuffer(down));
      p.carry(piece);
      assertArrayEquals(up, p.target.received.toByteArray(), "pieces of " + piece);
      assertArrayEquals(down, p.host.received.toByteArray(), "pieces of " + piece);
      assertTrue(p.target.errors.isEmpty() && p.host.errors.isEmpty());
      assertNotNull(p.targetTls.identity());
    }
  }

  @Test
  void writesBeforeTheHandshakeGoOutAfterIt() {
    Pair p = new Pair(TrafficProtection.RECORDS_PER_KEY);
    byte[] early = pattern(30_000, 8);
    io.netty.channel.ChannelFuture written =
        p.hostChannel.writeAndFlush(Unpooled.wrappedBuffer(early));
    assertFalse(written.isDone(), "held until the handshake is done");
    p.carry(2000);
    assertTrue(written.isSuccess());
    assertArrayEquals(early, p.target.received.toByteArray());
  }

  @Test
  void unflushedWritesFailWhenTheConnectionFails() {
    Pair p = new Pair(TrafficProtection.RECORDS_PER_KEY);
    p.carry(2000);
    io.netty.channel.ChannelFuture unflushed =
        p.hostChannel.write(Unpooled.wrappedBuffer(new byte[100]));
    // A record that does not authenticate ends the host's connection.
    p.hostChannel.writeInbound(
        Unpooled.wrappedBuffer(
            new byte[] {
              23, 3, 3, 0, 20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20
            }));
    assertTrue(
        unflushed.isDone() && !unflushed.isSuccess(), "the write is failed, not left hanging");
    assertFalse(p.hostChannel.isOpen());
    p.release();
  }

  @Test
  void onlyBytesAreWrittenNeverAnythingPastTheRecords() {
    Pair p = new Pair(TrafficProtection.RECORDS_PER_KEY);
    p.carry(2000);
    io.netty.channel.ChannelFuture f =
        p.hostChannel.writeAndFlush(
            new io.netty.buffer.DefaultByteBufHolder(Unpooled.copiedBuffer(new byte[] {'x'})));
    assertTrue(f.cause() instanceof io.netty.handler.codec.UnsupportedMessageTypeException);
    Object out = p.hostChannel.readOutbound();
    assertEquals(null, out, "nothing went out in the clear");
  }

  @Test
  void manyKeyUpdateRequestsInOneBatchAreAnsweredOnce() throws Exception {
    Pair p = new Pair(TrafficProtection.RECORDS_PER_KEY);
    p.carry(2000);
    for (int i = 0; i < 5; i++) {
      p.hostTls.sendKeyUpdate(true);
    }
    p.hostChannel.flush();
    ByteBuf batch = Unpooled.buffer();
    for (ByteBuf b = p.hostChannel.readOutbound(); b != null; b = p.hostChannel.readOutbound()) {
      batch.writeBytes(b);
      b.release();
    }
    p.targetChannel.writeInbound(batch); // one read on the target
    p.carry(100_000);
    assertEquals(5, p.targetTls.keyUpdatesReceived());
    assertEquals(1, p.targetTls.keyUpdatesSent());
    byte[] after = pattern(5000, 9);
    p.targetChannel.writeAndFlush(Unpooled.wrappedBuffer(after));
    p.hostChannel.writeAndFlush(Unpooled.wrappedBuffer(after));
    p.carry(2000);
    assertArrayEquals(after, p.host.received.toByteArray());
    assertArrayEquals(after, p.target.received.toByteArray());
  }

  @Test
  void keysUpdateOnTheirOwnAndOnRequestWithNothingLost() throws Exception {
    Pair p = new Pair(3); // a new key every three records, each way
    p.carry(5000);
    ByteArrayOutputStream up = new ByteArrayOutputStream();
    ByteArrayOutputStream down = new ByteArrayOutputStream();
    for (int i = 0; i < 40; i++) {
      byte[] u = pattern(100 + i * 900, 10 + i);
      byte[] d = pattern(20_000 + i, 100 + i);
      up.writeBytes(u);
      down.writeBytes(d);
      p.hostChannel.writeAndFlush(Unpooled.wrappedBuffer(u));
      p.targetChannel.writeAndFlush(Unpooled.wrappedBuffer(d));
      if (i % 10 == 5) {
        // The host asks the target to move on too: the target answers before its next data.
        p.hostTls.sendKeyUpdate(true);
        p.hostChannel.flush();
      }
      p.carry(5000);
    }
    assertArrayEquals(up.toByteArray(), p.target.received.toByteArray());
    assertArrayEquals(down.toByteArray(), p.host.received.toByteArray());
    assertTrue(p.target.errors.isEmpty() && p.host.errors.isEmpty());
    assertTrue(p.hostChannel.isOpen() && p.targetChannel.isOpen());
    // 40 host writes of up to 36 KB and 40 target writes of 20 KB, a key every three records:
    assertTrue(p.hostTls.keyUpdatesSent() >= 20, "host: " + p.hostTls.keyUpdatesSent());
    assertTrue(p.targetTls.keyUpdatesSent() >= 25, "target: " + p.targetTls.keyUpdatesSent());
    assertEquals(p.hostTls.keyUpdatesSent(), p.targetTls.keyUpdatesReceived());
    assertEquals(p.targetTls.keyUpdatesSent(), p.hostTls.keyUpdatesReceived());
  }

  @Test
  void aDamagedRecordEndsTheConnectionWithBadRecordMac() {
    Pair p = new Pair(TrafficProtection.RECORDS_PER_KEY);
    p.carry(1000);
    p.hostChannel.writeAndFlush(Unpooled.wrappedBuffer(pattern(5000, 3)));
    ByteBuf record = p.hostChannel.readOutbound();
    record.setByte(record.readerIndex() + 100, record.getByte(record.readerIndex() + 100) ^ 1);
    p.targetChannel.writeInbound(record);
    p.carry(1000);
    assertEquals(0, p.target.received.size(), "nothing of a damaged record is handed on");
    assertFalse(p.targetChannel.isOpen());
    assertTrue(
        p.target.errors.get(0).getMessage().contains("bad_record_mac"), p.target.errors.toString());
    // The host heard why, through the alert the target sealed before closing.
    assertTrue(
        p.host.errors.stream().anyMatch(e -> e.getMessage().contains("bad_record_mac")),
        p.host.errors.toString());
  }

  @Test
  void aRecordTooLongOrOfTheWrongTypeIsRefused() {
    Pair p = new Pair(TrafficProtection.RECORDS_PER_KEY);
    p.carry(1000);
    p.targetChannel.writeInbound(Unpooled.wrappedBuffer(new byte[] {23, 3, 3, (byte) 0x41, 1}));
    assertFalse(p.targetChannel.isOpen());
    assertTrue(p.target.errors.get(0).getMessage().contains("record_overflow"));

    Pair q = new Pair(TrafficProtection.RECORDS_PER_KEY);
    q.carry(1000);
    q.targetChannel.writeInbound(Unpooled.wrappedBuffer(new byte[] {22, 3, 3, 0, 1, 1}));
    assertFalse(q.targetChannel.isOpen());
    assertTrue(q.target.errors.get(0).getMessage().contains("unexpected_message"));
    p.release();
    q.release();
  }

  @Test
  void aHostWithoutTlsIsRefusedAtOnceNotAtTheHandshakeTimeout() {
    RejectionLog log = new RejectionLog();
    EmbeddedChannel target =
        new EmbeddedChannel(
            BcTlsHandler.server(new PskKeyring(Map.of(HOST, KEY)), log), new Application());
    // A plain ICReq's first bytes: PDU type 0, HLEN 128, PLEN 128 (which a record header would
    // read as a 128-byte body, never completed by the 128 bytes sent).
    byte[] icReq = new byte[128];
    icReq[2] = (byte) 128;
    icReq[4] = (byte) 128;
    target.writeInbound(Unpooled.wrappedBuffer(icReq));
    assertFalse(target.isOpen());
  }

  /**
   * Fuzz: damaged, truncated, retyped and random records after the handshake, and random bytes in
   * place of a handshake. Every case ends that connection with an I/O error (never another kind of
   * exception, never plaintext that was not sent), and a connection beside it keeps working.
   */
  @Test
  void fuzzedRecordsEndOnlyTheirOwnConnection() {
    Random random = new Random(11);
    Pair bystander = new Pair(TrafficProtection.RECORDS_PER_KEY);
    bystander.carry(4096);
    for (int round = 0; round < 300; round++) {
      Pair p = new Pair(TrafficProtection.RECORDS_PER_KEY);
      p.carry(4096);
      byte[] sent = pattern(1 + random.nextInt(40_000), round);
      p.hostChannel.writeAndFlush(Unpooled.wrappedBuffer(sent));
      ByteBuf wire = Unpooled.buffer();
      for (ByteBuf b = p.hostChannel.readOutbound(); b != null; b = p.hostChannel.readOutbound()) {
        wire.writeBytes(b);
        b.release();
      }
      byte[] bytes = new byte[wire.readableBytes()];
      wire.readBytes(bytes);
      switch (round % 5) {
        case 0 -> bytes[random.nextInt(bytes.length)] ^= (byte) (1 + random.nextInt(255));
        case 1 -> bytes[3 + 5 * 0] = (byte) random.nextInt(256); // the first record's length
        case 2 -> bytes[0] = (byte) random.nextInt(256); // its content type
        case 3 -> random.nextBytes(bytes);
        default -> {
          // Random bytes behind a plausible header.
          random.nextBytes(bytes);
          bytes[0] = 23;
          bytes[1] = 3;
          bytes[2] = 3;
        }
      }
      p.targetChannel.writeInbound(Unpooled.wrappedBuffer(bytes));
      // Random bytes after it complete any record left waiting for its end.
      byte[] tail = new byte[70_000];
      random.nextBytes(tail);
      if (p.targetChannel.isOpen()) {
        p.targetChannel.writeInbound(Unpooled.wrappedBuffer(tail));
      }
      assertFalse(p.targetChannel.isOpen(), "round " + round);
      // Whatever the target handed on as plaintext is a prefix of what was sent.
      byte[] got = p.target.received.toByteArray();
      assertTrue(got.length <= sent.length, "round " + round);
      assertArrayEquals(java.util.Arrays.copyOf(sent, got.length), got, "round " + round);
      for (Throwable t : p.target.errors) {
        assertTrue(t instanceof java.io.IOException, "round " + round + ": " + t);
      }
      // And random bytes where a ClientHello should be.
      Application app = new Application();
      EmbeddedChannel fresh =
          new EmbeddedChannel(
              BcTlsHandler.server(new PskKeyring(Map.of(HOST, KEY)), new RejectionLog()), app);
      byte[] garbage = new byte[1 + random.nextInt(70_000)];
      random.nextBytes(garbage);
      if (round % 2 == 0) {
        garbage[0] = 22; // a handshake record header, then anything
        garbage[1] = 3;
      }
      fresh.writeInbound(Unpooled.wrappedBuffer(garbage));
      if (fresh.isOpen()) {
        fresh.writeInbound(Unpooled.wrappedBuffer(tail));
      }
      assertFalse(fresh.isOpen(), "round " + round);
      assertFalse(app.active, "round " + round);
      fresh.finishAndReleaseAll();
      p.release();
    }
    byte[] still = pattern(10_000, 99);
    bystander.hostChannel.writeAndFlush(Unpooled.wrappedBuffer(still));
    bystander.carry(4096);
    assertArrayEquals(still, bystander.target.received.toByteArray());
  }

  @Test
  void closeNotifyClosesThePeerCleanly() {
    Pair p = new Pair(TrafficProtection.RECORDS_PER_KEY);
    p.carry(1000);
    byte[] last = pattern(3000, 4);
    p.hostChannel.write(Unpooled.wrappedBuffer(last));
    p.hostChannel.close();
    p.carry(1000);
    assertArrayEquals(last, p.target.received.toByteArray(), "data written before close arrives");
    assertFalse(p.targetChannel.isOpen());
    assertTrue(p.target.errors.isEmpty(), p.target.errors.toString());
  }

  /** The host side is Bouncy Castle's own engine, with its own record layer. */
  @Test
  void interoperatesWithBouncyCastlesRecordLayer() throws Exception {
    Application target = new Application();
    EmbeddedChannel targetChannel =
        new EmbeddedChannel(
            BcTlsHandler.server(new PskKeyring(Map.of(HOST, KEY)), new RejectionLog()), target);
    TlsClientProtocol bc = new TlsClientProtocol();
    bc.connect(BcTlsHandler.pskClient(KEY, HOST, SUB));
    ByteArrayOutputStream bcReceived = new ByteArrayOutputStream();
    Runnable carry =
        () -> {
          try {
            boolean moved = true;
            while (moved) {
              moved = false;
              int n = bc.getAvailableOutputBytes();
              if (n > 0) {
                byte[] out = new byte[n];
                bc.readOutput(out, 0, n);
                targetChannel.writeInbound(Unpooled.wrappedBuffer(out));
                moved = true;
              }
              for (ByteBuf b = targetChannel.readOutbound();
                  b != null;
                  b = targetChannel.readOutbound()) {
                byte[] in = new byte[b.readableBytes()];
                b.readBytes(in);
                b.release();
                bc.offerInput(in);
                moved = true;
              }
              int plain = bc.getAvailableInputBytes();
              if (plain > 0) {
                ByteBuffer buf = ByteBuffer.allocate(plain);
                bc.readInput(buf, plain);
                bcReceived.write(buf.array(), 0, plain);
              }
            }
          } catch (Exception e) {
            throw new AssertionError(e);
          }
        };
    carry.run();
    assertTrue(target.active && bc.isConnected());
    byte[] up = pattern(100_000, 5);
    byte[] down = pattern(70_000, 6);
    bc.writeApplicationData(up, 0, up.length);
    targetChannel.writeAndFlush(Unpooled.wrappedBuffer(down));
    carry.run();
    assertArrayEquals(up, target.received.toByteArray());
    assertArrayEquals(down, bcReceived.toByteArray());
    assertTrue(target.errors.isEmpty(), target.errors.toString());
    // Bouncy Castle's close_notify closes the target's side too.
    bc.close();
    carry.run();
    assertFalse(targetChannel.isOpen());
  }
}
