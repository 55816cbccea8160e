package io.weft.node.volume;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.block.atrest.VolumeKeyFile;
import io.weft.block.atrest.WrappingKey;
import io.weft.host.ConnectOptions;
import io.weft.host.HostController;
import io.weft.host.NvmeNamespace;
import io.weft.node.StorageNode;
import io.weft.store.embedded.EmbeddedStore;
import io.weft.tgt.AnaStateInfo;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replicated volume created with {@code encrypt}: each node keeps its replica encrypted under a
 * data key of its own, wrapped by its node key; hosts see the same data through any owner.
 */
class EncryptedVolumeTest {
  private static final long SIZE = 16L << 20;
  private static final byte[] MARKER =
      "WEFT-NODE-AT-REST-MARKER".getBytes(StandardCharsets.US_ASCII);

  @TempDir Path dir;
  private EmbeddedStore store;
  private final Map<String, StorageNode> nodes = new LinkedHashMap<>();

  @BeforeEach
  void start() throws Exception {
    store = EmbeddedStore.open(dir.resolve("store"));
    for (String[] n : new String[][] {{"n1", "z1"}, {"n2", "z2"}}) {
      TargetConfig target =
          new TargetConfig(
              dir.resolve(n[0]),
              List.of(ListenerConfig.of("127.0.0.1", 0)),
              List.of(),
              "127.0.0.1:0",
              TuningConfig.defaults().withSpinNanos(0));
      nodes.put(
          n[0],
          StorageNode.start(
              new StorageNode.Config(
                  n[0], Map.of("zone", n[1]), 1L << 30, null, Duration.ofSeconds(2), target),
              store));
    }
  }

  @AfterEach
  void stop() {
    nodes.values().forEach(StorageNode::close);
    store.close();
  }

  private VolumeService volumes() {
    return new VolumeService(store, nodes.get("n1").registry());
  }

  private String ana(String node, String nqn) {
    try {
      return nodes.get(node).target().anaStates(nqn).stream()
          .filter(s -> s.group() == 1)
          .map(AnaStateInfo::state)
          .findFirst()
          .orElse("none");
    } catch (Exception e) {
      return "none";
    }
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(50);
    }
  }

  private HostController host(String node, String nqn) throws IOException {
    InetSocketAddress a = nodes.get(node).target().listenAddresses().get(0);
    return HostController.connect(
        ConnectOptions.defaults("127.0.0.1", a.getPort(), nqn)
            .withTimeouts(5, 2, 1, 1)
            .withIoTimeout(10));
  }

  private Path replica(String node) {
    return dir.resolve(node).resolve("volumes").resolve("sealed.img");
  }

  private static boolean contains(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  private static byte[] read(NvmeNamespace ns, int length) throws IOException {
    ByteBuf b = Unpooled.buffer(length).writerIndex(length);
    ns.readBlocking(8, length / 512, b, 0);
    byte[] out = new byte[length];
    b.getBytes(0, out);
    return out;
  }

  @Test
  void everyReplicaIsEncryptedUnderItsOwnNodesKeyAndAnyOwnerServesTheData() throws Exception {
    VolumeRecord v =
        volumes()
            .create(
                new VolumeService.CreateRequest(
                    "sealed",
                    SIZE,
                    2,
                    List.of("n1", "n2"),
                    List.of(),
                    null,
                    null,
                    true,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null));
    assertTrue(v.encrypted());
    assertTrue(VolumeView.of(v).encrypted());
    await("n1 owner", () -> ana("n1", v.nqn()).equals("optimized"));

    byte[] data = new byte[256 << 10];
    for (int i = 0; i < data.length; i++) {
      data[i] = MARKER[i % MARKER.length];
    }
    try (HostController c = host("n1", v.nqn())) {
      NvmeNamespace ns = c.namespace(1);
      ns.writeBlocking(8, data.length / 512, Unpooled.wrappedBuffer(data), 0);
      ns.flushBlocking();
      assertArrayEquals(data, read(ns, data.length));
    }

    for (String n : List.of("n1", "n2")) {
      assertFalse(contains(Files.readAllBytes(replica(n)), MARKER), n + " holds the data in clear");
      assertTrue(Files.exists(VolumeKeyFile.pathFor(replica(n))), n + " has no key file");
    }
    String key1 = VolumeKeyFile.read(VolumeKeyFile.pathFor(replica("n1"))).wrappingKey();
    String key2 = VolumeKeyFile.read(VolumeKeyFile.pathFor(replica("n2"))).wrappingKey();
    assertNotEquals(key1, key2, "each node wraps with its own node key");
    try (WrappingKey nodeKey =
        WrappingKey.fromFile(WrappingKey.nodeKeyFile(dir.resolve("n1")), "n1's node key")) {
      assertEquals(nodeKey.fingerprint(), key1);
    }
    assertFalse(
        java.util.Arrays.equals(
            Files.readAllBytes(replica("n1")), Files.readAllBytes(replica("n2"))),
        "the same data under two data keys");

    volumes().moveOwner("sealed", "n2");
    await("n2 owner", () -> ana("n2", v.nqn()).equals("optimized"));
    try (HostController c = host("n2", v.nqn())) {
      assertArrayEquals(data, read(c.namespace(1), data.length), "n2 decrypts its own replica");
    }

    volumes().delete("sealed");
    await("n2's files gone", () -> !Files.exists(replica("n2")));
    assertFalse(Files.exists(VolumeKeyFile.pathFor(replica("n2"))), "the wrapped key goes too");
  }
}
