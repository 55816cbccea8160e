package io.weft.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.host.ConnectOptions;
import io.weft.host.HostController;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * SPDK's initiator (spdk_nvme_identify and spdk_nvme_perf from ../shared/tools/spdk-peer) against a
 * Weft target process: what a performance-minded user runs first. Logs:
 * weft-interop/target/interop-logs/spdk-initiator-*.
 */
@Tag("interop")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SpdkInitiatorInteropTest {
  static final String OPEN = "nqn.2026-11.io.weft:spdk-open";
  static final String LOCKED = "nqn.2026-11.io.weft:spdk-locked";
  static final String HOST_NQN = "nqn.2026-11.io.weft:spdk-host";
  static final String MODEL = "Weft SPDK Interop";
  static final String SERIAL = "WEFTSPDK0001";
  static final long NS_BYTES = 256L << 20;
  static final int BLOCK = 512;

  /** Connect Invalid Host (SCT 1, SC 84h) as SPDK prints it. */
  static final String INVALID_HOST = "sct 1, sc 132";

  private final SpdkPeer spdk = SpdkPeer.locate();
  private WeftTargetProcess target;
  private int port;
  private Path runDir;

  @BeforeAll
  void start() throws Exception {
    spdk.prepare();
    runDir = Interop.newRunLogDir("spdk-initiator");
    Path work = Interop.newWorkDir("spdk-initiator");
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
            model: %s
            serial: %s
            namespaces:
              - file: open.img
                size: %d
                blockSize: %d
          - nqn: %s
            allowedHosts: [%s]
            namespaces:
              - memory: 64M
        """
            .formatted(port, OPEN, MODEL, SERIAL, NS_BYTES, BLOCK, LOCKED, HOST_NQN));
    Path jar = Files.copy(Interop.weftJar(), work.resolve("weft.jar"));
    target =
        new WeftTargetProcess(
            WeftTargetProcess.Config.fromFile(
                jar, config, port, ports[1], work.resolve("data"), runDir));
    target.start(Duration.ofSeconds(60));
    System.out.println("spdk interop: logs in " + runDir);
  }

  @AfterAll
  void stop() {
    if (target != null) {
      target.close();
    }
  }

  @Test
  void identifyShowsWhatWeftReports() throws Exception {
    Interop.CommandResult r =
        spdk.run(120, "spdk_nvme_identify", "-r", SpdkPeer.trid(port, OPEN, null));
    save("identify.txt", r);
    assertTrue(r.ok(), () -> "spdk_nvme_identify failed: " + r.output());
    Map<String, String> id = fields(r.output());
    assertEquals(MODEL, id.get("Model Number"));
    assertEquals(SERIAL, id.get("Serial Number"));
    assertEquals("1048576", id.get("Max Data Transfer Size"), "MDTS 8 with 4 KiB pages");
    assertEquals("1.3", id.get("NVMe Specification Version (VS)"));
    assertTrue(
        id.get("Size (in LBAs)").startsWith(NS_BYTES / BLOCK + " "), id.get("Size (in LBAs)"));
    assertEquals("Data Size:   512  Metadata Size:     0", id.get("LBA Format #00"));
    assertEquals("Multiple Controllers", id.get("Namespace Sharing Capabilities"));
    // ANA reporting as Weft's Identify Controller encodes it, read back by SPDK's own parser.
    assertEquals("Supported", id.get("Asymmetric Namespace Access Log Page"));
    assertEquals("Supported", id.get("ANA Change Notices"));
    assertEquals("10 sec", id.get("ANA Transition Time"));
    for (String state :
        List.of("Optimized", "Non-Optimized", "Inaccessible", "Persistent Loss", "Change")) {
      assertEquals("Supported", id.get("ANA " + state + " State"), state);
    }
    assertEquals("Yes", id.get("ANAGRPID is not changed"));
    assertEquals("1024", id.get("ANA Group Identifier Maximum"));
    assertEquals("1024", id.get("Number of ANA Group Identifiers"));
    assertEquals("1", id.get("ANA group ID"), "a namespace's ANA group is its NSID");
    assertEquals("Yes", id.get("May have multiple subsystem ports"));
    // SGLs: NVMe/TCP uses transport data blocks carried in-capsule or by R2T, no keyed SGLs.
    assertEquals("Supported", id.get("SGL Command Set"));
    assertEquals("Not Supported", id.get("SGL Keyed"));
    assertEquals("Supported", id.get("Keep Alive"));

    // SPDK and Weft's own host see the same namespace identity.
    try (HostController c =
        HostController.connect(ConnectOptions.defaults("127.0.0.1", port, OPEN))) {
      byte[] nguid = c.identifyNamespace(1).nguid();
      assertEquals(
          HexFormat.of().formatHex(nguid).toUpperCase(Locale.ROOT), id.get("NGUID"), "NGUID");
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          4 KiB randread QD32                 | open   | none | -q 32 -o 4096 -w randread
          4 KiB randwrite QD32                | open   | none | -q 32 -o 4096 -w randwrite
          128 KiB read QD16                   | open   | none | -q 16 -o 131072 -w read
          128 KiB write QD16                  | open   | none | -q 16 -o 131072 -w write
          4 KiB 50/50 randrw QD32             | open   | none | -q 32 -o 4096 -w randrw -M 50
          digests 4 KiB 50/50 randrw QD32     | open   | none | -H -I -q 32 -o 4096 -w randrw -M 50
          digests 128 KiB 50/50 rw QD16       | open   | none | -H -I -q 16 -o 131072 -w rw -M 50
          host NQN 4 KiB randrw, open         | open   | host | -q 32 -o 4096 -w randrw -M 50
          host NQN 4 KiB randrw, allow-listed | locked | host | -q 32 -o 4096 -w randrw -M 50
          """)
  void perfRunsWithoutErrors(String name, String subsystem, String host, String args)
      throws Exception {
    String nqn = subsystem.equals("locked") ? LOCKED : OPEN;
    String hostNqn = host.equals("host") ? HOST_NQN : null;
    Interop.CommandResult r = perf(nqn, hostNqn, args.split(" "));
    save("perf-" + name.replaceAll("[^A-Za-z0-9]+", "-") + ".txt", r);
    assertTrue(r.ok(), () -> "spdk_nvme_perf exit " + r.exitCode() + ": " + r.output());
    assertTrue(
        r.output().contains("Attached to NVMe over Fabrics controller at 127.0.0.1:" + port),
        () -> "perf never attached: " + r.output());
    for (String bad : List.of("completed with error", "*ERROR*", "errors occurred")) {
      assertFalse(r.output().contains(bad), () -> "'" + bad + "' in perf output: " + r.output());
    }
    double iops = totalIops(r.output());
    assertTrue(iops > 1000, () -> "only " + iops + " IOPS: " + r.output());
    Interop.waitFor(
        "perf's controllers to leave the target",
        Duration.ofSeconds(10),
        () -> target.controllers().isEmpty());
  }

  /** SPDK's tools send an empty Host NQN unless told one; an allow-list can never match it. */
  @Test
  void emptyHostNqnIsRefusedByAnAllowListAndLoggedOnce() throws Exception {
    int before = target.logLines("empty host NQN", LOCKED).size();
    Interop.CommandResult r = perf(LOCKED, null, "-q", "1", "-o", "4096", "-w", "read");
    save("perf-empty-host-nqn-refused.txt", r);
    assertFalse(r.output().contains("Attached to NVMe over Fabrics controller"), r.output());
    assertTrue(r.output().contains(INVALID_HOST), () -> "no Connect Invalid Host: " + r.output());
    Interop.waitFor(
        "the refusal in the target log",
        Duration.ofSeconds(5),
        () -> target.logLines("empty host NQN", LOCKED).size() > before);
    assertEquals(1, target.logLines("empty host NQN", LOCKED).size() - before);
  }

  private Interop.CommandResult perf(String nqn, String hostNqn, String... args) {
    List<String> all =
        Interop.list("-c", "0x2", "-s", "512", "-t", "3", "-r", SpdkPeer.trid(port, nqn, hostNqn));
    all.addAll(List.of(args));
    return spdk.run(120, "spdk_nvme_perf", all.toArray(String[]::new));
  }

  private void save(String name, Interop.CommandResult r) throws Exception {
    Files.writeString(runDir.resolve(name), "exit " + r.exitCode() + "\n" + r.output());
  }

  private static final Pattern FIELD = Pattern.compile("^\\s*([^:]+?):\\s*(.*?)\\s*$");

  /** "Key: value" lines of spdk_nvme_identify, the first of each key. */
  static Map<String, String> fields(String output) {
    Map<String, String> fields = new LinkedHashMap<>();
    for (String line : output.split("\n")) {
      Matcher m = FIELD.matcher(line);
      if (m.matches()) {
        fields.putIfAbsent(m.group(1).strip(), m.group(2));
      }
    }
    return fields;
  }

  private static final Pattern TOTAL = Pattern.compile("(?m)^Total\\s+:\\s+([0-9.]+)\\s");

  /** The IOPS column of perf's "Total" line, or 0. */
  static double totalIops(String output) {
    Matcher m = TOTAL.matcher(output);
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }
}
