package io.weft.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.host.ConnectOptions;
import io.weft.host.HostController;
import io.weft.host.NvmeNamespace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * SPDK's nvme_fuzz against a Weft target process: random I/O and admin commands on one subsystem,
 * with fixed seeds so a failure replays ({@code -S}), while Weft's own host keeps writing and
 * verifying on another subsystem. The target must not crash, hang (a fuzz queue that times out),
 * drop the fuzzer's connection, leak descriptors, memory or controllers, or touch the other
 * subsystem's data. {@code -Dweft.fuzz.seconds} sets each run's length (default 30: CI time;
 * docs/benchmarks.md records 10-minute runs).
 */
@Tag("interop")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SpdkFuzzInteropTest {
  /**
   * Two fuzzed subsystems, memory and file, with one namespace each: nvme_fuzz keeps admin command
   * contexts per namespace but sends them all on the controller's one admin queue, so a second
   * namespace overfills SPDK's own admin queue (submit fails with -ENOMEM, and the fuzzer then
   * waits forever for the command it never sent).
   */
  static final String FUZZED_MEMORY = "nqn.2026-11.io.weft:fuzzed-memory";

  static final String FUZZED_FILE = "nqn.2026-11.io.weft:fuzzed-file";
  static final String GUARD = "nqn.2026-11.io.weft:guard";
  static final int BLOCK = 512;

  /** Written before any fuzzing and read back after each run. */
  static final int PATTERN_BYTES = 16 << 20;

  /** A live host writes and verifies here while the fuzzer runs (after the pattern). */
  static final int LIVE_REGION_BYTES = 16 << 20;

  /** The heap is fixed and pre-touched, so resident growth past this (pools, stacks) is a leak. */
  static final long RSS_GROWTH_LIMIT_KIB = 128 << 10;

  private final SpdkPeer spdk = SpdkPeer.locate();
  private final long seconds = Long.getLong("weft.fuzz.seconds", 30);
  private WeftTargetProcess target;
  private int port;
  private Path runDir;
  private byte[] pattern;
  private int baselineFds;
  private long baselineRssKib;

  @BeforeAll
  void start() throws Exception {
    spdk.prepare();
    runDir = Interop.newRunLogDir("spdk-fuzz");
    Path work = Interop.newWorkDir("spdk-fuzz");
    int[] ports = Interop.freePorts(2);
    port = ports[0];
    Path config = work.resolve("target.yaml");
    Files.writeString(
        config,
        """
        listeners:
          - listen: 127.0.0.1:%d
        subsystems:
          - nqn: %s
            namespaces:
              - memory: 64M
          - nqn: %s
            namespaces:
              - file: fuzzed.img
                size: 64M
          - nqn: %s
            namespaces:
              - file: guard.img
                size: 64M
        """
            .formatted(port, FUZZED_MEMORY, FUZZED_FILE, GUARD));
    Path jar = Files.copy(Interop.weftJar(), work.resolve("weft.jar"));
    target =
        new WeftTargetProcess(
            WeftTargetProcess.Config.fromFile(
                jar, config, port, ports[1], work.resolve("data"), runDir));
    // A fixed heap, so resident memory growth means a leak outside the collector's reach.
    target.jvmOptions("-Xms256m", "-Xmx256m", "-XX:+AlwaysPreTouch");
    target.start(Duration.ofSeconds(60));
    pattern = new byte[PATTERN_BYTES];
    new Random(20261203).nextBytes(pattern);
    try (HostController c = HostController.connect(options(GUARD))) {
      NvmeNamespace ns = c.namespace(1);
      ns.writeBlocking(0, PATTERN_BYTES / BLOCK, Unpooled.wrappedBuffer(pattern), 0);
      ns.flushBlocking();
    }
    // A warm target (classes loaded, pools filled) is the baseline.
    exercise(FUZZED_MEMORY);
    exercise(FUZZED_FILE);
    awaitNoControllers();
    baselineFds = openFds();
    baselineRssKib = rssKib();
    System.out.println(
        "spdk fuzz: logs in "
            + runDir
            + ", target pid "
            + target.pid()
            + ": "
            + baselineFds
            + " fds, "
            + baselineRssKib
            + " KiB resident");
  }

  @AfterAll
  void stop() {
    if (target != null) {
      target.close();
    }
  }

  @ParameterizedTest(name = "{0} seed {2}")
  @CsvSource({
    // I/O commands to the valid namespaces only (-N), so they reach the command sets.
    "io, -N, 1",
    // Admin and I/O commands in tandem, random namespace IDs.
    "admin, -a, 2",
  })
  void fuzzLeavesTheTargetAndOtherDataIntact(String name, String mode, int seed) throws Exception {
    LiveHost live = new LiveHost();
    Thread liveThread = Thread.ofPlatform().name("live-host").start(live);
    FuzzReport report = new FuzzReport();
    int exit;
    try {
      exit =
          spdk.stream(
              seconds + 120,
              report,
              "nvme_fuzz",
              "-m",
              "0x2",
              "-s",
              "512",
              "-U",
              mode,
              "-S",
              String.valueOf(seed),
              "-t",
              String.valueOf(seconds),
              "-F",
              SpdkPeer.trid(port, FUZZED_MEMORY, null),
              "-F",
              SpdkPeer.trid(port, FUZZED_FILE, null));
    } finally {
      live.stop.set(true);
      liveThread.join(60_000);
    }
    Files.writeString(runDir.resolve("fuzz-" + name + ".txt"), report.summary());
    if (!report.dumpedCommands().isEmpty()) {
      Path dump = runDir.resolve("fuzz-" + name + "-outstanding.json");
      Files.write(dump, report.dumpedCommands());
      System.out.println("nvme_fuzz dumped the outstanding commands to " + dump);
    }
    assertTrue(target.isAlive(), "the target process died; see " + target.currentLog());
    assertEquals(0, exit, () -> "nvme_fuzz exit " + exit + "\n" + report.summary());
    assertEquals(List.of(), report.problems(), report::summary);
    assertTrue(report.completed(), report::summary);
    assertTrue(report.ioCompleted() > 10_000, report::summary);
    if (mode.equals("-a")) {
      assertTrue(report.adminCompleted() > 1_000, report::summary);
    }
    assertEquals(null, live.failure.get(), "the live host on the other subsystem failed");
    assertTrue(live.verified.get() > 10, "live host verified only " + live.verified.get());
  }

  /** After every run: the pattern is intact, both subsystems serve I/O, nothing leaked. */
  @AfterEach
  void targetIsWhole() throws Exception {
    assertTrue(target.isAlive(), "the target process died");
    try (HostController c = HostController.connect(options(GUARD))) {
      ByteBuf back = Unpooled.buffer(PATTERN_BYTES).writerIndex(PATTERN_BYTES);
      c.namespace(1).readBlocking(0, PATTERN_BYTES / BLOCK, back, 0);
      byte[] bytes = new byte[PATTERN_BYTES];
      back.getBytes(0, bytes);
      assertArrayEquals(pattern, bytes, "the pattern written before the fuzz");
    }
    exercise(FUZZED_MEMORY);
    exercise(FUZZED_FILE);
    awaitNoControllers();
    assertEquals(List.of(), target.logLines("LEAK"), "Netty's leak detector in the target log");
    int fds = openFds();
    long rss = rssKib();
    Files.writeString(
        runDir.resolve("resources.txt"),
        "fds %d -> %d, rss %d -> %d KiB%n".formatted(baselineFds, fds, baselineRssKib, rss),
        java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.APPEND);
    assertEquals(baselineFds, fds, "open file descriptors of the target before and after");
    assertTrue(
        rss - baselineRssKib < RSS_GROWTH_LIMIT_KIB,
        "resident memory grew from " + baselineRssKib + " to " + rss + " KiB");
  }

  /** A normal host writes and reads back a block on every namespace of {@code nqn}. */
  private void exercise(String nqn) throws IOException {
    try (HostController c = HostController.connect(options(nqn))) {
      for (int nsid : c.activeNamespaces()) {
        NvmeNamespace ns = c.namespace(nsid);
        byte[] block = new byte[4096];
        new Random(nsid).nextBytes(block);
        ns.writeBlocking(8, block.length / BLOCK, Unpooled.wrappedBuffer(block), 0);
        ByteBuf back = Unpooled.buffer(block.length).writerIndex(block.length);
        ns.readBlocking(8, block.length / BLOCK, back, 0);
        byte[] got = new byte[block.length];
        back.getBytes(0, got);
        assertArrayEquals(block, got, "write then read on " + nqn + " nsid " + nsid);
      }
    }
  }

  private ConnectOptions options(String nqn) {
    return ConnectOptions.defaults("127.0.0.1", port, nqn).withIoTimeout(30);
  }

  private void awaitNoControllers() throws Exception {
    Interop.waitFor(
        "every controller to leave the target",
        Duration.ofSeconds(15),
        () -> target.controllers().isEmpty());
  }

  private int openFds() throws IOException {
    try (var list = Files.list(Path.of("/proc", String.valueOf(target.pid()), "fd"))) {
      return (int) list.count();
    }
  }

  private static final Pattern VM_RSS = Pattern.compile("VmRSS:\\s+(\\d+) kB");

  private long rssKib() throws IOException {
    String status = Files.readString(Path.of("/proc", String.valueOf(target.pid()), "status"));
    Matcher m = VM_RSS.matcher(status);
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  /** Writes and verifies random 64 KiB blocks after the pattern until told to stop. */
  private final class LiveHost implements Runnable {
    final AtomicBoolean stop = new AtomicBoolean();
    final AtomicLong verified = new AtomicLong();
    final AtomicReference<Throwable> failure = new AtomicReference<>();

    @Override
    public void run() {
      int size = 64 << 10;
      Random random = new Random(7);
      try (HostController c = HostController.connect(options(GUARD))) {
        NvmeNamespace ns = c.namespace(1);
        byte[] data = new byte[size];
        byte[] got = new byte[size];
        ByteBuf src = Unpooled.directBuffer(size, size);
        ByteBuf dst = Unpooled.directBuffer(size, size);
        while (!stop.get()) {
          random.nextBytes(data);
          long slba = (PATTERN_BYTES + random.nextInt(LIVE_REGION_BYTES / size) * size) / BLOCK;
          src.clear().writeBytes(data);
          ns.writeBlocking(slba, size / BLOCK, src, 0);
          dst.clear().writerIndex(size);
          ns.readBlocking(slba, size / BLOCK, dst, 0);
          dst.getBytes(0, got);
          if (!java.util.Arrays.equals(data, got)) {
            throw new AssertionError("live host read back other data at LBA " + slba);
          }
          verified.incrementAndGet();
        }
        src.release();
        dst.release();
      } catch (Throwable t) {
        failure.set(t);
      }
    }
  }
}
