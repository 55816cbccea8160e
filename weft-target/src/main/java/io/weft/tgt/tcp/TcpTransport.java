package io.weft.tgt.tcp;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.weft.protocol.tcp.EventLoops;
import io.weft.protocol.tcp.PduFrameDecoder;
import io.weft.protocol.tcp.PduType;
import io.weft.protocol.tls.ServerTls;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.core.PortInfo;
import io.weft.tgt.core.TargetCore;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The NVMe/TCP transport: one Netty event loop group (epoll where available) shared by every
 * listener; each accepted connection is one queue, pinned to one loop for its life. Threading
 * model: everything about a connection happens on its loop; backends call back from their own
 * threads and the request hops back (see {@code Request}).
 */
public final class TcpTransport implements AutoCloseable {
  private static final int WRITE_LOW_WATER = 1 << 20;
  private static final int WRITE_HIGH_WATER = 4 << 20;

  private final EventLoopGroup group;
  private final List<Channel> listeners = new ArrayList<>();
  private final List<InetSocketAddress> bound = new ArrayList<>();

  private TcpTransport(EventLoopGroup group) {
    this.group = group;
  }

  /** The event loops every connection of this transport runs on. */
  public EventLoopGroup eventLoops() {
    return group;
  }

  public static TcpTransport start(TargetCore core, List<ListenerConfig> configs)
      throws IOException {
    EventLoopGroup group =
        EventLoops.group(core.tuning().ioThreads(), "weft-loop", core.tuning().spinNanos());
    Class<? extends ServerChannel> channelType = EventLoops.serverChannel();
    TcpTransport transport = new TcpTransport(group);
    try {
      int portId = 1;
      for (ListenerConfig lc : configs) {
        transport.bind(core, lc, portId++, channelType);
      }
    } catch (IOException | RuntimeException e) {
      transport.close();
      throw e;
    }
    return transport;
  }

  private void bind(
      TargetCore core, ListenerConfig lc, int portId, Class<? extends ServerChannel> channelType)
      throws IOException {
    PortInfo[] port = new PortInfo[1];
    ServerTls tls;
    try {
      tls = ServerTls.of(lc.tls(), lc.credentials());
    } catch (IllegalArgumentException e) {
      throw new IOException("listener " + lc.host() + ":" + lc.port() + ": " + e.getMessage(), e);
    }
    int inCapsule = core.tuning().inCapsuleDataSize();
    int maxH2c = core.tuning().maxH2cData();
    ServerBootstrap b =
        new ServerBootstrap()
            .group(group)
            .channel(channelType)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            // Room for a queue's worth of large reads before back-pressure holds slots.
            .childOption(
                ChannelOption.WRITE_BUFFER_WATER_MARK,
                new WriteBufferWaterMark(WRITE_LOW_WATER, WRITE_HIGH_WATER))
            .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
            .childOption(ChannelOption.RCVBUF_ALLOCATOR, EventLoops.receiveBuffers())
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    PduFrameDecoder decoder =
                        new PduFrameDecoder(
                            t -> TcpQueue.maxDataLength(t, inCapsule, maxH2c),
                            PduType.IC_REQ,
                            PduType.CAPSULE_CMD,
                            PduType.H2C_DATA,
                            PduType.H2C_TERM_REQ);
                    ch.pipeline().addLast("pdu-frames", decoder);
                    ch.pipeline().addLast("queue", new TcpQueue(core, port[0], decoder));
                    // In front of the PDU decoder: records in, PDUs out.
                    tls.install(ch);
                  }
                });
    Channel ch;
    try {
      ch = b.bind(lc.host(), lc.port()).sync().channel();
    } catch (Exception e) {
      throw new IOException(
          "cannot listen on " + lc.host() + ":" + lc.port() + ": " + e.getMessage(), e);
    }
    InetSocketAddress addr = (InetSocketAddress) ch.localAddress();
    String advHost =
        lc.advertiseHost() != null ? lc.advertiseHost() : addr.getAddress().getHostAddress();
    int advPort = lc.advertisePort() != 0 ? lc.advertisePort() : addr.getPort();
    boolean ipv6 =
        lc.advertiseHost() != null
            ? advHost.contains(":")
            : addr.getAddress() instanceof Inet6Address;
    port[0] = new PortInfo(portId, advHost, advPort, ipv6, tls.mode());
    core.addPort(port[0]);
    listeners.add(ch);
    bound.add(addr);
  }

  public List<InetSocketAddress> boundAddresses() {
    return List.copyOf(bound);
  }

  /** Stops accepting; existing connections are closed by their controllers' shutdown. */
  public void stopListening() {
    for (Channel ch : listeners) {
      ch.close().syncUninterruptibly();
    }
  }

  @Override
  public void close() {
    stopListening();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
