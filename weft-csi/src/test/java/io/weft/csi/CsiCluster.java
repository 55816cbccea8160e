package io.weft.csi;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;
import io.weft.node.StorageNode;
import io.weft.node.volume.VolumeRecord;
import io.weft.node.volume.VolumeService;
import io.weft.store.embedded.EmbeddedStore;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Storage nodes of one test JVM on one embedded store, each in a zone of its own size, and the CSI
 * driver on a unix socket beside them, reached by a real gRPC client.
 */
final class CsiCluster implements AutoCloseable {
  private final Path dir;
  private final EmbeddedStore store;
  private final Map<String, StorageNode> nodes = new LinkedHashMap<>();
  private final EpollEventLoopGroup clientLoop = new EpollEventLoopGroup(1);
  private CsiDriver driver;
  private ManagedChannel channel;

  CsiCluster(Path dir) throws IOException {
    this.dir = dir;
    this.store = EmbeddedStore.open(dir.resolve("store"));
  }

  /** Starts node {@code id} in {@code zone}, offering {@code capacity} bytes for volumes. */
  StorageNode node(String id, String zone, long capacity) throws IOException {
    TargetConfig target =
        new TargetConfig(
            dir.resolve(id),
            List.of(ListenerConfig.of("127.0.0.1", 0)),
            List.of(),
            "127.0.0.1:0",
            TuningConfig.defaults().withSpinNanos(0));
    StorageNode n =
        StorageNode.start(
            new StorageNode.Config(
                id, Map.of("zone", zone), capacity, null, Duration.ofSeconds(10), target),
            store);
    nodes.put(id, n);
    return n;
  }

  StorageNode node(String id) {
    return nodes.get(id);
  }

  /** Starts the driver (controller, and node {@code nodeId} in {@code zone} if not null). */
  ManagedChannel driver(String nodeId, String zone) throws IOException {
    CsiEndpoint endpoint = CsiEndpoint.parse("unix://" + dir.resolve("csi/csi.sock"));
    driver = CsiDriver.start(store, new CsiDriver.Config(endpoint, true, nodeId, zone));
    channel =
        NettyChannelBuilder.forAddress(new DomainSocketAddress(endpoint.socket().toFile()))
            .channelType(EpollDomainSocketChannel.class)
            .eventLoopGroup(clientLoop)
            .usePlaintext()
            .build();
    return channel;
  }

  /** Registers another consumer node, as its node plugin does when it starts. */
  void registerConsumer(String nodeId, String zone) {
    new CsiNodes(store).register(new CsiNodes.CsiNode(nodeId, zone));
  }

  /** What the cluster knows of the node that owns {@code v}. */
  io.weft.node.NodeInfo ownerInfo(VolumeRecord v) {
    return volumes().nodes().stream()
        .filter(n -> n.info().id().equals(v.owner()))
        .findFirst()
        .orElseThrow()
        .info();
  }

  VolumeRecord record(String name) {
    return volumes().require(name).volume();
  }

  VolumeService volumes() {
    return new VolumeService(store, nodes.values().iterator().next().registry());
  }

  @Override
  public void close() {
    if (channel != null) {
      channel.shutdownNow();
      try {
        channel.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (driver != null) {
      driver.close();
    }
    clientLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    nodes.values().forEach(StorageNode::close);
    store.close();
  }
}
