package io.weft.node.discovery;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.weft.protocol.tcp.EventLoops;
import io.weft.tgt.config.TuningConfig;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The floor the discovery storm is measured against: a plain TCP server on event loops configured
 * as the discovery service's target (same thread count and spin budget, same Netty transport, on
 * loopback) that answers each length-prefixed request with as many zero bytes as the request asks
 * for, parsing and keeping nothing else, and can send one small message to every connection.
 */
final class FloorServer implements AutoCloseable {
  private final EventLoopGroup loops;
  private final Channel listener;
  private final Set<Channel> connections = ConcurrentHashMap.newKeySet();

  FloorServer(TuningConfig tuning) throws InterruptedException {
    loops = EventLoops.group(tuning.ioThreads(), "floor", tuning.spinNanos());
    listener =
        new ServerBootstrap()
            .group(loops)
            .channel(EventLoops.serverChannel())
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    connections.add(ch);
                    ch.closeFuture().addListener(f -> connections.remove(ch));
                    ch.pipeline()
                        .addLast(new LengthFieldBasedFrameDecoder(1 << 24, 0, 4, 0, 4))
                        .addLast(new Answer());
                  }
                })
            .bind("127.0.0.1", 0)
            .sync()
            .channel();
  }

  int port() {
    return ((InetSocketAddress) listener.localAddress()).getPort();
  }

  /** Sends one 8-byte message to every connection, as a notice would go to every host. */
  void pushAll() {
    for (Channel ch : connections) {
      ByteBuf b = ch.alloc().buffer(12);
      ch.writeAndFlush(b.writeInt(8).writeLong(0));
    }
  }

  private static final class Answer extends SimpleChannelInboundHandler<ByteBuf> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf request) {
      int size = request.readInt();
      ByteBuf b = ctx.alloc().buffer(4 + size);
      ctx.writeAndFlush(b.writeInt(size).writeZero(size));
    }
  }

  @Override
  public void close() {
    listener.close().syncUninterruptibly();
    loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
