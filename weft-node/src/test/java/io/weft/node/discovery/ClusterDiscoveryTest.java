package io.weft.node.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.host.ConnectOptions;
import io.weft.host.Discovery;
import io.weft.host.HostController;
import io.weft.host.NvmeException;
import io.weft.node.StorageNode;
import io.weft.node.volume.VolumeService;
import io.weft.protocol.discovery.DiscoveryInformation;
import io.weft.protocol.discovery.DiscoveryInformationEntry;
import io.weft.protocol.discovery.DiscoveryLogEntry;
import io.weft.protocol.discovery.DiscoveryLogPage;
import io.weft.protocol.discovery.ExtendedAttribute;
import io.weft.protocol.nvme.AsyncEvent;
import io.weft.protocol.nvme.IdentifyController;
import io.weft.protocol.nvme.Opcodes;
import io.weft.protocol.nvme.Status;
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
  void aTenantsHostsDiscoverItsVolumesAndNothingElse() throws Exception {
    VolumeService volumes = new VolumeService(store, nodes.get("n1").registry());
    volumes.createTenant("acme", 0, List.of(HOST_A));
    volumes.createTenant("bolt", 0, List.of(HOST_B));
    for (String[] v : new String[][] {{"acme-1", "acme", HOST_A}, {"bolt-1", "bolt", HOST_B}}) {
      volumes.create(
          new VolumeService.CreateRequest(
              v[0],
              16L << 20,
              2,
              List.of("n1", "n2"),
              List.of(v[2]),
              null,
              null,
              null,
              null,
              null,
              null,
              v[1],
              null,
              null));
    }
    String a = "nqn.2026-11.io.weft:vol:acme-1";
    String b = "nqn.2026-11.io.weft:vol:bolt-1";
    await(
        "acme's host sees acme's volume",
        Duration.ofSeconds(10),
        () -> paths(HOST_A).equals(List.of(a + "@" + port("n1"), a + "@" + port("n2"))));
    assertEquals(List.of(b + "@" + port("n1"), b + "@" + port("n2")), paths(HOST_B));
    // and the target refuses a tenant's host on the other tenant's volume even if it knows the NQN
    await(
        "n1 exports bolt's volume",
        Duration.ofSeconds(10),
        () -> nodes.get("n1").target().hasSubsystem(b));
    int refused =
        refusal(
            () ->
                HostController.connect(
                    ConnectOptions.defaults("127.0.0.1", Integer.parseInt(port("n1")), b)
                        .withHost(HOST_A, UUID.nameUUIDFromBytes(HOST_A.getBytes()))));
    assertEquals(io.weft.protocol.nvme.Status.CONNECT_INVALID_HOST, refused);
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

  /** nvme-cli's registration of {@code host}: one extended host entry with its Host ID. */
  private static DiscoveryInformation hostRegistration(String host) {
    UUID id = UUID.nameUUIDFromBytes(host.getBytes());
    byte[] idBytes =
        java.nio.ByteBuffer.allocate(16)
            .putLong(id.getMostSignificantBits())
            .putLong(id.getLeastSignificantBits())
            .array();
    return new DiscoveryInformation(
        DiscoveryInformation.FORMAT_EXTENDED,
        DiscoveryInformation.ENTITY_HOST,
        false,
        DiscoveryInformation.KEY_ADDRESS,
        host,
        "gpu-node-1",
        "Linux 6.1",
        List.of(
            new DiscoveryInformationEntry(
                3,
                1,
                0,
                0,
                0,
                0,
                0,
                "",
                host,
                "",
                0,
                List.of(new ExtendedAttribute(ExtendedAttribute.HOST_ID, idBytes)))));
  }

  private static int refusal(org.junit.jupiter.api.function.Executable e) {
    // SCT and SC: DNR and More (an error log entry was made) aside.
    return org.junit.jupiter.api.Assertions.assertThrows(NvmeException.class, e).status() & 0x7FF;
  }

  /**
   * A host registers itself with Discovery Information Management and deregisters; it cannot
   * register another host; malformed data is refused with TP8010's status and changes nothing, the
   * connection serving on; a plain target's discovery controller does not take the command.
   */
  @Test
  void hostsRegisterThemselvesAndOnlyThemselves() throws Exception {
    DiscoveryRegistrations registered = discovery.registrations();
    LinkedBlockingQueue<Integer> ignored = new LinkedBlockingQueue<>();
    try (HostController a = persistent(HOST_A, ignored);
        HostController b = persistent(HOST_B, ignored)) {
      a.manageDiscoveryInformation(DiscoveryInformation.TASK_REGISTER, hostRegistration(HOST_A));
      List<RegisteredHost> hosts = registered.hosts();
      assertEquals(1, hosts.size());
      RegisteredHost h = hosts.get(0);
      assertEquals(HOST_A, h.nqn());
      assertEquals(UUID.nameUUIDFromBytes(HOST_A.getBytes()).toString(), h.hostId());
      assertEquals("127.0.0.1", h.address(), "an empty TRADDR is the connection's address");
      assertEquals("gpu-node-1", h.name());

      assertEquals(
          Status.INVALID_DISCOVERY_INFORMATION,
          refusal(
              () ->
                  b.manageDiscoveryInformation(
                      DiscoveryInformation.TASK_REGISTER, hostRegistration(HOST_A))),
          "B may not register A");
      DiscoveryInformation a1 = hostRegistration(HOST_A);
      DiscoveryInformation asCdc =
          new DiscoveryInformation(
              a1.format(),
              DiscoveryInformation.ENTITY_CDC,
              false,
              a1.keyType(),
              "nqn.2014-08.org.example:other-cdc",
              "cdc",
              "1",
              a1.entries());
      assertEquals(
          Status.INVALID_DISCOVERY_INFORMATION,
          refusal(() -> b.manageDiscoveryInformation(DiscoveryInformation.TASK_REGISTER, asCdc)),
          "nor, as a centralized controller, replace A's own registration");
      ByteBuf bad = Unpooled.buffer();
      hostRegistration(HOST_B).encode(bad);
      bad.setIntLE(DiscoveryInformation.HEADER_SIZE + DiscoveryInformationEntry.TEL, 4000);
      byte[] badBytes = new byte[bad.readableBytes()];
      bad.getBytes(0, badBytes);
      assertEquals(
          Status.INVALID_DISCOVERY_INFORMATION,
          refusal(
              () -> b.manageDiscoveryInformation(DiscoveryInformation.TASK_REGISTER, badBytes)));
      assertEquals(
          Status.INVALID_FIELD,
          refusal(() -> b.manageDiscoveryInformation(7, hostRegistration(HOST_B))),
          "task 7 is reserved");
      assertEquals(List.of(h), registered.hosts(), "A's registration is untouched");
      assertEquals(discovery.nqn(), readLog(b).entries().get(0).subsystemNqn(), "B still served");

      a.manageDiscoveryInformation(DiscoveryInformation.TASK_DEREGISTER, hostRegistration(HOST_A));
      assertEquals(List.of(), registered.hosts());
    }
    io.weft.tgt.Target plain = foreignTarget(0, "nqn.2014-08.org.example:plain");
    try (HostController c =
        HostController.connect(
            ConnectOptions.defaults(
                    "127.0.0.1",
                    plain.listenAddresses().get(0).getPort(),
                    DiscoveryLogPage.DISCOVERY_NQN)
                .withHost(HOST_A, UUID.nameUUIDFromBytes(HOST_A.getBytes()))
                .withQueues(0, 32))) {
      assertEquals(
          Status.INVALID_OPCODE,
          refusal(
              () ->
                  c.manageDiscoveryInformation(
                      DiscoveryInformation.TASK_REGISTER, hostRegistration(HOST_A))),
          "only a centralized discovery controller takes registrations");
    } finally {
      plain.close();
    }
  }

  /**
   * A direct discovery controller registers its subsystems: hosts see them while they answer; only
   * that controller may take them away. An operator's referral is listed last, as SUBTYPE 1.
   */
  @Test
  void aDiscoveryControllerRegistersItsSubsystemsAndReferralsAreListed() throws Exception {
    String nqn = "nqn.2014-08.org.example:registered-by-ddc";
    io.weft.tgt.Target foreign = foreignTarget(0, nqn);
    int port = foreign.listenAddresses().get(0).getPort();
    DiscoveryInformation ddc =
        new DiscoveryInformation(
            DiscoveryInformation.FORMAT_BASIC,
            DiscoveryInformation.ENTITY_DDC,
            false,
            DiscoveryInformation.KEY_PORT_ID,
            "nqn.2014-08.org.example:ddc-1",
            "array-1",
            "1.0",
            List.of(
                new DiscoveryInformationEntry(
                    3, 1, 2, 0, 1, 0xFFFF, 32, "" + port, nqn, "127.0.0.1", 0, List.of())));
    DiscoveryInformation otherDdc =
        new DiscoveryInformation(
            ddc.format(),
            ddc.entityType(),
            false,
            ddc.keyType(),
            "nqn.2014-08.org.example:ddc-2",
            "array-2",
            "1.0",
            ddc.entries());
    String entry = nqn + "@" + port;
    LinkedBlockingQueue<Integer> ignored = new LinkedBlockingQueue<>();
    try (HostController c = persistent(HOST_B, ignored)) {
      assertEquals(
          Status.INVALID_DISCOVERY_INFORMATION,
          refusal(() -> c.manageDiscoveryInformation(DiscoveryInformation.TASK_REGISTER, ddc)),
          "subsystems from a discovery controller only where the service takes them");
      discovery.registrations().acceptSubsystems(true);
      c.manageDiscoveryInformation(DiscoveryInformation.TASK_REGISTER, ddc);
      await(
          "the DDC's subsystem listed",
          Duration.ofSeconds(10),
          () -> paths(HOST_A).contains(entry));
      assertTrue(paths(HOST_B).contains(entry), "no allowed hosts named: every host");
      ForeignTarget t = new ForeignTargets(store).list().get(0);
      assertEquals("dim:nqn.2014-08.org.example:ddc-1", t.source());
      assertEquals(
          Status.INVALID_DISCOVERY_INFORMATION,
          refusal(
              () -> c.manageDiscoveryInformation(DiscoveryInformation.TASK_DEREGISTER, otherDdc)),
          "another controller may not take it away");
      new ForeignTargets(store)
          .register(
              new ForeignTarget(
                  "127.0.0.1",
                  discovery.address().getPort(),
                  DiscoveryLogPage.DISCOVERY_NQN,
                  List.of(),
                  "operator",
                  ForeignTarget.Kind.REFERRAL));
      await(
          "the referral listed",
          Duration.ofSeconds(10),
          () -> {
            List<DiscoveryLogEntry> es = Discovery.discover(as(HOST_A)).entries();
            DiscoveryLogEntry last = es.get(es.size() - 1);
            return last.subtype() == DiscoveryLogEntry.SUBTYPE_REFERRAL
                && last.subsystemNqn().equals(DiscoveryLogPage.DISCOVERY_NQN);
          });
      c.manageDiscoveryInformation(DiscoveryInformation.TASK_DEREGISTER, ddc);
      await("withdrawn", Duration.ofSeconds(10), () -> !paths(HOST_A).contains(entry));
    } finally {
      foreign.close();
    }
  }

  /**
   * The pull model: a target's own discovery controller registered for pulling; the service serves
   * the subsystems its log lists, hears of a new one through that controller's change notice and
   * tells the hosts concerned; when the target stops, its subsystems leave the logs.
   */
  @Test
  void aPulledDiscoveryControllersSubsystemsAreServedAndFollowed() throws Exception {
    String first = "nqn.2014-08.org.example:pulled-1";
    String second = "nqn.2014-08.org.example:pulled-2";
    io.weft.tgt.Target ddc = foreignTarget(0, first);
    int port = ddc.listenAddresses().get(0).getPort();
    new ForeignTargets(store)
        .register(
            new ForeignTarget(
                "127.0.0.1",
                port,
                DiscoveryLogPage.DISCOVERY_NQN,
                List.of(HOST_A),
                "operator",
                ForeignTarget.Kind.PULL));
    await("pulled", Duration.ofSeconds(10), () -> paths(HOST_A).contains(first + "@" + port));
    assertTrue(!paths(HOST_B).contains(first + "@" + port), "only the hosts it names");
    LinkedBlockingQueue<Integer> eventsA = new LinkedBlockingQueue<>();
    try (HostController a = persistent(HOST_A, eventsA)) {
      ddc.createSubsystem(
          new io.weft.tgt.config.SubsystemConfig(
              second,
              null,
              null,
              null,
              List.of(),
              List.of(io.weft.tgt.config.NamespaceConfig.memory(1, 1 << 20))));
      assertEquals(
          AsyncEvent.DISCOVERY_LOG_CHANGED,
          eventsA.poll(5, TimeUnit.SECONDS),
          "the new subsystem reaches A's persistent controller through the pulled one's notice");
      assertTrue(paths(HOST_A).contains(second + "@" + port));
      ddc.close();
      await(
          "withdrawn with its controller",
          Duration.ofSeconds(15),
          () -> paths(HOST_A).stream().noneMatch(p -> p.startsWith("nqn.2014-08.org.example")));
    } finally {
      ddc.close();
    }
  }

  /**
   * A host that connects and disconnects as fast as it can, half the time dropping the TCP
   * connection in the middle of its Connect: the service frees every controller it made, a
   * persistent host hears nothing of it, and every view stays as it was.
   */
  @Test
  void aHostFloodingConnectAndDisconnectChangesNothingForOthers() throws Exception {
    createVolume("for-a", List.of(HOST_A));
    await("A's volume listed", Duration.ofSeconds(10), () -> paths(HOST_A).size() == 2);
    List<String> before = paths(HOST_A);
    String flooder = "nqn.2014-08.org.example:flooder";
    LinkedBlockingQueue<Integer> eventsA = new LinkedBlockingQueue<>();
    try (HostController a = persistent(HOST_A, eventsA)) {
      int port = discovery.address().getPort();
      for (int i = 0; i < 200; i++) {
        if (i % 2 == 0) {
          assertEquals(1, Discovery.discover(as(flooder)).entries().size(), "only the service");
        } else {
          // An ICReq's first bytes, then gone.
          try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            s.getOutputStream().write(new byte[] {0, 0, (byte) 128, 0});
          }
        }
      }
      await(
          "the flooder's controllers freed",
          Duration.ofSeconds(10),
          () ->
              discovery.target().controllers().stream()
                  .noneMatch(c -> c.hostNqn().equals(flooder)));
      assertEquals(1, discovery.target().controllers().size(), "A's persistent controller only");
      assertNull(eventsA.poll(500, TimeUnit.MILLISECONDS), "A heard of nothing");
      assertEquals(before, paths(HOST_A));
      assertTrue(a.isLive());
    }
  }

  /**
   * Zoning changed on a volume in use: the hosts whose log changed (the one that lost it, the one
   * that gained it) hear of it at once, the one that lost it is disconnected from the volume, and
   * the one that gained it can connect.
   */
  @Test
  void aZoningChangeTakesEffectAtOnceForConnectedHosts() throws Exception {
    createVolume("zoned", List.of(HOST_A));
    String nqn = "nqn.2026-11.io.weft:vol:zoned";
    await("listed for A", Duration.ofSeconds(10), () -> paths(HOST_A).size() == 2);
    await(
        "served",
        Duration.ofSeconds(15),
        () -> {
          try (HostController c =
              HostController.connect(
                  ConnectOptions.defaults("127.0.0.1", Integer.parseInt(port("n1")), nqn)
                      .withHost(HOST_A, UUID.nameUUIDFromBytes(HOST_A.getBytes())))) {
            return true;
          } catch (java.io.IOException e) {
            return false;
          }
        });
    LinkedBlockingQueue<Integer> eventsA = new LinkedBlockingQueue<>();
    LinkedBlockingQueue<Integer> eventsB = new LinkedBlockingQueue<>();
    try (HostController a = persistent(HOST_A, eventsA);
        HostController b = persistent(HOST_B, eventsB);
        HostController volumeA =
            HostController.connect(
                ConnectOptions.defaults("127.0.0.1", Integer.parseInt(port("n1")), nqn)
                    .withHost(HOST_A, UUID.nameUUIDFromBytes(HOST_A.getBytes()))
                    .withTimeouts(30, 2, 1, -1))) {
      new VolumeService(store, nodes.get("n1").registry())
          .setAllowedHosts("zoned", List.of(HOST_B));
      assertEquals(AsyncEvent.DISCOVERY_LOG_CHANGED, eventsA.poll(5, TimeUnit.SECONDS), "A told");
      assertEquals(AsyncEvent.DISCOVERY_LOG_CHANGED, eventsB.poll(5, TimeUnit.SECONDS), "B told");
      assertEquals(List.of(), paths(HOST_A));
      assertEquals(2, paths(HOST_B).size());
      await("A disconnected from the volume", Duration.ofSeconds(10), () -> !volumeA.isLive());
      try (HostController volumeB =
          HostController.connect(
              ConnectOptions.defaults("127.0.0.1", Integer.parseInt(port("n1")), nqn)
                  .withHost(HOST_B, UUID.nameUUIDFromBytes(HOST_B.getBytes())))) {
        assertTrue(volumeB.isLive());
      }
    }
    assertThrowsNode(
        () ->
            new VolumeService(store, nodes.get("n1").registry())
                .setAllowedHosts("zoned", List.of("not a host")));
  }

  @Test
  void theLogIsReadThroughTheUniqueNqnAnMdnsAdvertisementNames() throws Exception {
    DiscoveryLogPage page = Discovery.discover(as(HOST_A), discovery.nqn());
    assertEquals(discovery.nqn(), page.entries().get(0).subsystemNqn());
    io.weft.host.NvmeException refused =
        org.junit.jupiter.api.Assertions.assertThrows(
            io.weft.host.NvmeException.class,
            () -> Discovery.discover(as(HOST_A), "nqn.2026-11.io.weft:discovery:another"));
    assertTrue(refused.isNvmeStatus(), refused.toString());
    // Advertising an address the service does not listen on would send hosts nowhere.
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class,
        () -> discovery.advertiseOverMdns(java.net.InetAddress.getByName("127.0.0.2")));
    assertTrue(discovery.mdns().isEmpty());
  }

  /**
   * Hosts that came once and left do not stay in memory: their kept log is let go once idle, while
   * a persistent host's is kept (and its notices still come); a host that returns is served anew.
   */
  @Test
  void idleHostLogsAreLetGoButPersistentHostsKeepTheirs() throws Exception {
    String visitor = "nqn.2014-08.org.example:visitor";
    createVolume("for-a", List.of(HOST_A));
    createVolume("for-all", List.of());
    await("listed", Duration.ofSeconds(10), () -> paths(HOST_A).size() == 4);
    assertEquals(2, paths(visitor).size());
    LinkedBlockingQueue<Integer> eventsA = new LinkedBlockingQueue<>();
    try (HostController a = persistent(HOST_A, eventsA)) {
      assertTrue(discovery.keptViews().containsAll(List.of(HOST_A, visitor)));
      discovery.idleViewsAfter(Duration.ZERO);
      discovery.sweepIdleViews();
      assertEquals(java.util.Set.of(HOST_A), discovery.keptViews(), "the visitor's log let go");
      createVolume("later", List.of());
      assertEquals(
          AsyncEvent.DISCOVERY_LOG_CHANGED,
          eventsA.poll(5, TimeUnit.SECONDS),
          "the persistent host still hears of changes");
      assertEquals(6, paths(HOST_A).size());
      assertEquals(4, paths(visitor).size(), "the visitor is served anew, up to date");
    }
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
