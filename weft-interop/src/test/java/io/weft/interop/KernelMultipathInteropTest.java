package io.weft.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Linux kernel's native NVMe multipath on a replicated Weft volume: two storage node processes
 * on one etcd, a 2-replica volume, the guest connected through both nodes (two paths, one
 * namespace). fio with verify runs while the owner node is killed with SIGKILL; the other node
 * takes over when the owner's lease expires, the kernel fails over on its ANA change, and fio
 * finishes without an error. The old owner, restarted, is fenced (a plain, inaccessible path),
 * rebuilt, and back in sync; both replica files and the device as the guest reads it are identical.
 * Logs: weft-interop/target/interop-logs/kernel-multipath-*.
 */
@Tag("interop")
@ExtendWith(LinuxPeerCondition.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KernelMultipathInteropTest {
  static final String VOLUME = "mp";
  static final String NQN = "nqn.2026-11.io.weft:vol:" + VOLUME;
  static final String HOST_NQN = "nqn.2014-08.io.weft:multipath-host";
  static final int LEASE_TTL = 3;
  static final String ADDR1 = "10.0.2.100";
  static final String ADDR2 = "10.0.2.101";

  private final LinuxPeer peer = LinuxPeer.locate();
  private final Map<String, String> facts = new ConcurrentHashMap<>();
  private ClusterProcesses cluster;
  private GuestReport report = new GuestReport();
  private Path runDir;

  @BeforeAll
  void run() throws Exception {
    Optional<String> why = peer.whyUnavailable();
    if (why.isPresent()) {
      Interop.cannotRun("linux-peer cannot boot a guest: " + why.get());
    }
    runDir = Interop.newRunLogDir("kernel-multipath");
    Path share = Interop.createDirectories(runDir.resolve("share"));
    Path work = Interop.newWorkDir("kernel-multipath");
    Path jar = Files.copy(Interop.weftJar(), work.resolve("weft.jar"));
    cluster = new ClusterProcesses(jar, work, runDir, LEASE_TTL);
    cluster.startEtcd();
    ClusterProcesses.Node n1 = cluster.add("n1", "z1", ADDR1 + ":4420");
    ClusterProcesses.Node n2 = cluster.add("n2", "z2", ADDR2 + ":4420");
    cluster.start("n1");
    cluster.start("n2");
    Interop.CommandResult created =
        cluster.createVolume("n1", VOLUME, "128M", 2, "--nodes", "n1,n2", "--allow-host", HOST_NQN);
    facts.put("create", created.oneLine());
    Interop.waitFor(
        "n1 serving the volume", Duration.ofSeconds(30), () -> anaOf("n1").equals("optimized"));
    System.out.println("multipath interop: logs in " + runDir);
    try (LinuxPeer.Guest guest =
        peer.boot(
            new LinuxPeer.GuestSpec(
                    Interop.moduleDir().resolve("src/test/guest/kernel-multipath.sh"))
                .share(share)
                .guestForward(ADDR1, 4420, n1.port())
                .guestForward(ADDR2, 4420, n2.port())
                .env("NQN", NQN)
                .env("HOSTNQN", HOST_NQN)
                .env("HOSTID", UUID.randomUUID().toString())
                .env("ADDR1", ADDR1)
                .env("ADDR2", ADDR2)
                .memoryMib(1024)
                .timeout(Duration.ofMinutes(12))
                .log(runDir.resolve("guest.log")))) {
      HostAgent agent =
          new HostAgent(share, runDir.resolve("host-agent.log"))
              .on("kill-owner", (payload, seen) -> killOwner())
              .on("restart-old-owner", (payload, seen) -> restartOldOwner());
      agent.serve(guest, Duration.ofMinutes(12));
    } finally {
      report = GuestReport.read(share.resolve("steps.txt"));
      System.out.println("multipath guest steps:");
      report.lines().forEach(l -> System.out.println("  " + l));
      System.out.println("multipath host facts: " + facts);
    }
  }

  @AfterAll
  void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  private String anaOf(String node) {
    try {
      for (JsonNode s : cluster.get(node, "/v1/subsystems/" + NQN.replace(":", "%3A") + "/ana")) {
        if (s.path("group").asInt() == 1) {
          return s.path("state").asText();
        }
      }
      return "none";
    } catch (Exception e) {
      return "unreachable";
    }
  }

  private JsonNode volume(String via) throws Exception {
    return cluster.get(via, "/v1/volumes/" + VOLUME);
  }

  private String killOwner() throws Exception {
    long t0 = System.nanoTime();
    cluster.kill("n1");
    facts.put("killedAt", Long.toString(t0));
    Interop.waitFor(
        "n2 to take over",
        Duration.ofSeconds(LEASE_TTL + 20),
        () -> "n2".equals(volume("n2").path("owner").asText()) && anaOf("n2").equals("optimized"));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    facts.put("takeoverMs", Long.toString(ms));
    return "OK n1 killed (SIGKILL); n2 owns the volume (optimized) " + ms + " ms later";
  }

  private String restartOldOwner() throws Exception {
    cluster.start("n1");
    long t0 = System.nanoTime();
    Interop.waitFor(
        "n1 rebuilt and in sync",
        Duration.ofSeconds(120),
        () -> volume("n2").path("state").asText().equals("healthy"));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    facts.put("rebuildMs", Long.toString(ms));
    JsonNode v = volume("n1");
    return "OK n1 restarted; owner "
        + v.path("owner").asText()
        + " generation "
        + v.path("generation").asInt()
        + ", healthy again after "
        + ms
        + " ms; n1 ANA "
        + anaOf("n1");
  }

  private static String sha256(Path file) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 20];
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  private void assertSteps(String... names) {
    report.assertPassed(names);
  }

  @Test
  void theKernelSeesOneNamespaceWithTwoPathsAndTheirAnaStates() {
    assertSteps(
        "multipath-enabled",
        "connect-" + ADDR1,
        "connect-" + ADDR2,
        "list-subsys",
        "ana-by-owner",
        "one-block-device");
  }

  @Test
  void fioVerifiesAcrossTheKillOfTheOwner() {
    assertSteps("kill-owner", "fio-across-failover", "no-io-errors", "new-owner-optimized");
  }

  @Test
  void theOldOwnerIsFencedRebuiltAndIdentical() throws Exception {
    assertSteps("restart-old-owner", "old-owner-fenced", "read-all");
    JsonNode v = volume("n2");
    assertEquals("n2", v.path("owner").asText());
    assertEquals(2, v.path("generation").asInt(), "one ownership change");
    assertEquals("healthy", v.path("state").asText());
    String r1 = sha256(cluster.dataDir("n1").resolve("volumes/" + VOLUME + ".img"));
    String r2 = sha256(cluster.dataDir("n2").resolve("volumes/" + VOLUME + ".img"));
    assertEquals(r2, r1, "the two replicas are identical");
    assertEquals(r2, report.info("device-sha256"), "and equal to what the guest read");
  }
}
