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
import io.weft.protocol.tls.ClientTls;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLException;

/** Opens one NVMe/TCP connection and completes once ICReq/ICResp are exchanged. */
public final class QueueConnector {
  /** Largest C2HData payload accepted (well above any MDTS a host uses). */
  private static final long MAX_C2H_DATA = 64L << 20;

  private final EventLoopGroup group;
  private final ClientTls tls;
  private final String hostNqn;
  private final String subsystemNqn;

  public QueueConnector(EventLoopGroup group) {
    this(group, ClientTls.NONE, null, null);
  }

  private QueueConnector(EventLoopGroup group, ClientTls tls, String hostNqn, String subNqn) {
    this.group = group;
    this.tls = tls;
    this.hostNqn = hostNqn;
    this.subsystemNqn = subNqn;
  }

  /**
   * A connector whose connections are secured with {@code tls}; a PSK identity names {@code
   * hostNqn} and {@code subNqn}.
   */
  public QueueConnector withTls(ClientTls tls, String hostNqn, String subNqn) {
    return new QueueConnector(group, tls, hostNqn, subNqn);
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
            .option(ChannelOption.RCVBUF_ALLOCATOR, EventLoops.receiveBuffers())
            .handler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) throws SSLException {
                    ch.pipeline().addLast("pdu-frames", decoder);
                    ch.pipeline().addLast("queue", queue);
                    // In front of the PDU decoder; the queue sends its ICReq once TLS is up.
                    tls.install(ch, hostNqn, subsystemNqn);
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
