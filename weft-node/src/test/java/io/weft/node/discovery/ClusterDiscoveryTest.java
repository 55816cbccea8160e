package io.weft.node.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.weft.host.ConnectOptions;
import io.weft.host.Discovery;
import io.weft.host.HostController;
import io.weft.node.StorageNode;
import io.weft.node.volume.VolumeService;
import io.weft.protocol.discovery.DiscoveryLogEntry;
import io.weft.protocol.discovery.DiscoveryLogPage;
import io.weft.protocol.nvme.AsyncEvent;
import io.weft.protocol.nvme.IdentifyController;
import io.weft.protocol.nvme.Opcodes;
import io.weft.store.embedded.EmbeddedStore;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The centralized discovery service over two storage nodes: each host's log lists only the volumes
 * it may use, with a path through every node that is up; a persistent discovery controller hears of
 * a change to its own log and of nothing else; a node that dies leaves the log and comes back.
 */
class ClusterDiscoveryTest {
  static final Duration TTL = Duration.ofSeconds(2);
  static final Duration HEALTH_WINDOW = Duration.ofSeconds(2);
  static final String HOST_A =
      "nqn.2014-08.org.nvmexpress:uuid:aaaaaaaa-0000-0000-0000-000000000001";
  static final String HOST_B =
      "nqn.2014-08.org.nvmexpress:uuid:bbbbbbbb-0000-0000-0000-000000000002";

  @TempDir Path dir;
  private EmbeddedStore store;
  private final Map<String, StorageNode> nodes = new LinkedHashMap<>();
  private ClusterDiscovery discovery;

  @BeforeEach
  void start() throws Exception {
    store = EmbeddedStore.open(dir.resolve("store"));
    for (String n : List.of("n1", "n2")) {
      nodes.put(n, StorageNode.start(config(n), store));
    }
    discovery =
        ClusterDiscovery.start(
            store,
            nodes.get("n1").registry(),
            ListenerConfig.of("127.0.0.1", 0),
            null,
            dir.resolve("discovery"),
            "nqn.2026-11.io.weft:discovery:test",
            TuningConfig.defaults().withSpinNanos(0),
            HEALTH_WINDOW);
  }

  @AfterEach
  void stop() {
    if (discovery != null) {
      discovery.close();
    }
    for (StorageNode n : nodes.values()) {
      try {
        n.close();
      } catch (RuntimeException e) {
        // crashed already
      }
    }
    store.close();
  }

  private StorageNode.Config config(String id) {
    TargetConfig target =
        new TargetConfig(
            dir.resolve(id),
            List.of(ListenerConfig.of("127.0.0.1", 0)),
            List.of(),
            "127.0.0.1:0",
            TuningConfig.defaults().withSpinNanos(0));
    return new StorageNode.Config(id, Map.of("zone", "z-" + id), 1L << 30, null, TTL, target);
  }

  private void createVolume(String name, List<String> allowed) {
    new VolumeService(store, nodes.get("n1").registry())
        .create(
            new VolumeService.CreateRequest(
                name, 16L << 20, 2, List.of("n1", "n2"), allowed, null, null));
  }

  private ConnectOptions as(String host) {
    return ConnectOptions.defaults("127.0.0.1", discovery.address().getPort(), "unused")
        .withHost(host, UUID.nameUUIDFromBytes(host.getBytes()));
  }

  /** "nqn@port" for each NVM entry a host sees, in order. */
  private List<String> paths(String host) throws Exception {
    DiscoveryLogPage page = Discovery.discover(as(host));
    assertEquals(
        DiscoveryLogEntry.SUBTYPE_CURRENT_DISCOVERY,
        page.entries().get(0).subtype(),
        "the service's own entry comes first");
    assertEquals(discovery.nqn(), page.entries().get(0).subsystemNqn());
    return page.entries().stream()
        .filter(e -> e.subtype() == DiscoveryLogEntry.SUBTYPE_NVM)
        .map(e -> e.subsystemNqn() + "@" + e.trsvcid())
        .toList();
  }

