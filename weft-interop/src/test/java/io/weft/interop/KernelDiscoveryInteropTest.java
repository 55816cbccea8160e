package io.weft.interop;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Linux kernel host's nvme-cli against Weft's centralized discovery service (run by node n1 of
 * a two-node cluster): {@code nvme discover} as host A lists exactly the volumes A may use, each
 * through both nodes, and the service's own entry; as host B, B's; {@code nvme connect-all} as A
 * connects both paths of A's volume and nothing of B's; with persistent discovery controllers
 * ({@code nvme discover -p}) for both, a new volume for A sends the discovery-log-change AEN to A's
 * controller (a uevent in the guest) and not to B's; {@code nvme dim} registers host A with the
 * service through its persistent controller and deregisters it. Logs:
 * weft-interop/target/interop-logs/kernel-discovery-*.
 */
@Tag("interop")
@ExtendWith(LinuxPeerCondition.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KernelDiscoveryInteropTest {
  static final String HOST_A = "nqn.2014-08.io.weft:discovery-host-a";
  static final String HOST_B = "nqn.2014-08.io.weft:discovery-host-b";
  static final String ADDR1 = "10.0.2.100";
  static final String ADDR2 = "10.0.2.101";
  static final String DADDR = "10.0.2.102";
  static final String DADDR2 = "10.0.2.103";

  private final LinuxPeer peer = LinuxPeer.locate();
  private ClusterProcesses cluster;
  private GuestReport report = new GuestReport();

  @BeforeAll
  void run() throws Exception {
    Optional<String> why = peer.whyUnavailable();
    if (why.isPresent()) {
      Interop.cannotRun("linux-peer cannot boot a guest: " + why.get());
    }
    Path runDir = Interop.newRunLogDir("kernel-discovery");
    Path share = Interop.createDirectories(runDir.resolve("share"));
    Path work = Interop.newWorkDir("kernel-discovery");
    cluster =
        new ClusterProcesses(
            java.nio.file.Files.copy(Interop.weftJar(), work.resolve("weft.jar")), work, runDir, 3);
    cluster.startEtcd();
    ClusterProcesses.Node n1 = cluster.add("n1", "z1", ADDR1 + ":4420");
    ClusterProcesses.Node n2 = cluster.add("n2", "z2", ADDR2 + ":4420");
    int discovery = cluster.withDiscovery("n1");
    cluster.start("n1");
    cluster.start("n2");
    cluster.createVolume("n1", "for-a", "16M", 2, "--nodes", "n1,n2", "--allow-host", HOST_A);
    cluster.createVolume("n1", "for-b", "16M", 2, "--nodes", "n1,n2", "--allow-host", HOST_B);
    cluster.createVolume("n1", "open", "16M", 2, "--nodes", "n1,n2");
    Interop.waitFor(
        "every volume served",
        Duration.ofSeconds(30),
        () ->
            List.of("for-a", "for-b", "open").stream()
                .allMatch(
                    v -> {
                      try {
                        return cluster
                            .get("n1", "/v1/volumes/" + v)
                            .path("state")
                            .asText()
                            .equals("healthy");
                      } catch (Exception e) {
                        return false;
                      }
                    }));
    System.out.println("kernel discovery: logs in " + runDir);
    try (LinuxPeer.Guest guest =
        peer.boot(
            new LinuxPeer.GuestSpec(
                    Interop.moduleDir().resolve("src/test/guest/kernel-discovery.sh"))
                .share(share)
                .guestForward(ADDR1, 4420, n1.port())
                .guestForward(ADDR2, 4420, n2.port())
                .guestForward(DADDR, 8009, discovery)
                .guestForward(DADDR2, 8009, discovery)
                .env("DADDR", DADDR)
                .env("DADDR2", DADDR2)
                .env("DPORT", "8009")
                .env("HOSTNQN_A", HOST_A)
                .env("HOSTNQN_B", HOST_B)
                .env("NQN_A", "nqn.2026-11.io.weft:vol:for-a")
                .env("NQN_B", "nqn.2026-11.io.weft:vol:for-b")
                .env("NQN_OPEN", "nqn.2026-11.io.weft:vol:open")
                .env("ADDR1", ADDR1)
                .env("ADDR2", ADDR2)
                .memoryMib(1024)
                .timeout(Duration.ofMinutes(5))
                .log(runDir.resolve("guest.log")))) {
      new HostAgent(share, runDir.resolve("host-agent.log"))
          .on(
              "create-volume-for-a",
              (payload, seen) ->
                  "OK "
                      + cluster
                          .createVolume(
                              "n1", "later", "16M", 2, "--nodes", "n1,n2", "--allow-host", HOST_A)
                          .oneLine())
          .on("dim-registered", (payload, seen) -> registeredHosts(true))
          .on("dim-deregistered", (payload, seen) -> registeredHosts(false))
          .on("kill-n2", (payload, seen) -> killN2())
          .on(
              "restart-n2",
              (payload, seen) -> {
                cluster.start("n2");
                return "OK n2 started again";
              })
          .serve(guest, Duration.ofMinutes(5));
    } finally {
      report = GuestReport.read(share.resolve("steps.txt"));
      System.out.println("kernel discovery guest steps:");
      report.lines().forEach(l -> System.out.println("  " + l));
    }
  }

  /**
   * Whether host A's registration is in the store (read through n1's API), as {@code nvme dim} left
   * it: with its Host ID and the address it registered from, or gone.
   */
  private String registeredHosts(boolean expected) throws Exception {
    var hosts = cluster.get("n1", "/v1/discovery/hosts");
    for (var h : hosts) {
      if (h.path("nqn").asText().equals(HOST_A)) {
        return expected && !h.path("hostId").asText().isEmpty()
            ? "OK registered: " + h
            : "NO still registered: " + h;
      }
    }
    return expected ? "NO not registered: " + hosts : "OK no registration left";
  }

  /** SIGKILL, then wait until the cluster marks n2 down (its lease expired). */
  private String killN2() throws Exception {
    long t0 = System.nanoTime();
    cluster.kill("n2");
    Interop.waitFor(
        "n2 down",
        Duration.ofSeconds(30),
        () -> {
          for (var n : cluster.get("n1", "/v1/nodes")) {
            if (n.path("id").asText().equals("n2")) {
              return n.path("state").asText().equals("down");
            }
          }
          return false;
        });
    return "OK n2 killed (SIGKILL), down after " + (System.nanoTime() - t0) / 1_000_000 + " ms";
  }

  @AfterAll
  void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  private void assertSteps(String... names) {
    report.assertPassed(names);
  }

  @Test
  void eachHostDiscoversExactlyWhatItMayUseThroughEveryNode() {
    assertSteps("discover-host-a", "discover-host-b", "own-entry");
  }

  @Test
  void connectAllConnectsEveryPathOfTheHostsVolumesOnly() {
    assertSteps("connect-all");
  }

  @Test
  void aNewVolumeSendsTheChangeNoticeToItsHostsPersistentControllerOnly() {
    assertSteps("persistent-aen");
  }

  @Test
  void nvmeDimRegistersAndDeregistersTheHost() {
    assertSteps("dim-register", "dim-deregister");
  }

  @Test
  void aKilledNodeLeavesTheLogsAndReturnsWithItsLease() {
    assertSteps("node-withdrawn", "node-returns");
  }
}
