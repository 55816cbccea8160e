package io.weft.protocol.tcp;

import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.channels.spi.SelectorProvider;

/**
 * Event loop groups for NVMe/TCP, shared by host and target: native epoll where the platform has it
 * (fewer copies and system calls than NIO), NIO elsewhere, both with the spin-then-park strategy of
 * {@link SpinSelectStrategy}.
 */
public final class EventLoops {
  private EventLoops() {}

  public static boolean nativeEpoll() {
    return Epoll.isAvailable();
  }

  /** A group of {@code threads} daemon loops named {@code name-N}. */
  public static EventLoopGroup group(int threads, String name, long spinNanos) {
    DefaultThreadFactory tf = new DefaultThreadFactory(name, true);
    return nativeEpoll()
        ? new EpollEventLoopGroup(threads, tf, SpinSelectStrategy.factory(spinNanos))
        : new NioEventLoopGroup(
            threads, tf, SelectorProvider.provider(), SpinSelectStrategy.factory(spinNanos));
  }

  /**
   * The largest socket read a connection makes: 512 KiB, not Netty's 64 KiB. A 128 KiB PDU then
   * usually arrives within one read and is framed as a slice of it. With 64 KiB reads every large
   * PDU spans two or three, and the frame decoder grew its cumulation buffer for each, making and
   * freeing pool runs as it went: at 128 KiB writes that cost the target about a third of its CPU
   * per I/O (docs/benchmarks.md). Reads stay small while the traffic is small (the size adapts to
   * what the last reads returned), and nothing is held between reads, so an idle connection costs
   * no more.
   */
  public static final int RECEIVE_BUFFER_MAX = 512 << 10;

  /** Receive buffer sizing for NVMe/TCP connections (see {@link #RECEIVE_BUFFER_MAX}). */
  public static RecvByteBufAllocator receiveBuffers() {
    return new AdaptiveRecvByteBufAllocator(64, 2048, RECEIVE_BUFFER_MAX);
  }

  public static Class<? extends ServerChannel> serverChannel() {
    return nativeEpoll() ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }

  public static Class<? extends SocketChannel> clientChannel() {
    return nativeEpoll() ? EpollSocketChannel.class : NioSocketChannel.class;
  }
}
