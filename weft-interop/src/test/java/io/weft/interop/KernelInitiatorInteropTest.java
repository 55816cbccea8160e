package io.weft.interop;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.function.Executable;

/**
 * The Linux kernel's NVMe/TCP initiator uses a Weft target process as a real disk.
 *
 * <p>One guest boot runs {@code src/test/guest/kernel-host-suite.sh}, which goes through all phases
 * (discovery and identify, digests, ext4 across a target restart, fio verify, allow-list, namespace
 * removal, disconnect, keep-alive expiry) and reports each check as a {@code STEP} line. Where the
 * host has to act in the middle (restart the target, remove a namespace, freeze the guest, watch
 * the controller list) the guest asks through marker files in the share dir and {@link HostAgent}
 * answers. The test methods then assert on the guest's steps and on what the host measured. Logs:
 * {@code weft-interop/target/interop-logs/kernel-initiator-*}.
 */
@Tag("interop")
@ExtendWith(LinuxPeerCondition.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KernelInitiatorInteropTest {
  static final String NQN = "nqn.2014-08.io.weft:interop";
  static final String HOST_NQN = "nqn.2014-08.io.weft:interop-host-allowed";
  static final String BAD_HOST_NQN = "nqn.2014-08.io.weft:interop-host-denied";
  static final String MODEL = "Weft Interop Disk";
  static final String SERIAL = "WEFTINTEROP0001";
  static final String SIZE = "256M";
  static final long SIZE_BYTES = 256L << 20;

  /** The guest reaches the host only through this virtual address (run-guest --guestfwd). */
  static final String GUEST_TARGET_IP = "10.0.2.100";

  static final int GUEST_TARGET_PORT = 4420;
  static final int FIO_SIZE_MIB = 32;
  static final int FIO_JOBS = 2;

  /** The acceptance bounds: KATO + 1 s for a silent host, ~1 s for a closed connection. */
  static final long KATO_SLACK_MILLIS = 1000;

  static final long DISCONNECT_BOUND_MILLIS = 1000;

  private final LinuxPeer peer = LinuxPeer.locate();
  private final Map<String, String> facts = new ConcurrentHashMap<>();
  private final AtomicLong controllerGoneAt = new AtomicLong();
  private volatile Thread controllerWatch;
  private volatile long watchStarted;
  private Path runDir;
  private Path share;
  private Path workDir;
  private Path agentLog;
  private WeftTargetProcess target;
  private LinuxPeer.Guest guest;
  private GuestReport report = new GuestReport();
  private volatile boolean anyFailure;

  @RegisterExtension
  final TestWatcher diagnostics =
      new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
          boolean first = !anyFailure;
          anyFailure = true;
          System.out.println(
              first
                  ? "===== interop diagnostics (first failure: "
                      + context.getDisplayName()
                      + ") =====\n"
                      + diagnostics()
                  : "===== "
                      + context.getDisplayName()
                      + " failed too; diagnostics above, logs in "
                      + runDir);
        }
      };

  /** How this run's target does its file I/O: {@code weft target} flags (none: the defaults). */
  protected List<String> targetOptions() {
    return List.of();
  }

  /** The target's log of each start so far. */
  protected List<Path> targetLogs() {
    return target.logs();
  }

  /** Names this run's logs and scratch directory. */
  protected String runName() {
    return "kernel-initiator";
  }

  @BeforeAll
  void runGuestSuite() throws Exception {
    Optional<String> why = peer.whyUnavailable();
    if (why.isPresent()) {
      Interop.cannotRun("linux-peer (" + peer.dir() + ") cannot boot a guest: " + why.get());
    }
    Path jar = Interop.weftJar();
    if (!Files.isRegularFile(jar)) {
      fail(
          "no Weft jar at "
              + jar
              + "; build it first: cd "
              + Interop.repoRoot()
              + " && mvn -B -DskipTests install");
    }
    runDir = Interop.newRunLogDir(runName());
    share = Interop.createDirectories(runDir.resolve("share"));
    agentLog = runDir.resolve("host-agent.log");
    workDir = Interop.newWorkDir(runName());
    System.out.println("interop: logs in " + runDir + ", scratch in " + workDir);

    // Run a private copy: a rebuild of weft-cli during the run must not swap classes under the
    // running target JVM.
    Path runJar = Files.copy(jar, workDir.resolve("weft.jar"));
    System.out.println("interop: target jar " + jar + " (run as " + runJar + ")");
    int[] ports = Interop.freePorts(2);
    Path file = workDir.resolve("ns1.img");
    target =
        new WeftTargetProcess(
            new WeftTargetProcess.Config(
                runJar,
                NQN,
                MODEL,
                SERIAL,
                file,
                SIZE,
                List.of(HOST_NQN),
                workDir.resolve("data"),
                ports[0],
                GUEST_TARGET_IP + ":" + GUEST_TARGET_PORT,
                ports[1],
                runDir));
    target.targetOptions(targetOptions());
    try {
      target.start(Duration.ofSeconds(60));
      guest =
          peer.boot(
              new LinuxPeer.GuestSpec(
                      Interop.moduleDir().resolve("src/test/guest/kernel-host-suite.sh"))
                  .share(share)
                  .guestForward(GUEST_TARGET_IP, GUEST_TARGET_PORT, ports[0])
                  .env("NQN", NQN)
                  .env("HOSTNQN", HOST_NQN)
                  .env("HOSTID", UUID.randomUUID().toString())
                  .env("BAD_HOSTNQN", BAD_HOST_NQN)
                  .env("BAD_HOSTID", UUID.randomUUID().toString())
                  .env("TADDR", GUEST_TARGET_IP)
                  .env("TPORT", Integer.toString(GUEST_TARGET_PORT))
                  .env("FIO_SIZE_MIB", Integer.toString(FIO_SIZE_MIB))
                  .env("PHASES", System.getProperty("weft.interop.phases", ""))
                  .memoryMib(1024)
                  .timeout(Duration.ofMinutes(15))
                  .log(runDir.resolve("guest.log")));
      HostAgent agent =
          new HostAgent(share, agentLog)
              .on("restart-target", (payload, seen) -> restartTarget())
              .on("deny-check", (payload, seen) -> checkDeniedHost())
              .on("remove-ns", (payload, seen) -> removeNamespace())
              .on("watch-controller", (payload, seen) -> watchController(payload))
              .on("disconnected", (payload, seen) -> controllerFreed(seen))
              .on("freeze", (payload, seen) -> freezeGuest(payload));
      if (!agent.serve(guest, Duration.ofMinutes(16))) {
        guest.close();
      }
      guest.waitFor(Duration.ofSeconds(60));
      facts.put("guest.exit", guest.isAlive() ? "running" : Integer.toString(guest.exitValue()));
      try {
        facts.put("final.exit", Integer.toString(target.stop(Duration.ofSeconds(60))));
      } catch (IllegalStateException e) {
        facts.put("final.exit", "hung (" + e.getMessage() + ")");
      }
    } catch (Exception | AssertionError e) {
      System.out.println("===== interop setup failed: " + e + " =====\n" + diagnostics());
      throw e;
    } finally {
      report = GuestReport.read(share.resolve("steps.txt"));
      StringBuilder summary = new StringBuilder("interop guest steps:");
      for (String line : report.lines()) {
        if (line.startsWith("STEP ") || line.startsWith("SUITE ")) {
          summary.append(System.lineSeparator()).append("  ").append(abbreviate(line, 220));
        }
      }
      System.out.println(summary + System.lineSeparator() + "interop host facts: " + facts);
    }
  }

  @AfterAll
  void cleanUp() throws IOException {
    if (guest != null) {
      guest.close();
    }
    if (target != null) {
      target.close();
    }
    if (workDir != null && !anyFailure) {
      try (Stream<Path> files = Files.walk(workDir)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  // ---- host actions the guest asks for ----------------------------------------------------------

  private String restartTarget() {
    long t0 = System.nanoTime();
    int exit;
    try {
      exit = target.stop(Duration.ofSeconds(60));
    } catch (IllegalStateException e) {
      facts.put("restart.exit", "hung (" + e.getMessage() + ")");
      throw e;
    }
    facts.put("restart.exit", Integer.toString(exit));
    target.start(Duration.ofSeconds(60));
    return "OK target exited "
        + exit
        + " on SIGTERM"
        + (WeftTargetProcess.isCleanSigtermExit(exit) ? "" : " (NOT a clean exit)")
        + " and listens again after "
        + millisSince(t0)
        + " ms";
  }

  private String checkDeniedHost() throws IOException {
    List<JsonNode> denied = new ArrayList<>();
    for (JsonNode c : target.controllers()) {
      if (BAD_HOST_NQN.equals(c.path("hostNqn").asText())) {
        denied.add(c);
      }
    }
    facts.put("deny.controllers", denied.toString());
    return denied.isEmpty()
        ? "OK the target lists no controller for " + BAD_HOST_NQN
        : "FAIL the target lists controllers for " + BAD_HOST_NQN + ": " + denied;
  }

  private String removeNamespace() throws IOException {
    Interop.CommandResult r =
        target.cli("ns", "remove", "--admin", target.adminAddress(), "--nqn", NQN, "--nsid", "1");
    facts.put("nsremove.cli", r.exitCode() + ": " + r.oneLine());
    if (r.ok()) {
      return "OK weft ns remove: " + r.oneLine();
    }
    // Let the guest still check the removal through the HTTP API; the test fails on the CLI.
    int status = target.deleteNamespace(1);
    facts.put("nsremove.http", Integer.toString(status));
    return (status / 100 == 2 ? "OK" : "FAIL")
        + " weft ns remove exited "
        + r.exitCode()
        + " ("
        + r.oneLine()
        + "); HTTP DELETE fallback: "
        + status;
  }

  private String watchController(String payload) throws Exception {
    int cntlid = Integer.parseInt(HostAgent.params(payload).get("cntlid"));
    JsonNode c = awaitController(cntlid, Duration.ofSeconds(10));
    if (c == null) {
      return "FAIL controller " + cntlid + " of " + HOST_NQN + " not in " + target.controllers();
    }
    controllerGoneAt.set(0);
    watchStarted = System.nanoTime();
    Thread watch =
        Thread.ofPlatform()
            .daemon()
            .name("controller-watch")
            .start(
                () -> {
                  long end = System.nanoTime() + Duration.ofMinutes(2).toNanos();
                  while (System.nanoTime() < end) {
                    try {
                      if (target.controller(cntlid, HOST_NQN) == null) {
                        controllerGoneAt.set(System.nanoTime());
                        return;
                      }
                      Thread.sleep(20);
                    } catch (IOException e) {
                      // the admin API hiccuped; poll again
                    } catch (InterruptedException e) {
                      return;
                    }
                  }
                });
    controllerWatch = watch;
    return "OK controller " + cntlid + " listed: " + c;
  }

  private String controllerFreed(long seenNanos) throws InterruptedException {
    Thread watch = controllerWatch;
    if (watch == null) {
      return "FAIL no controller was being watched";
    }
    watch.join(Duration.ofSeconds(10));
    long gone = controllerGoneAt.get();
    if (gone == 0) {
      watch.interrupt();
      facts.put("disconnect.goneAfterMs", "never");
      return "FAIL controller still listed 10 s after the guest's nvme disconnect returned";
    }
    long after = (gone - seenNanos) / 1_000_000;
    facts.put("disconnect.goneAfterMs", Long.toString(after));
    // upper bound: also counts the guest's whole nvme disconnect and the marker round trip
    facts.put("disconnect.goneAfterWatchMs", Long.toString((gone - watchStarted) / 1_000_000));
    return "OK controller left /v1/controllers "
        + (after <= 0 ? (-after) + " ms before" : after + " ms after")
        + " the host saw the guest's disconnect marker";
  }

  private String freezeGuest(String payload) throws Exception {
    int cntlid = Integer.parseInt(HostAgent.params(payload).get("cntlid"));
    JsonNode c = awaitController(cntlid, Duration.ofSeconds(10));
    if (c == null) {
      return "FAIL controller " + cntlid + " of " + HOST_NQN + " not in " + target.controllers();
    }
    long kato = c.path("keepAliveTimeoutMillis").asLong(-1);
    facts.put("kato.targetKatoMs", Long.toString(kato));
    long t0 = System.nanoTime();
    long qemuPid = guest.freeze();
    long gone = -1;
    try {
      facts.put("kato.qemuState", LinuxPeer.Guest.processState(qemuPid));
      long end = t0 + Duration.ofSeconds(60).toNanos();
      while (System.nanoTime() < end) {
        if (target.controller(cntlid, HOST_NQN) == null) {
          gone = millisSince(t0);
          break;
        }
        Thread.sleep(50);
      }
    } finally {
      guest.thaw();
    }
    facts.put("kato.goneMs", Long.toString(gone));
    return gone < 0
        ? "FAIL controller " + cntlid + " still listed 60 s after SIGSTOP of qemu " + qemuPid
        : "OK controller "
            + cntlid
            + " dropped "
            + gone
            + " ms after SIGSTOP of qemu "
            + qemuPid
            + " (target KATO "
            + kato
            + " ms)";
  }

  private JsonNode awaitController(int cntlid, Duration limit) throws Exception {
    long end = System.nanoTime() + limit.toNanos();
    while (true) {
      JsonNode c = target.controller(cntlid, HOST_NQN);
      if (c != null || System.nanoTime() > end) {
        return c;
      }
      Thread.sleep(100);
    }
  }

  private static boolean isCleanExit(String exit) {
    return exit != null
        && exit.matches("\\d+")
        && WeftTargetProcess.isCleanSigtermExit(Integer.parseInt(exit));
  }

  private static String abbreviate(String line, int max) {
    return line.length() <= max ? line : line.substring(0, max) + "...";
  }

  private static long millisSince(long t0) {
    return (System.nanoTime() - t0) / 1_000_000;
  }

  // ---- the acceptance checks -----------------------------------------------------------------

  @Test
  @Order(0)
  void guestSuiteRanToTheEnd() {
    assertTrue(
        report.done(),
        "the guest script did not finish (run-guest exit "
            + facts.get("guest.exit")
            + ": 124 = timeout, 125 = harness/guest failure)");
    assertFalse("running".equals(facts.get("guest.exit")), "guest still running");
  }

  @Test
  @Order(1)
  void discoveryListsTheSubsystemAtTheAdvertisedAddress() {
    assertSteps("discover");
    assertAll(
        () -> assertEquals("tcp", report.info("discover.trtype"), "trtype"),
        () -> assertEquals(GUEST_TARGET_IP, report.info("discover.traddr"), "traddr"),
        () ->
            assertEquals(
                Integer.toString(GUEST_TARGET_PORT), report.info("discover.trsvcid"), "trsvcid"),
        () -> assertEquals("nvme subsystem", report.info("discover.subtype"), "subtype"));
  }

  @Test
  @Order(2)
  void connectsWithAndWithoutHeaderAndDataDigests() {
    assertSteps(
        "connect-plain", "disconnect-plain", "connect-digest", "digest-io", "disconnect-digest");
  }

  @Test
  @Order(3)
  void listAndIdentifyShowConfiguredModelSerialAndSize() {
    assertSteps("nvme-list", "id-ctrl", "id-ns");
    assertAll(
        () -> assertEquals(MODEL, report.info("list.model"), "nvme list ModelNumber"),
        () -> assertEquals(SERIAL, report.info("list.serial"), "nvme list SerialNumber"),
        () -> assertEquals(SIZE_BYTES, report.infoLong("list.size"), "nvme list PhysicalSize"),
        () -> assertEquals(MODEL, report.info("idctrl.mn"), "id-ctrl mn"),
        () -> assertEquals(SERIAL, report.info("idctrl.sn"), "id-ctrl sn"),
        () -> assertEquals(NQN, report.info("idctrl.subnqn"), "id-ctrl subnqn"),
        () -> assertEquals(SIZE_BYTES, report.infoLong("idns.bytes"), "id-ns nsze << lbads"),
        () -> assertEquals(SIZE_BYTES, report.infoLong("blockdev.size"), "blockdev size"));
  }

  @Test
  @Order(4)
  void smartCountersMoveWithIo() {
    assertSteps("smart-log");
    List<Executable> checks = new ArrayList<>();
    for (String counter : List.of("data_units_written", "host_write_commands")) {
      long before = report.infoLong("smart.before." + counter);
      long after = report.infoLong("smart.after." + counter);
      checks.add(
          () ->
              assertTrue(
                  before >= 0 && after > before,
                  counter + " did not increase with I/O: " + before + " -> " + after));
    }
    assertAll(checks);
  }

  @Test
  @Order(5)
  void ext4FilesSurviveATargetRestart() {
    assertSteps(
        "fs-connect",
        "fs-write",
        "fs-disconnect",
        "fs-target-restart",
        "fs-reconnect",
        "fs-fsck",
        "fs-verify");
    String exit = facts.get("restart.exit");
    assertNotNull(exit, "the host never restarted the target");
    assertTrue(isCleanExit(exit), "target exit status on SIGTERM: " + exit);
  }

  @Test
  @Order(6)
  void fioVerifyPassesAndTheKernelLogsNoNvmeErrors() {
    assertSteps("fio-4k", "fio-128k", "dmesg-clean");
    long expected = (long) FIO_SIZE_MIB * FIO_JOBS * 1024;
    assertAll(
        () -> assertEquals(expected, report.infoLong("fio.4k.written_kib"), "4k written KiB"),
        () -> assertEquals(expected, report.infoLong("fio.4k.verified_kib"), "4k verified KiB"),
        () -> assertEquals(expected, report.infoLong("fio.128k.written_kib"), "128k written"),
        () -> assertEquals(expected, report.infoLong("fio.128k.verified_kib"), "128k verified"));
  }

  @Test
  @Order(7)
  void hostNotOnTheAllowListIsRefusedAtConnect() {
    assertSteps("deny-host");
  }

  @Test
  @Order(7)
  void refusalCarriesStatusConnectInvalidHost() {
    // Linux 6.1 names the reason only for the exact status (SCT 1, SC 84h, DNR optional);
    // otherwise it logs "Connect command failed, error wo/DNR bit: <status>".
    String kmsg = report.info("deny.kmsg");
    assertNotNull(kmsg, "guest never reported the kernel messages of the refused connect");
    assertTrue(
        kmsg.contains("is not allowed"),
        "kernel did not recognise status Connect Invalid Host (0x0184)"
            + decodeConnectError(kmsg)
            + "; kernel log: "
            + kmsg);
  }

  /** Explains the status in "Connect command failed, error wo/DNR bit: N" (N = status >> 1). */
  private static String decodeConnectError(String kmsg) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("error wo/DNR bit: (\\d+)").matcher(kmsg);
    if (!m.find()) {
      return "";
    }
    int status = Integer.parseInt(m.group(1));
    return String.format(
        ": the completion carried SCT %d SC 0x%02x CRD %d More %d (status 0x%04x without DNR)",
        (status >> 8) & 7, status & 0xff, (status >> 11) & 3, (status >> 13) & 1, status);
  }

  @Test
  @Order(8)
  void removedNamespaceLeavesTheConnectedHostWithoutReconnect() {
    assertSteps("nsremove-connect", "ns-remove");
    String cli = facts.get("nsremove.cli");
    assertNotNull(cli, "the host never ran weft ns remove");
    assertTrue(cli.startsWith("0:"), "weft ns remove: " + cli);
  }

  @Test
  @Order(9)
  void closedConnectionFreesTheControllerAtOnce() {
    assertSteps("disconnect-connect", "disconnect-frees");
    String after = facts.get("disconnect.goneAfterMs");
    assertNotNull(after, "the host never measured the disconnect");
    assertTrue(
        !after.equals("never") && Long.parseLong(after) <= DISCONNECT_BOUND_MILLIS,
        "controller left /v1/controllers " + after + " ms after the guest's disconnect returned");
  }

  @Test
  @Order(10)
  void silentHostLosesItsControllerWithinKatoPlusOneSecond() {
    assertSteps("kato-connect", "kato-expiry");
    long kato = Long.parseLong(facts.getOrDefault("kato.targetKatoMs", "-1"));
    long gone = Long.parseLong(facts.getOrDefault("kato.goneMs", "-1"));
    assertAll(
        () -> assertEquals(5000, kato, "KATO the target reports for --keep-alive-tmo=5"),
        () -> assertEquals("T", facts.get("kato.qemuState"), "qemu state after SIGSTOP"),
        () ->
            assertTrue(
                gone >= 0 && gone <= 5000 + KATO_SLACK_MILLIS,
                "controller dropped " + gone + " ms after SIGSTOP; KATO 5000 ms + 1 s allowed"));
  }

  @Test
  @Order(11)
  void targetLogsConnectsAndExitsCleanlyOnSigterm() {
    assertAll(
        () ->
            assertFalse(
                target.logLines(HOST_NQN, "cntlid").isEmpty(),
                "no target log line with " + HOST_NQN + " and cntlid in " + target.logs()),
        () ->
            assertTrue(
                isCleanExit(facts.get("final.exit")),
                "target exit status on the final SIGTERM: " + facts.get("final.exit")));
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private void assertSteps(String... names) {
    List<Executable> checks = new ArrayList<>();
    for (String name : names) {
      checks.add(
          () -> {
            GuestReport.Step step = report.step(name);
            assertNotNull(step, "guest never reported step '" + name + "'");
            assertTrue(step.passed(), "guest step: " + step);
          });
    }
    assertAll(checks);
  }

  /** Tails of the guest, target and host-agent logs, and the kernel's nvme lines. */
  private String diagnostics() {
    if (runDir == null) {
      return "(no run directory)";
    }
    StringBuilder sb = new StringBuilder();
    sb.append("logs: ").append(runDir).append(System.lineSeparator());
    sb.append("host facts: ").append(facts).append(System.lineSeparator());
    sb.append(Interop.tailBlock("guest console", runDir.resolve("guest.log"), 80));
    if (target != null) {
      for (Path log : target.logs()) {
        sb.append(Interop.tailBlock("target " + log.getFileName(), log, 30));
      }
    }
    sb.append(Interop.tailBlock("host agent", agentLog, 20));
    Path dmesg = share.resolve("dmesg-final.txt");
    if (Files.isRegularFile(dmesg)) {
      sb.append(Interop.tailBlock("guest dmesg", dmesg, 40));
    }
    return sb.toString();
  }
}
