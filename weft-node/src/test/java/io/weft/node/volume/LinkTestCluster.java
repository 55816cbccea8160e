package io.weft.node.volume;

import io.netty.buffer.Unpooled;
import io.weft.host.ConnectOptions;
import io.weft.host.HostController;
import io.weft.host.NvmeNamespace;
import io.weft.node.StorageNode;
import io.weft.protocol.tls.ClientTls;
import io.weft.store.embedded.EmbeddedStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Nodes of one test JVM on one embedded store, for the tests of the links between a volume's owner
 * and its replicas: 2-replica volumes owned by the first node, written through it, and each
 * replica's backing file read back.
 */
final class LinkTestCluster implements AutoCloseable {
  static final long SIZE = 8L << 20;

  private final Path dir;
  private final EmbeddedStore store;
  private final Map<String, StorageNode> nodes = new LinkedHashMap<>();

  LinkTestCluster(Path dir) throws IOException {
    this.dir = dir;
    this.store = EmbeddedStore.open(dir.resolve("store"));
  }

  EmbeddedStore store() {
    return store;
  }

  void start(StorageNode.Config config) throws IOException {
    nodes.put(config.id(), StorageNode.start(config, store));
  }

  StorageNode node(String id) {
    return nodes.get(id);
  }

  private VolumeService volumes() {
    return new VolumeService(store, nodes.values().iterator().next().registry());
  }

  VolumeRecord create(String name, List<String> on) {
    return volumes()
        .create(new VolumeService.CreateRequest(name, SIZE, 2, on, List.of(), null, null));
  }

  VolumeRecord record(String name) {
    return volumes().require(name).volume();
  }

  /** Writes 64 KiB of a seeded pattern at block 0 through the owner (the first node). */
  byte[] writeThroughOwner(VolumeRecord v, long seed, ClientTls tls) throws Exception {
    InetSocketAddress a = nodes.values().iterator().next().target().listenAddresses().get(0);
    byte[] data = new byte[64 << 10];
    new Random(seed).nextBytes(data);
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (true) {
      try (HostController c =
          HostController.connect(
              ConnectOptions.defaults("127.0.0.1", a.getPort(), v.nqn())
                  .withTimeouts(5, 2, 1, 1)
                  .withIoTimeout(20)
                  .withTls(tls))) {
        NvmeNamespace ns = c.namespace(1);
        ns.writeBlocking(0, data.length / 512, Unpooled.wrappedBuffer(data), 0);
        ns.flushBlocking();
        return data;
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100); // the owner is not serving yet
      }
    }
  }

  /** The first {@code length} bytes of {@code node}'s replica of {@code volume}. */
  byte[] replicaHead(String node, String volume, int length) throws IOException {
    byte[] f = Files.readAllBytes(dir.resolve(node).resolve("volumes").resolve(volume + ".img"));
    return Arrays.copyOf(f, length);
  }

  /** The volume's in-sync set once {@code node} has left it (or after 20 s). */
  List<String> inSyncWithout(String volume, String node) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (record(volume).inSync().contains(node) && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    return record(volume).inSync();
  }

  @Override
  public void close() {
    nodes.values().forEach(StorageNode::close);
    store.close();
  }
}
