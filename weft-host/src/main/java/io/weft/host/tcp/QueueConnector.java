package io.weft.host.tcp;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.weft.protocol.tcp.EventLoops;
import io.weft.protocol.tcp.PduFrameDecoder;
import io.weft.protocol.tcp.PduType;
import java.util.concurrent.CompletableFuture;

/** Opens one NVMe/TCP connection and completes once ICReq/ICResp are exchanged. */
public final class QueueConnector {
  /** Largest C2HData payload accepted (well above any MDTS a host uses). */
  private static final long MAX_C2H_DATA = 64L << 20;

  private final EventLoopGroup group;

  public QueueConnector(EventLoopGroup group) {
    this.group = group;
  }

  public CompletableFuture<HostQueue> connect(
      String address, int port, boolean headerDigest, boolean dataDigest, int depth) {
    CompletableFuture<HostQueue> result = new CompletableFuture<>();
    PduFrameDecoder decoder =
        new PduFrameDecoder(
            t -> t == PduType.C2H_DATA ? MAX_C2H_DATA : 0, HostQueue.receivableTypes());
    decoder.setCumulator(io.netty.handler.codec.ByteToMessageDecoder.COMPOSITE_CUMULATOR);
    HostQueue queue = new HostQueue(decoder, headerDigest, dataDigest, depth);
    Bootstrap b =
        new Bootstrap()
            .group(group)
            .channel(EventLoops.clientChannel())
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
            .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
            .handler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline().addLast("pdu-frames", decoder);
                    ch.pipeline().addLast("queue", queue);
                  }
                });
    ChannelFuture f = b.connect(address, port);
    f.addListener(
        done -> {
          if (!done.isSuccess()) {
            result.completeExceptionally(done.cause());
            return;
          }
          queue
              .initialized()
              .whenComplete(
                  (resp, err) -> {
                    if (err != null) {
                      f.channel().close();
                      result.completeExceptionally(err);
                    } else {
                      result.complete(queue);
                    }
                  });
        });
    return result;
  }
}