  private String port(String node) {
    return Integer.toString(nodes.get(node).target().listenAddresses().get(0).getPort());
  }

  private static void await(String what, Duration limit, java.util.concurrent.Callable<Boolean> c)
      throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!c.call()) {
      assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
      Thread.sleep(50);
    }
  }

  @Test
  void eachHostSeesTheVolumesItMayUseThroughEveryNode() throws Exception {
    createVolume("for-a", List.of(HOST_A));
    createVolume("for-b", List.of(HOST_B));
    createVolume("open", List.of());
    String a = "nqn.2026-11.io.weft:vol:for-a";
    String b = "nqn.2026-11.io.weft:vol:for-b";
    String open = "nqn.2026-11.io.weft:vol:open";
    List<String> forA =
        List.of(
            a + "@" + port("n1"),
            a + "@" + port("n2"),
            open + "@" + port("n1"),
            open + "@" + port("n2"));
    await("host A's view", Duration.ofSeconds(10), () -> paths(HOST_A).equals(forA));
    assertEquals(
        List.of(
            b + "@" + port("n1"),
            b + "@" + port("n2"),
            open + "@" + port("n1"),
            open + "@" + port("n2")),
        paths(HOST_B));
    // The unique discovery NQN answers too, and Identify says this is a centralized controller.
    try (HostController c =
        HostController.connect(
            as(HOST_A)
                .withSubsystem(discovery.nqn())
                .withQueues(0, 32)
                .withTimeouts(0, 0, 1, -1))) {
      byte[] id = c.identifyControllerBytes();
      assertEquals(IdentifyController.DCTYPE_CENTRAL, id[IdentifyController.DCTYPE]);
      assertEquals(IdentifyController.CONTROLLER_TYPE_DISCOVERY, id[IdentifyController.CNTRLTYPE]);
    }
  }

  @Test
  void aChangeReachesThePersistentControllersOfTheHostsItConcernsOnly() throws Exception {
    createVolume("first", List.of(HOST_A, HOST_B));
    await("the first volume listed", Duration.ofSeconds(10), () -> paths(HOST_A).size() == 2);
    LinkedBlockingQueue<Integer> eventsA = new LinkedBlockingQueue<>();
    LinkedBlockingQueue<Integer> eventsB = new LinkedBlockingQueue<>();
    try (HostController a = persistent(HOST_A, eventsA);
        HostController b = persistent(HOST_B, eventsB)) {
      createVolume("second", List.of(HOST_A));
      assertEquals(AsyncEvent.DISCOVERY_LOG_CHANGED, eventsA.poll(10, TimeUnit.SECONDS));
      assertEquals(4, readLog(a).entries().size() - 1, "both volumes, two paths each");
      assertNull(eventsB.poll(1, TimeUnit.SECONDS), "host B's log did not change");

      // A node dies: both hosts' logs lose its paths, and both hear of it.
      nodes.get("n2").crash();
      assertEquals(
          AsyncEvent.DISCOVERY_LOG_CHANGED, eventsA.poll(TTL.toSeconds() + 10, TimeUnit.SECONDS));
      assertEquals(AsyncEvent.DISCOVERY_LOG_CHANGED, eventsB.poll(10, TimeUnit.SECONDS));
      assertEquals(
          List.of(
              "nqn.2026-11.io.weft:vol:first@" + port("n1"),
              "nqn.2026-11.io.weft:vol:second@" + port("n1")),
          paths(HOST_A));
    }
  }

  /**
   * A foreign target (here a plain Weft target standing in for nvmet) registered by the operator is
   * listed to the hosts it names while it answers; stopped, it leaves their logs within the health
   * window (their persistent controllers hear of it); started again, it comes back.
   */
  @Test
  void aRegisteredForeignTargetIsListedWhileItAnswers() throws Exception {
    String nqn = "nqn.2014-08.org.example:foreign";
    int port;
    io.weft.tgt.Target foreign = foreignTarget(0, nqn);
    port = foreign.listenAddresses().get(0).getPort();
    ForeignTargets registry = new ForeignTargets(store);
    registry.register(new ForeignTarget("127.0.0.1", port, nqn, List.of(HOST_A), "operator"));
    String entry = nqn + "@" + port;
    await(
        "the foreign target listed for A",
        Duration.ofSeconds(10),
        () -> paths(HOST_A).contains(entry));
    assertTrue(!paths(HOST_B).contains(entry), "B is not named");
    LinkedBlockingQueue<Integer> eventsA = new LinkedBlockingQueue<>();
    try (HostController a = persistent(HOST_A, eventsA)) {
      foreign.close();
      long stopped = System.nanoTime();
      assertEquals(
          AsyncEvent.DISCOVERY_LOG_CHANGED,
          eventsA.poll(HEALTH_WINDOW.toSeconds() + 5, TimeUnit.SECONDS),
          "host A hears that its log lost the target");
      long tookMs = (System.nanoTime() - stopped) / 1_000_000;
      assertTrue(!paths(HOST_A).contains(entry), "withdrawn");
      assertTrue(tookMs >= HEALTH_WINDOW.toMillis() / 2, "withdrawn after " + tookMs + " ms");
      foreign = foreignTarget(port, nqn);
      await("the foreign target back", Duration.ofSeconds(10), () -> paths(HOST_A).contains(entry));
    } finally {
      foreign.close();
    }
    registry.deregister("127.0.0.1:" + port + ":" + nqn);
    await("deregistered", Duration.ofSeconds(10), () -> !paths(HOST_A).contains(entry));
    assertThrowsNode(
        () -> registry.register(new ForeignTarget("127.0.0.1", 0, nqn, List.of(), "operator")));
    assertThrowsNode(
        () ->
            registry.register(
                new ForeignTarget("127.0.0.1", 4420, "not-an-nqn", List.of(), "operator")));
    assertThrowsNode(
        () ->
            registry.register(new ForeignTarget("bad address!", 4420, nqn, List.of(), "operator")));
  }

  private static void assertThrowsNode(org.junit.jupiter.api.function.Executable e) {
    org.junit.jupiter.api.Assertions.assertThrows(io.weft.node.NodeException.class, e);
  }

  private io.weft.tgt.Target foreignTarget(int port, String nqn) throws Exception {
    return io.weft.tgt.Target.start(
        new TargetConfig(
            dir.resolve("foreign"),
            List.of(ListenerConfig.of("127.0.0.1", port)),
            List.of(
                new io.weft.tgt.config.SubsystemConfig(
                    nqn,
                    null,
                    null,
                    null,
                    List.of(),
                    List.of(io.weft.tgt.config.NamespaceConfig.memory(1, 1 << 20)))),
            null,
            TuningConfig.defaults().withSpinNanos(0)));
  }

  /** A persistent discovery controller that reads its log once and reports every event. */
  private HostController persistent(String host, LinkedBlockingQueue<Integer> events)
      throws Exception {
    HostController c =
        HostController.connect(
            as(host)
                .withSubsystem(DiscoveryLogPage.DISCOVERY_NQN)
                .withQueues(0, 32)
                .withTimeouts(30, 0, 1, -1));
    readLog(c);
    c.onAsyncEvent(result -> events.add(result));
    Thread.sleep(200); // the event request is out
    return c;
  }

  private static DiscoveryLogPage readLog(HostController c) throws Exception {
    byte[] head = c.logPage(Opcodes.LOG_DISCOVERY, 0, DiscoveryLogPage.HEADER_SIZE);
    long records = Unpooled.wrappedBuffer(head).getLongLE(DiscoveryLogPage.NUMREC);
    int size = DiscoveryLogPage.HEADER_SIZE + (int) records * DiscoveryLogEntry.SIZE;
    byte[] all = c.logPage(Opcodes.LOG_DISCOVERY, 0, size);
    return DiscoveryLogPage.decode(Unpooled.wrappedBuffer(all), 0, size);
  }
}
