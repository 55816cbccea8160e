package io.weft.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.host.ConnectOptions;
import io.weft.host.Discovery;
import io.weft.host.HostController;
import io.weft.host.NvmeNamespace;
import io.weft.protocol.discovery.DiscoveryLogEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A foreign target, the Linux kernel's nvmet in a qemu guest, registered with Weft's discovery
 * service by an operator ({@code weft discovery register}): the host it allows finds it in its
 * discovery log and reaches the kernel's subsystem through that entry; another host does not see
 * it; when the guest stops, the entry leaves the log within the health window. Logs:
 * weft-interop/target/interop-logs/foreign-nvmet-*.
 */
@Tag("interop")
@ExtendWith(LinuxPeerCondition.class)
class ForeignNvmetDiscoveryInteropTest {
  static final String NQN = "nqn.2014-08.io.weft:foreign-nvmet";
  static final String HOST = "nqn.2014-08.io.weft:foreign-nvmet-host";
  static final String OTHER = "nqn.2014-08.io.weft:foreign-nvmet-other";
  static final int HEALTH_WINDOW_S = 5; // the discovery service's default

  private final LinuxPeer peer = LinuxPeer.locate();

  private static ConnectOptions as(String host, int port, String nqn) {
    UUID id = UUID.nameUUIDFromBytes(host.getBytes());
    return ConnectOptions.defaults("127.0.0.1", port, nqn).withHost(host, id).withIoTimeout(30);
  }

  private static Optional<DiscoveryLogEntry> entry(String host, int discovery) throws Exception {
    return Discovery.discover(as(host, discovery, "unused")).entries().stream()
        .filter(e -> e.subtype() == DiscoveryLogEntry.SUBTYPE_NVM && e.subsystemNqn().equals(NQN))
        .findFirst();
  }

  @Test
  void anOperatorsNvmetTargetIsServedWhileItsGuestRuns() throws Exception {
    Optional<String> why = peer.whyUnavailable();
    if (why.isPresent()) {
      Interop.cannotRun("linux-peer cannot boot a guest: " + why.get());
    }
    Path runDir = Interop.newRunLogDir("foreign-nvmet");
    Path share = Files.createDirectories(runDir.resolve("share"));
    Path work = Interop.newWorkDir("foreign-nvmet");
    int nvmetPort = Interop.freePort();
    try (ClusterProcesses cluster =
            new ClusterProcesses(
                Files.copy(Interop.weftJar(), work.resolve("weft.jar")), work, runDir, 3);
        LinuxPeer.Guest guest =
            peer.boot(
                new LinuxPeer.GuestSpec(
                        Interop.moduleDir()
                            .resolve("src/test/guest/kernel-target-for-java-host.sh"))
                    .share(share)
                    .hostForward(nvmetPort, 4420)
                    .env("NQN", NQN)
                    .timeout(Duration.ofMinutes(10))
                    .log(runDir.resolve("guest.log")))) {
      cluster.startEtcd();
      cluster.add("n1", "z1", null);
      int discovery = cluster.withDiscovery("n1");
      cluster.start("n1");
      Interop.waitFor(
          "the kernel target in the guest",
          Duration.ofMinutes(3),
          () -> Files.exists(share.resolve("ready")) || !guest.isAlive());
      assertTrue(guest.isAlive(), "guest ended early: " + Interop.tail(guest.log(), 40));

      Interop.CommandResult registered =
          cluster.cli(
              "discovery",
              "register",
              "--admin",
              cluster.node("n1").admin(),
              "--traddr",
              "127.0.0.1",
              "--trsvcid",
              Integer.toString(nvmetPort),
              "--nqn",
              NQN,
              "--allow-host",
              HOST);
      assertTrue(registered.ok(), registered.output());
      Interop.waitFor(
          "the nvmet subsystem in the allowed host's log",
          Duration.ofSeconds(20),
          () -> entry(HOST, discovery).isPresent());
      assertTrue(entry(OTHER, discovery).isEmpty(), "a host the operator did not allow sees it");

      // The entry leads to the kernel's subsystem: identify it and read back what was written.
      DiscoveryLogEntry e = entry(HOST, discovery).orElseThrow();
      try (HostController c =
          HostController.connect(as(HOST, Integer.parseInt(e.trsvcid()), e.subsystemNqn()))) {
        assertEquals("Linux", c.identifyController().model());
        NvmeNamespace ns = c.namespace(1);
        byte[] pattern = new byte[4096];
        new java.util.Random(7).nextBytes(pattern);
        ns.writeBlocking(0, 4096 / ns.blockSize(), Unpooled.wrappedBuffer(pattern), 0);
        ByteBuf back = Unpooled.buffer(4096).writerIndex(4096);
        ns.readBlocking(0, 4096 / ns.blockSize(), back, 0);
        byte[] got = new byte[4096];
        back.getBytes(0, got);
        assertTrue(java.util.Arrays.equals(pattern, got), "read back differs");
      }
      String listed =
          cluster.cli("discovery", "list", "--admin", cluster.node("n1").admin()).output();
      assertTrue(
          listed
              .lines()
              .anyMatch(l -> l.contains(NQN) && l.contains("operator") && l.contains("up")),
          listed);

      Files.writeString(share.resolve("done"), "");
      guest.waitFor(Duration.ofSeconds(60));
      long stopped = System.nanoTime();
      Interop.waitFor(
          "the entry withdrawn",
          Duration.ofSeconds(HEALTH_WINDOW_S + 10),
          () -> entry(HOST, discovery).isEmpty());
      long ms = (System.nanoTime() - stopped) / 1_000_000;
      System.out.println("foreign nvmet: withdrawn " + ms + " ms after the guest stopped");
      assertTrue(ms <= (HEALTH_WINDOW_S + 3) * 1000L, "withdrawn after " + ms + " ms");
      String after =
          cluster.cli("discovery", "list", "--admin", cluster.node("n1").admin()).output();
      assertTrue(
          after.lines().anyMatch(l -> l.contains(NQN) && l.contains("down")),
          "the registration stays, marked down: " + after);
    }
  }
}
