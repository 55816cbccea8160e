package io.weft.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.host.AuthenticationException;
import io.weft.host.ConnectOptions;
import io.weft.host.HostController;
import io.weft.host.NvmeNamespace;
import io.weft.protocol.auth.DhchapSecret;
import io.weft.protocol.auth.FailureReason;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * DH-HMAC-CHAP with the Linux 6.1 kernel both ways, in one boot of the auth kernel ({@code
 * kernel-dhchap.sh}): Weft's Java host against nvmet (one-way with the null group, two-way with
 * ffdhe2048 and SHA-512, a wrong host key and a wrong controller key), then the kernel host against
 * a Weft target configured from YAML with keys in 0600 files (one-way, two-way, wrong keys, no key,
 * and a key rotation that a live kernel controller follows by re-authenticating through sysfs).
 * Every key comes from {@code nvme gen-dhchap-key}. Logs: {@code
 * weft-interop/target/interop-logs/kernel-dhchap-*}.
 */
@Tag("interop")
@ExtendWith(LinuxPeerCondition.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KernelDhchapInteropTest {
  static final String TNQN = "nqn.2014-08.io.weft:kernel-auth-target";
  static final String WNQN = "nqn.2014-08.io.weft:weft-auth-target";
  static final String H1 = "nqn.2014-08.io.weft:auth-host-1";
  static final String H2 = "nqn.2014-08.io.weft:auth-host-2";
  static final String H3 = "nqn.2014-08.io.weft:auth-host-3";
  static final String H4 = "nqn.2014-08.io.weft:auth-host-4";
  static final String GUEST_TARGET_IP = "10.0.2.100";
  static final int GRACE_SECONDS = 20;

  private final LinuxPeer peer = LinuxPeer.locate();
  private Path runDir;
  private Path share;
  private Path workDir;
  private Path jar;
  private int kernelTargetPort;
  private WeftTargetProcess target;
  private LinuxPeer.Guest guest;
  private GuestReport report = new GuestReport();

  private String k1;
  private String k1New;
  private String k3;
  private String c3;
  private String k4;

  @BeforeAll
  void boot() throws Exception {
    var why = peer.whyUnavailable();
    if (why.isPresent()) {
      Interop.cannotRun("linux-peer (" + peer.dir() + ") cannot boot a guest: " + why.get());
    }
    Interop.CommandResult kernel = peer.authKernel();
    if (!kernel.ok()) {
      Interop.cannotRun(
          "the auth kernel (linux-peer auth-kernel/build) failed: " + kernel.oneLine());
    }
    String[] lines = kernel.output().strip().split("\n");
    Path image = Path.of(lines[lines.length - 1].strip());
    jar = Interop.weftJar();
    runDir = Interop.newRunLogDir("kernel-dhchap");
    share = Interop.createDirectories(runDir.resolve("share"));
    workDir = Interop.newWorkDir("kernel-dhchap");
    Path runJar = Files.copy(jar, workDir.resolve("weft.jar"));

    // Keys as nvme-cli makes them; Linux 6.1 wants the key length of the transform's hash.
    k1 = genKey(1, 32, H1);
    k1New = genKey(3, 64, H1);
    String k2 = genKey(2, 48, H2);
    String c2 = genKey(1, 32, WNQN);
    k3 = genKey(1, 32, H3);
    c3 = genKey(2, 48, TNQN);
    k4 = genKey(3, 64, H4);

    // The Weft target: YAML config, keys in files only their owner may read.
    Path conf = Interop.createDirectories(workDir.resolve("conf"));
    secretFile(conf, "h1.key", k1);
    secretFile(conf, "h2.key", k2);
    secretFile(conf, "h2-ctrl.key", c2);
    int[] ports = Interop.freePorts(3);
    kernelTargetPort = ports[2];
    Path yaml = conf.resolve("weft.yaml");
    Files.writeString(
        yaml,
        String.join(
            "\n",
            "listeners:",
            "  - listen: 127.0.0.1:" + ports[0],
            "    advertise: " + GUEST_TARGET_IP + ":4420",
            "authentication:",
            "  dhchapHashes: [sha384, sha256]",
            "  dhchapDhgroups: [ffdhe3072, null]",
            "subsystems:",
            "  - nqn: " + WNQN,
            "    allowedHosts: [" + H1 + ", " + H2 + "]",
            "    dhchap:",
            "      " + H1 + ": {secret: \"@h1.key\"}",
            "      " + H2 + ": {secret: \"@h2.key\", ctrlSecret: \"@h2-ctrl.key\"}",
            "    namespaces:",
            "      - memory: 64M",
            ""));
    target =
        new WeftTargetProcess(
            WeftTargetProcess.Config.fromFile(
                runJar, yaml, ports[0], ports[1], workDir.resolve("data"), runDir));
    target.start(Duration.ofSeconds(60));

    Path script = Interop.moduleDir().resolve("src/test/guest/kernel-dhchap.sh");
    guest =
        peer.boot(
            new LinuxPeer.GuestSpec(script)
                .kernel(image)
                .share(share)
                .hostForward(kernelTargetPort, 4420)
                .guestForward(GUEST_TARGET_IP, 4420, ports[0])
                .env("TNQN", TNQN)
                .env("H3", H3)
                .env("K3", k3)
                .env("C3", c3)
                .env("H4", H4)
                .env("K4", k4)
                .env("WNQN", WNQN)
                .env("WADDR", GUEST_TARGET_IP)
                .env("WPORT", "4420")
                .env("H1", H1)
                .env("K1", k1)
                .env("K1BAD", genKey(1, 32, H1))
                .env("K1NEW", k1New)
                .env("H2", H2)
                .env("K2", k2)
                .env("C2", c2)
                .env("C2BAD", genKey(1, 32, WNQN))
                .env("GRACE_S", Integer.toString(GRACE_SECONDS))
                .timeout(Duration.ofMinutes(15))
                .log(runDir.resolve("guest.log")));
    Interop.waitFor(
        "the kernel target in the guest",
        Duration.ofMinutes(3),
        () -> {
          if (!guest.isAlive()) {
            throw new AssertionError("guest ended early:\n" + Interop.tail(guest.log(), 40));
          }
          return Files.exists(share.resolve("ready"));
        });
  }

  private static String genKey(int hmac, int length, String nqn) {
    Interop.CommandResult r =
        Interop.run(
            List.of(
                "nvme",
                "gen-dhchap-key",
                "-m",
                Integer.toString(hmac),
                "-l",
                Integer.toString(length),
                "-n",
                nqn),
            30);
    assertTrue(r.ok() && r.output().strip().startsWith("DHHC-1:"), r.output());
    return r.output().strip();
  }

  private static void secretFile(Path dir, String name, String key) throws Exception {
    Path f = dir.resolve(name);
    Files.writeString(f, key + "\n");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
  }

  private ConnectOptions options(String host) {
    return ConnectOptions.defaults("127.0.0.1", kernelTargetPort, TNQN)
        .withHost(host, UUID.nameUUIDFromBytes(host.getBytes()))
        .withQueues(2, 32)
        .withTimeouts(5, 0, 1, -1)
        .withIoTimeout(60);
  }

  private static void roundTrip(HostController c, int seed) throws Exception {
    NvmeNamespace ns = c.namespace(1);
    int bytes = 1 << 20;
    byte[] pattern = new byte[bytes];
    new Random(seed).nextBytes(pattern);
    long lba = (long) seed * bytes / ns.blockSize();
    ns.writeBlocking(lba, bytes / ns.blockSize(), Unpooled.wrappedBuffer(pattern), 0);
    ByteBuf back = Unpooled.buffer(bytes).writerIndex(bytes);
    ns.readBlocking(lba, bytes / ns.blockSize(), back, 0);
    byte[] got = new byte[bytes];
    back.getBytes(0, got);
    assertArrayEquals(pattern, got);
  }

  @Test
  @Order(1)
  void javaHostAuthenticatesOneWayWithTheNullGroup() throws Exception {
    try (HostController c =
        HostController.connect(options(H4).withDhchap(DhchapSecret.parse(k4), null))) {
      assertEquals("Linux", c.identifyController().model());
      assertEquals(2, c.ioQueueCount());
      roundTrip(c, 1);
    }
  }

  @Test
  @Order(2)
  void javaHostAndKernelTargetAuthenticateEachOtherWithFfdhe2048() throws Exception {
    try (HostController c =
        HostController.connect(
            options(H3).withDhchap(DhchapSecret.parse(k3), DhchapSecret.parse(c3)))) {
      roundTrip(c, 2);
    }
  }

  @Test
  @Order(3)
  void theKernelTargetRefusesAWrongHostKey() {
    AuthenticationException e =
        assertThrows(
            AuthenticationException.class,
            () ->
                HostController.connect(
                    options(H3).withDhchap(DhchapSecret.parse(genKey(1, 32, H3)), null)));
    assertEquals(AuthenticationException.Side.CONTROLLER, e.refusedBy());
    assertEquals(FailureReason.FAILED, e.reason());
  }

  @Test
  @Order(4)
  void theJavaHostRefusesAKernelTargetWithTheWrongControllerKey() {
    AuthenticationException e =
        assertThrows(
            AuthenticationException.class,
            () ->
                HostController.connect(
                    options(H3)
                        .withDhchap(
                            DhchapSecret.parse(k3), DhchapSecret.parse(genKey(2, 48, TNQN)))));
    assertEquals(AuthenticationException.Side.HOST, e.refusedBy());
  }

  @Test
  @Order(5)
  void theJavaHostWithoutAKeyIsToldWhy() {
    Exception e = assertThrows(Exception.class, () -> HostController.connect(options(H4)));
    assertTrue(e.getMessage().contains("--dhchap-secret"), e.getMessage());
  }

  /** Lets the guest go on to the kernel host's checks, serving its rotation request. */
  @Test
  @Order(6)
  void kernelHostPhaseRuns() throws Exception {
    Files.writeString(share.resolve("java-done"), "");
    try {
      boolean ended =
          new HostAgent(share, runDir.resolve("host-agent.log"))
              .on("rotate", (payload, seen) -> rotate())
              .serve(guest, Duration.ofMinutes(10));
      assertTrue(ended, "the guest did not finish; log " + guest.log());
    } finally {
      report = GuestReport.read(share.resolve("steps.txt"));
      System.out.println("kernel DH-HMAC-CHAP guest steps:");
      report.lines().forEach(l -> System.out.println("  " + l));
    }
    assertTrue(report.done(), "the guest suite did not finish:\n" + Interop.tail(guest.log(), 40));
  }

  /** The operator's rotation, through the CLI and the management API. */
  private String rotate() throws Exception {
    Path key = workDir.resolve("conf/h1-new.key");
    secretFile(workDir.resolve("conf"), "h1-new.key", k1New);
    Interop.CommandResult r =
        Interop.run(
            List.of(
                Interop.javaBinary().toString(),
                "-jar",
                jar.toString(),
                "host",
                "rotate-key",
                "--admin",
                target.adminAddress(),
                "--nqn",
                WNQN,
                H1,
                "--dhchap-secret",
                "@" + key,
                "--grace",
                Integer.toString(GRACE_SECONDS)),
            60);
    return (r.ok() ? "OK " : "FAIL ") + r.oneLine();
  }

  @Test
  @Order(7)
  void kernelHostAuthenticatesToWeftOneWayAndBothWays() {
    report.assertPassed("kernel-uni", "kernel-bidi");
  }

  @Test
  @Order(8)
  void weftRefusesAWrongHostKeyAndTheKernelRefusesAWrongControllerKey() {
    report.assertPassed("kernel-wrong-host-key", "kernel-wrong-ctrl-key", "kernel-no-key");
  }

  @Test
  @Order(9)
  void aLiveKernelControllerFollowsAKeyRotationAndTheOldKeyEndsWithTheGraceWindow()
      throws Exception {
    report.assertPassed(
        "kernel-rotate-before",
        "kernel-reauth-new-key",
        "kernel-old-key-after-grace",
        "kernel-live-through-rotation",
        "kernel-new-key");
    // The target logs a use of the previous key; the re-authentication must not have used it.
    String log = Files.readString(target.currentLog());
    assertTrue(!log.contains("used its previous key"), "a host re-authenticated with the old key");
    assertTrue(log.contains("host response mismatch"), "no refused key in the target's log");
  }

  @AfterAll
  void stop() throws Exception {
    if (share != null) {
      Files.writeString(share.resolve("java-done"), "");
    }
    if (guest != null) {
      guest.waitFor(Duration.ofSeconds(30));
      guest.close();
    }
    if (target != null) {
      target.stop(Duration.ofSeconds(20));
    }
  }
}
