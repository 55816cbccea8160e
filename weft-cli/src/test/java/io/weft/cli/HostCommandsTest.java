package io.weft.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.tgt.Target;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.NamespaceConfig;
import io.weft.tgt.config.SubsystemConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host commands end to end, in-process through picocli, against a real Weft target on
 * 127.0.0.1. Each test uses its own LBAs (or namespace), so the order does not matter.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostCommandsTest {
  static final String NQN = "nqn.2026-11.io.weft.test:host-cli";
  static final String PRIVATE = "nqn.2026-11.io.weft.test:private";
  static final String HOST_ID = "0c7f3c1e-5d1b-4c8e-9a55-3b2f0a1d6e01";
  static final String HOST = "nqn.2014-08.org.nvmexpress:uuid:" + HOST_ID;
  static final String MODEL = "Weft CLI test";
  static final String SERIAL = "CLITEST01";

  /** Namespace 1: 16 MiB of 512-byte blocks. 2: 1 MiB of 4096-byte blocks. 3: perf's. */
  static final long NS1_BLOCKS = 32768;

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  private Target target;
  private int port;

  @BeforeAll
  void start() throws Exception {
    target =
        Target.start(
            new TargetConfig(
                dir,
                List.of(ListenerConfig.of("127.0.0.1", 0)),
                List.of(
                    new SubsystemConfig(
                        NQN,
                        SERIAL,
                        MODEL,
                        null,
                        List.of(),
                        List.of(
                            NamespaceConfig.memory(1, NS1_BLOCKS * 512),
                            new NamespaceConfig(2, "memory", null, 1 << 20, 4096, false, null),
                            NamespaceConfig.memory(3, 8 << 20))),
                    new SubsystemConfig(
                        PRIVATE,
                        null,
                        null,
                        null,
                        List.of("nqn.2014-08.org.nvmexpress:uuid:someone-else"),
                        List.of(NamespaceConfig.memory(1, 1 << 20)))),
                null,
                TuningConfig.defaults().withSpinNanos(0)));
    port = target.listenAddresses().get(0).getPort();
  }

  @AfterAll
  void stop() {
    if (target != null) {
      target.close();
    }
  }

  private record Run(int code, String out, String err, byte[] stdout) {}

  private static Run weft(byte[] stdin, String... args) {
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    StringWriter err = new StringWriter();
    int code =
        WeftCli.run(args, new ByteArrayInputStream(stdin), stdout, new PrintWriter(err, true));
    return new Run(
        code, stdout.toString(StandardCharsets.UTF_8), err.toString(), stdout.toByteArray());
  }

  /** A host command with this test's address and host identity (never the persisted one). */
  private Run host(byte[] stdin, String command, String... more) {
    List<String> args = new ArrayList<>(List.of(command, "--traddr", "127.0.0.1"));
    args.addAll(
        List.of("--trsvcid", Integer.toString(port), "--hostnqn", HOST, "--hostid", HOST_ID));
    args.addAll(List.of(more));
    return weft(stdin, args.toArray(String[]::new));
  }

  private Run host(String command, String... more) {
    return host(new byte[0], command, more);
  }

  /** A command on the test subsystem. */
  private Run on(byte[] stdin, String command, String... more) {
    List<String> args = new ArrayList<>(List.of("--nqn", NQN));
    args.addAll(List.of(more));
    return host(stdin, command, args.toArray(String[]::new));
  }

  private Run on(String command, String... more) {
    return on(new byte[0], command, more);
  }

  private static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static boolean hasLine(String text, String regex) {
    return text.lines().anyMatch(l -> l.matches(regex));
  }

  @Test
  void discoverListsTheSubsystem() throws Exception {
    Run run = host("discover");
    assertEquals(0, run.code(), run.err());
    assertTrue(run.out().startsWith("Discovery Log Number of Records 1, "), run.out());
    assertTrue(run.out().contains("=====Discovery Log Entry 0======"), run.out());
    assertTrue(hasLine(run.out(), "trtype:  tcp"), run.out());
    assertTrue(hasLine(run.out(), "adrfam:  ipv4"), run.out());
    assertTrue(hasLine(run.out(), "subtype: nvme subsystem"), run.out());
    assertTrue(hasLine(run.out(), "trsvcid: " + port), run.out());
    assertTrue(hasLine(run.out(), "subnqn:  " + NQN), run.out());
    assertTrue(hasLine(run.out(), "traddr:  127\\.0\\.0\\.1"), run.out());
    // The subsystem with an allow-list that leaves us out is not shown to us.
    assertFalse(run.out().contains(PRIVATE), run.out());

    Run json = host("discover", "-o", "json");
    assertEquals(0, json.code(), json.err());
    JsonNode records = JSON.readTree(json.out()).get("records");
    assertEquals(1, records.size(), json.out());
    assertEquals(NQN, records.get(0).get("subnqn").asText());
    assertEquals("tcp", records.get(0).get("trtype").asText());
    assertEquals(Integer.toString(port), records.get(0).get("trsvcid").asText());
  }

  @Test
  void connectCheckPrintsASummary() throws Exception {
    Run run = on("connect-check");
    assertEquals(0, run.code(), run.err());
    assertTrue(
        run.out().startsWith("connected to " + NQN + " at 127.0.0.1:" + port + " (tcp, "),
        run.out());
    assertTrue(hasLine(run.out(), "model +: " + MODEL), run.out());
    assertTrue(hasLine(run.out(), "serial +: " + SERIAL), run.out());
    assertTrue(hasLine(run.out(), "cntlid +: \\d+"), run.out());
    assertTrue(hasLine(run.out(), "mdts +: 8 \\(max transfer 1 MiB\\)"), run.out());
    assertTrue(
        hasLine(run.out(), "io queues +: 1 granted of 1 asked, 128 entries each"), run.out());
    assertTrue(hasLine(run.out(), "namespaces +: 3"), run.out());
    assertTrue(
        hasLine(run.out(), "  1 +16 MiB +512 +32768 +[0-9a-f]{32} +[0-9a-f-]{36}"), run.out());
    assertTrue(hasLine(run.out(), "  2 +1 MiB +4096 +256 .*"), run.out());
    assertTrue(run.out().strip().endsWith("all checks passed"), run.out());

    Run json = on("connect-check", "-o", "json", "--nr-io-queues", "2", "--queue-size", "32");
    assertEquals(0, json.code(), json.err());
    JsonNode s = JSON.readTree(json.out());
    assertEquals(MODEL, s.get("model").asText());
    assertEquals(SERIAL, s.get("serial").asText());
    assertEquals(HOST, s.get("hostnqn").asText());
    assertEquals(2, s.get("ioQueues").asInt());
    assertEquals(32, s.get("ioQueueSize").asInt());
    assertEquals(1 << 20, s.get("maxTransferBytes").asLong());
    JsonNode namespaces = s.get("namespaces");
    assertEquals(3, namespaces.size());
    assertEquals(NS1_BLOCKS * 512, namespaces.get(0).get("sizeBytes").asLong());
    assertEquals(4096, namespaces.get(1).get("blockSize").asInt());
    assertEquals(36, namespaces.get(0).get("uuid").asText().length());
  }

  @Test
  void idCtrlPrintsTheDecodedFields() throws Exception {
    Run run = on("id-ctrl");
    assertEquals(0, run.code(), run.err());
    assertTrue(run.out().startsWith("NVME Identify Controller:"), run.out());
    assertTrue(hasLine(run.out(), "mn +: " + MODEL), run.out());
    assertTrue(hasLine(run.out(), "sn +: " + SERIAL), run.out());
    assertTrue(hasLine(run.out(), "ver +: 0x10300"), run.out());
    assertTrue(hasLine(run.out(), "subnqn +: " + NQN), run.out());

    Run json = on("id-ctrl", "--output-format", "json");
    assertEquals(0, json.code(), json.err());
    JsonNode id = JSON.readTree(json.out());
    assertEquals(MODEL, id.get("mn").asText());
    assertEquals(SERIAL, id.get("sn").asText());
    assertEquals(8, id.get("mdts").asInt());
    assertEquals(1, id.get("cntrltype").asInt());
    assertEquals(NQN, id.get("subnqn").asText());
  }

  @Test
  void idNsPrintsSizeAndBlockSize() throws Exception {
    Run run = on("id-ns");
    assertEquals(0, run.code(), run.err());
    assertTrue(run.out().startsWith("NVME Identify Namespace 1:"), run.out());
    assertTrue(hasLine(run.out(), "nsze +: 0x8000"), run.out());
    assertTrue(hasLine(run.out(), "lbads +: 9 .*"), run.out());
    assertTrue(hasLine(run.out(), "nguid +: [0-9a-f]{32}"), run.out());

    Run json = on("id-ns", "-n", "2", "-o", "json");
    assertEquals(0, json.code(), json.err());
    JsonNode id = JSON.readTree(json.out());
    assertEquals(256, id.get("nsze").asLong());
    assertEquals(12, id.get("lbads").asInt());

    Run inactive = on("id-ns", "--namespace-id", "9");
    assertEquals(ExitCodes.FAILED, inactive.code());
    assertTrue(inactive.err().startsWith("weft id-ns: namespace 9 is not active"), inactive.err());
  }

  @Test
  void writeFromAFileAndReadToAFileAcrossMdts() throws Exception {
    byte[] data = random(3 << 20, 1); // 3 MiB: three commands at the target's 1 MiB MDTS
    Path in = dir.resolve("in.bin");
    Files.write(in, data);
    Run write =
        on("write", "--start-block", "7", "--data-size", "3145728", "--data", in.toString());
    assertEquals(0, write.code(), write.err());
    assertEquals("weft write: wrote 3145728 bytes at LBA 7 of namespace 1", write.err().strip());

    Path out = dir.resolve("out.bin");
    Run read = on("read", "--start-block", "7", "--data-size", "3M", "--data", out.toString());
    assertEquals(0, read.code(), read.err());
    assertArrayEquals(data, Files.readAllBytes(out));
    assertEquals(0, read.stdout().length);

    // At the right LBA: block 8 holds the input's second 512 bytes; the neighbours are untouched.
    assertArrayEquals(
        Arrays.copyOfRange(data, 512, 1024), on("read", "-s", "8", "-c", "0").stdout());
    assertArrayEquals(new byte[512], on("read", "-s", "6", "-c", "0").stdout());
    assertArrayEquals(new byte[512], on("read", "-s", "" + (7 + 6144), "-c", "0").stdout());
  }

  @Test
  void writeFromStdinAndReadToStdout() {
    byte[] data = random(64 << 10, 2);
    Run write = on(data, "write", "-s", "10000", "-z", "64K");
    assertEquals(0, write.code(), write.err());
    Run read = on("read", "-s", "10000", "-z", "65536");
    assertEquals(0, read.code(), read.err());
    assertArrayEquals(data, read.stdout());
    assertTrue(read.err().startsWith("weft read: read 65536 bytes"), read.err());

    // "-" names stdin and stdout too.
    byte[] more = random(4096, 3);
    assertEquals(0, on(more, "write", "-s", "10200", "-z", "4096", "--data", "-").code());
    assertArrayEquals(more, on("read", "-s", "10200", "-z", "4096", "-d", "-").stdout());
  }

  @Test
  void blockCountIsZeroBased() {
    byte[] data = random(2048, 4);
    Run write = on(data, "write", "--start-block", "20000", "--block-count", "3");
    assertEquals(0, write.code(), write.err());
    assertTrue(write.err().contains("wrote 2048 bytes"), write.err());
    assertArrayEquals(
        Arrays.copyOf(data, 512), on("read", "-s", "20000", "--block-count", "0").stdout());
    assertArrayEquals(data, on("read", "-s", "20000", "--block-count", "3").stdout());
    // Both given and agreeing is fine.
    assertArrayEquals(data, on("read", "-s", "20000", "-c", "3", "-z", "2048").stdout());

    // On a 4096-byte namespace one count is 4096 bytes.
    byte[] big = random(8192, 5);
    assertEquals(0, on(big, "write", "-n", "2", "-s", "3", "-c", "1").code());
    assertArrayEquals(big, on("read", "-n", "2", "-s", "3", "-z", "8192").stdout());
  }

  @Test
  void sizeMistakesAreUsageErrors() {
    Run mismatch = on("read", "-s", "0", "--block-count", "3", "--data-size", "4096");
    assertEquals(ExitCodes.USAGE, mismatch.code());
    assertTrue(
        mismatch.err().startsWith("weft read: --data-size 4096 and --block-count 3 disagree"));
    assertTrue(mismatch.err().contains("zero-based"), mismatch.err());

    Run ragged = on(new byte[1000], "write", "-s", "0", "--data-size", "1000");
    assertEquals(ExitCodes.USAGE, ragged.code());
    assertTrue(ragged.err().contains("not a multiple of namespace 1's block size, 512"));

    Run bigBlocks = on("read", "-n", "2", "--data-size", "512");
    assertEquals(ExitCodes.USAGE, bigBlocks.code());
    assertTrue(bigBlocks.err().contains("block size, 4096"), bigBlocks.err());

    Run none = on("read", "-s", "0");
    assertEquals(ExitCodes.USAGE, none.code());
    assertTrue(none.err().contains("--data-size BYTES or --block-count N"), none.err());

    Run noFile = on("write", "-c", "0", "--data", dir.resolve("missing.bin").toString());
    assertEquals(ExitCodes.USAGE, noFile.code());
    assertTrue(noFile.err().contains("no such file"), noFile.err());
  }

  @Test
  void anOutOfRangeLbaIsTheControllersStatus() {
    Run read = on("read", "--start-block", "" + NS1_BLOCKS, "--block-count", "0");
    assertEquals(ExitCodes.FAILED, read.code());
    assertEquals("weft read: LBA_OUT_OF_RANGE (sct=0 sc=0x80 dnr)", read.err().strip());

    // Straddling the end: refused as a whole, the last block inside keeps its data.
    long last = NS1_BLOCKS - 1;
    Run write = on(random(1024, 6), "write", "-s", "" + last, "-c", "1");
    assertEquals(ExitCodes.FAILED, write.code());
    assertEquals("weft write: LBA_OUT_OF_RANGE (sct=0 sc=0x80 dnr)", write.err().strip());
    assertArrayEquals(new byte[512], on("read", "-s", "" + last, "-c", "0").stdout());
  }

  @Test
  void shortInputIsAnErrorAndWritesNothing() {
    Run run = on(random(100, 7), "write", "-s", "30000", "--data-size", "512");
    assertEquals(ExitCodes.FAILED, run.code());
    assertEquals(
        "weft write: short input: stdin ended after 100 of 512 bytes; nothing was written",
        run.err().strip());
    assertArrayEquals(new byte[512], on("read", "-s", "30000", "-c", "0").stdout());
  }

  @Test
  void aHostNotOnTheAllowListIsToldSo() {
    Run run = host("connect-check", "--nqn", PRIVATE);
    assertEquals(ExitCodes.FAILED, run.code());
    assertEquals(1, run.err().lines().count(), run.err());
    assertTrue(
        run.err()
            .startsWith(
                "weft connect-check: host "
                    + HOST
                    + " is not allowed to connect to "
                    + PRIVATE
                    + " at 127.0.0.1:"
                    + port
                    + ": CONNECT_INVALID_HOST (sct=1 sc=0x84 dnr)"),
        run.err());
  }

  @Test
  void anUnknownSubsystemOrAClosedPortIsAClearError() throws Exception {
    Run unknown = host("id-ctrl", "--nqn", "nqn.2026-11.io.weft.test:nope");
    assertEquals(ExitCodes.FAILED, unknown.code());
    assertTrue(unknown.err().contains("CONNECT_INVALID_PARAMETERS"), unknown.err());
    assertTrue(unknown.err().contains("'weft discover' lists them"), unknown.err());

    int closed;
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress("127.0.0.1", 0));
      closed = s.getLocalPort();
    }
    Run refused =
        weft(
            new byte[0],
            "connect-check",
            "-a",
            "127.0.0.1",
            "--trsvcid",
            "" + closed,
            "--nqn",
            NQN,
            "-q",
            HOST,
            "-I",
            HOST_ID);
    assertEquals(ExitCodes.FAILED, refused.code());
    assertEquals(
        "weft connect-check: cannot connect to "
            + NQN
            + " at 127.0.0.1:"
            + closed
            + ": connection refused",
        refused.err().strip());
  }

  /**
   * {@code discover --persistent}: the log, then the log again when the target says it changed (a
   * subsystem added), until --changes; and the combinations that make no sense are usage errors.
   */
  @Test
  void persistentDiscoveryPrintsTheLogAgainOnEachChange() throws Exception {
    String added = "nqn.2026-11.io.weft.test:added-later";
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    StringWriter err = new StringWriter();
    java.util.concurrent.CompletableFuture<Integer> code =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () ->
                WeftCli.run(
                    new String[] {
                      "discover",
                      "--traddr",
                      "127.0.0.1",
                      "--trsvcid",
                      Integer.toString(port),
                      "--hostnqn",
                      HOST,
                      "--hostid",
                      HOST_ID,
                      "--persistent",
                      "--changes",
                      "1"
                    },
                    new ByteArrayInputStream(new byte[0]),
                    stdout,
                    new PrintWriter(err, true)));
    try {
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (!stdout.toString(StandardCharsets.UTF_8).contains("Discovery Log Number of Records")) {
        assertTrue(System.nanoTime() < deadline, "no first log; stderr: " + err);
        Thread.sleep(20);
      }
      Thread.sleep(300); // its event request is out
      target.createSubsystem(
          new SubsystemConfig(
              added, null, null, null, List.of(), List.of(NamespaceConfig.memory(1, 1 << 20))));
      assertEquals(0, code.get(10, java.util.concurrent.TimeUnit.SECONDS), err.toString());
    } finally {
      target.removeSubsystem(added);
    }
    String out = stdout.toString(StandardCharsets.UTF_8);
    int first = out.indexOf("Discovery Log Number of Records");
    int change = out.indexOf("# the log changed");
    assertTrue(first >= 0 && change > first, out);
    assertFalse(out.substring(0, change).contains(added), "not in the first log: " + out);
    assertTrue(out.substring(change).contains("subnqn:  " + added), out);

    Run withMdns = host("discover", "--persistent", "--mdns");
    assertEquals(ExitCodes.USAGE, withMdns.code(), withMdns.err());
    Run changesAlone = host("discover", "--changes", "2");
    assertEquals(ExitCodes.USAGE, changesAlone.code(), changesAlone.err());
  }

  @Test
  void discoverTakesAnAddressOrMdnsNotBoth() {
    Run none = weft(new byte[0], "discover");
    assertEquals(ExitCodes.USAGE, none.code());
    assertTrue(none.err().contains("Missing required option: '--traddr=ADDR'"), none.err());
    Run idCtrl = weft(new byte[0], "id-ctrl", "--nqn", NQN);
    assertEquals(ExitCodes.USAGE, idCtrl.code());
    assertTrue(idCtrl.err().contains("'--traddr=ADDR'"), idCtrl.err());

    Run both = host("discover", "--mdns");
    assertEquals(ExitCodes.USAGE, both.code());
    assertTrue(both.err().contains("drop --traddr and --trsvcid"), both.err());
    Run waitAlone = host("discover", "--mdns-wait", "2");
    assertEquals(ExitCodes.USAGE, waitAlone.code());
    assertTrue(waitAlone.err().contains("go with --mdns"), waitAlone.err());
    // Checked before any mDNS socket opens.
    Run notHere = weft(new byte[0], "discover", "--mdns", "--mdns-address", "198.51.100.7");
    assertEquals(ExitCodes.USAGE, notHere.code());
    assertTrue(notHere.err().contains("198.51.100.7 is not an address here"), notHere.err());
    Run noWait = weft(new byte[0], "discover", "--mdns", "--mdns-wait", "0");
    assertEquals(ExitCodes.USAGE, noWait.code());
    assertTrue(noWait.err().contains("--mdns-wait must be from 1"), noWait.err());
  }

  @Test
  void onlyTcpIsATransport() {
    Run run = on("id-ctrl", "--transport", "rdma");
    assertEquals(ExitCodes.USAGE, run.code());
    assertTrue(
        run.err().startsWith("weft id-ctrl: --transport 'rdma' is not supported"), run.err());
    assertEquals(0, on("id-ctrl", "-t", "TCP").code());
  }

  @Test
  void digestsOn() throws Exception {
    byte[] data = random(256 << 10, 8); // in-capsule, R2T and C2H data, all with digests
    Run write = on(data, "write", "--hdr-digest", "--data-digest", "-s", "12000", "-z", "256K");
    assertEquals(0, write.code(), write.err());
    Run read = on("read", "-g", "-G", "-s", "12000", "-z", "256K");
    assertEquals(0, read.code(), read.err());
    assertArrayEquals(data, read.stdout());

    Run check = on("connect-check", "-g", "-G", "-o", "json");
    assertEquals(0, check.code(), check.err());
    JsonNode s = JSON.readTree(check.out());
    assertTrue(s.get("headerDigest").asBoolean());
    assertTrue(s.get("dataDigest").asBoolean());
  }

  @Test
  void smartLogCountsCommands() throws Exception {
    assertEquals(0, on(random(512, 9), "write", "-s", "25000", "-c", "0").code());
    Run json = on("smart-log", "-o", "json");
    assertEquals(0, json.code(), json.err());
    JsonNode log = JSON.readTree(json.out());
    assertTrue(log.get("host_write_commands").asLong() > 0, json.out());
    assertEquals(0, log.get("critical_warning").asInt());
    Run normal = on("smart-log");
    assertEquals(0, normal.code(), normal.err());
    assertTrue(hasLine(normal.out(), "host_write_commands +: \\d+"), normal.out());
  }

  @Test
  void perfRunsAndReportsJson() throws Exception {
    Run run =
        on(
            "perf",
            "--namespace-id",
            "3",
            "--workload",
            "randrw",
            "--rwmixread",
            "70",
            "--bs",
            "4k",
            "--qd",
            "4",
            "--queues",
            "2",
            "--time",
            "1",
            "--warmup",
            "1",
            "--spin-us",
            "0",
            "-o",
            "json");
    assertEquals(0, run.code(), run.err());
    JsonNode r = JSON.readTree(run.out());
    assertEquals("randrw", r.get("workload").asText());
    assertEquals(4096, r.get("blockSize").asInt());
    assertEquals(4, r.get("queueDepth").asInt());
    assertEquals(2, r.get("queues").asInt());
    assertEquals(0, r.get("errors").asLong());
    assertTrue(r.get("ios").asLong() > 0, run.out());
    assertTrue(r.get("seconds").asDouble() > 0, run.out());
    assertTrue(r.get("iops").asDouble() > 0, run.out());
    assertTrue(r.get("mibPerSec").asDouble() > 0, run.out());
    double min = r.get("latMinUs").asDouble();
    assertTrue(
        min > 0
            && min <= r.get("latP50Us").asDouble()
            && r.get("latP50Us").asDouble() <= r.get("latP99Us").asDouble()
            && r.get("latP99Us").asDouble() <= r.get("latMaxUs").asDouble(),
        run.out());
    for (String field : List.of("latAvgUs", "latP999Us", "latP9999Us")) {
      assertNotNull(r.get(field), field);
    }
    // The CPU the process used over the measured second: something, and no more than the machine.
    double cores = r.get("cpuCores").asDouble();
    assertTrue(cores > 0 && cores <= Runtime.getRuntime().availableProcessors() + 0.5, run.out());
    // One progress line a second on stderr, the first marked as warm-up.
    String number =
        "\\d+ IOPS  \\d+\\.\\d MiB/s  avg \\d+\\.\\d  p50 \\d+\\.\\d  p99 \\d+\\.\\d us";
    assertTrue(hasLine(run.err(), "\\[  1s\\] " + number + "  \\(warm-up\\)"), run.err());
    assertTrue(hasLine(run.err(), "\\[  2s\\] " + number), run.err());
  }

  @Test
  void perfHumanReportAndItsChecks() {
    Run run = on("perf", "-n", "3", "--time", "1", "--warmup", "0");
    assertEquals(0, run.code(), run.err());
    assertTrue(run.out().startsWith("randread bs=4096 qd=1 queues=1: "), run.out());
    assertTrue(run.out().contains("latency (us): min "), run.out());
    assertTrue(hasLine(run.out(), "cpu: \\d+\\.\\d\\d cores .*, \\d+ IOPS per core"), run.out());

    Run ragged = on("perf", "-n", "3", "--bs", "1000", "--time", "1");
    assertEquals(ExitCodes.USAGE, ragged.code());
    assertTrue(ragged.err().contains("not a multiple of namespace 3's block size"), ragged.err());

    Run mix = on("perf", "-n", "3", "--workload", "randread", "--rwmixread", "30");
    assertEquals(ExitCodes.USAGE, mix.code());
    assertTrue(mix.err().contains("--rwmixread applies to --workload randrw"), mix.err());

    Run workload = on("perf", "--workload", "sequential");
    assertEquals(ExitCodes.USAGE, workload.code());
    assertTrue(workload.err().contains("read, write, randread, randwrite, randrw"));
  }
}
