package io.weft.csi;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The CSI services on a unix socket, the transport every container orchestrator's sidecars use.
 * Calls run on a small pool, not on the socket's event loop: they wait on the cluster store.
 */
public final class CsiServer implements AutoCloseable {
  private final CsiEndpoint endpoint;
  private final Server server;
  private final EpollEventLoopGroup loop;
  private final ExecutorService calls;

  private CsiServer(
      CsiEndpoint endpoint, Server server, EpollEventLoopGroup loop, ExecutorService calls) {
    this.endpoint = endpoint;
    this.server = server;
    this.loop = loop;
    this.calls = calls;
  }

  /**
   * Listens on {@code endpoint}, replacing a socket file a previous run left behind (the sidecars
   * reconnect to the same path after a restart).
   */
  public static CsiServer start(CsiEndpoint endpoint, List<BindableService> services)
      throws IOException {
    Files.createDirectories(endpoint.socket().getParent());
    Files.deleteIfExists(endpoint.socket());
    EpollEventLoopGroup loop = new EpollEventLoopGroup(1);
    ExecutorService calls =
        // Node calls wait on mkfs and nvme connect for seconds or minutes; Probe must not queue
        // behind them.
        Executors.newFixedThreadPool(
            16,
            r -> {
              Thread t = new Thread(r, "weft-csi-call");
              t.setDaemon(true);
              return t;
            });
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(new DomainSocketAddress(endpoint.socket().toFile()))
            .channelType(EpollServerDomainSocketChannel.class)
            .bossEventLoopGroup(loop)
            .workerEventLoopGroup(loop)
            .executor(calls);
    services.forEach(builder::addService);
    Server server = builder.build();
    try {
      server.start();
    } catch (IOException | RuntimeException e) {
      loop.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      calls.shutdownNow();
      throw e;
    }
    return new CsiServer(endpoint, server, loop, calls);
  }

  public CsiEndpoint endpoint() {
    return endpoint;
  }

  @Override
  public void close() {
    server.shutdown();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.shutdownNow();
    }
    calls.shutdownNow();
    loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    try {
      Files.deleteIfExists(endpoint.socket());
    } catch (IOException ignored) {
      // a socket file left behind is replaced by the next start
    }
  }
}
