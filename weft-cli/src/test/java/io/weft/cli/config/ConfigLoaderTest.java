package io.weft.cli.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.NamespaceConfig;
import io.weft.tgt.config.SubsystemConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import io.weft.tgt.qos.QosPolicy;
import io.weft.tgt.qos.WorkloadClass;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  private static final Path BASE = Path.of("/etc/weft");

  private static final String MINIMAL =
      """
      listeners:
        - listen: 127.0.0.1:4420
      subsystems:
        - nqn: nqn.2026-11.io.weft:vol0
          namespaces:
            - memory: 1M
      """;

  private static TargetConfig parse(String yaml) throws ConfigException {
    TargetConfig config = ConfigLoader.parse(yaml, BASE, "t.yaml");
    ConfigCheck.validate(config);
    return config;
  }

  /** The message of the error the YAML causes; asserts it names the file. */
  private static String error(String yaml) {
    ConfigException e = assertThrows(ConfigException.class, () -> parse(yaml));
    assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    return e.getMessage();
  }

  private static void assertContains(String text, String... fragments) {
    for (String f : fragments) {
      assertTrue(text.contains(f), "'" + text + "' should contain '" + f + "'");
    }
  }

  @Test
  void theDocumentedExampleLoads() throws Exception {
    Path example = Path.of("../docs/weft-target.example.yaml");
    TargetConfig config = ConfigLoader.load(example);
    ConfigCheck.validate(config);
    Path docs = example.toAbsolutePath().normalize().getParent();
    assertEquals(docs.resolve("weft-data"), config.dataDir());
    assertEquals("127.0.0.1:9420", config.adminListen());
    assertEquals(
        List.of(new ListenerConfig("127.0.0.1", 4420, "10.0.2.100", 4420)), config.listeners());
    SubsystemConfig s = config.subsystems().get(0);
    assertEquals("nqn.2026-11.io.weft:vol0", s.nqn());
    assertEquals("WEFT0001", s.serial());
    assertEquals("Weft NVMe/TCP target", s.model());
    assertEquals(List.of(), s.allowedHosts());
    assertEquals(
        List.of(
            new NamespaceConfig(1, "file", "ns1.img", 1L << 30, 512, false, null),
            new NamespaceConfig(2, "memory", null, 256L << 20, 512, false, null)),
        s.namespaces());
    assertEquals(TuningConfig.defaults(), config.tuning());
    assertEquals(io.weft.tgt.config.SecurityConfig.defaults(), config.security());
  }

  @Test
  void fillsDefaultsForAMinimalFile() throws Exception {
    TargetConfig config = parse(MINIMAL);
    assertEquals(BASE.resolve("weft-data"), config.dataDir());
    assertEquals("127.0.0.1:9420", config.adminListen());
    assertEquals(List.of(ListenerConfig.of("127.0.0.1", 4420)), config.listeners());
    SubsystemConfig s = config.subsystems().get(0);
    assertNull(s.serial(), "left to the target");
    assertEquals(List.of(NamespaceConfig.memory(1, 1 << 20)), s.namespaces());
  }

  @Test
  void readsEveryOptionalKey() throws Exception {
    TargetConfig config =
        parse(
            """
            dataDir: /srv/weft
            admin: none
            listeners:
              - listen: "[::1]:4420"
                advertise: 10.0.0.5
            subsystems:
              - nqn: nqn.2026-11.io.weft:a
                serial: S1
                model: M1
                firmware: "1.2"
                allowedHosts: [nqn.2014-08.org.nvmexpress:uuid:1234]
                namespaces:
                  - nsid: 7
                    file: /dev/shm/a.img
                    size: 8M
                    blockSize: 4096
                    direct: true
                    uuid: 8a6f0e43-5c2e-4f1b-9d4e-2f0c7f1e2a10
            tuning: { ioThreads: 3, spinMicros: 0, mdts: 5, maxH2cData: 64K, ioWorkerThreads: 2, c2hSuccessAlways: true }
            """);
    assertEquals(Path.of("/srv/weft"), config.dataDir());
    assertNull(config.adminListen());
    assertEquals(List.of(new ListenerConfig("::1", 4420, "10.0.0.5", 0)), config.listeners());
    SubsystemConfig s = config.subsystems().get(0);
    assertEquals(
        new SubsystemConfig(
            "nqn.2026-11.io.weft:a",
            "S1",
            "M1",
            "1.2",
            List.of("nqn.2014-08.org.nvmexpress:uuid:1234"),
            List.of(
                new NamespaceConfig(
                    7,
                    "file",
                    "/dev/shm/a.img",
                    8 << 20,
                    4096,
                    true,
                    "8a6f0e43-5c2e-4f1b-9d4e-2f0c7f1e2a10"))),
        s);
    TuningConfig d = TuningConfig.defaults();
    assertEquals(
        new TuningConfig(
            3,
            0,
            5,
            d.inCapsuleDataSize(),
            d.maxQueueEntries(),
            d.maxIoQueues(),
            64 * 1024,
            2,
            "threads",
            true),
        config.tuning());
  }

  @Test
  void aNamespacesQosIsReadWithItsSizesPerSecondAndABadClassIsNamed(@TempDir Path dir)
      throws Exception {
    String qos =
        "- memory: 1M\n        qos:\n          workloadClass: best-effort\n"
            + "          readIops: 5000\n          writeBandwidth: 100M\n          minIops: 300";
    Path file = dir.resolve("t.yaml");
    Files.writeString(file, MINIMAL.replace("- memory: 1M", qos));
    assertEquals(
        new QosPolicy(WorkloadClass.BEST_EFFORT, 5000, 0, 0, 100L << 20, 300, 0),
        ConfigLoader.load(file).subsystems().get(0).namespaces().get(0).qos());
    assertContains(
        error(MINIMAL.replace("- memory: 1M", qos.replace("best-effort", "gold"))),
        "subsystems[0].namespaces[0].qos",
        "unknown workload class 'gold'");
    assertContains(
        error(MINIMAL.replace("- memory: 1M", "- memory: 1M\n        qos:\n          readIops: 5")),
        "needs 'workloadClass'");
  }

  @Test
  void relativeDataDirIsRelativeToTheFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("conf/t.yaml");
    Files.createDirectories(file.getParent());
    Files.writeString(file, "dataDir: data\n" + MINIMAL);
    assertEquals(dir.resolve("conf/data"), ConfigLoader.load(file).dataDir());
  }

  @Test
  void rejectsAnUnknownTopLevelKeyNamingItAndTheKnownOnes() {
    assertContains(
        error(MINIMAL + "listner: 1\n"),
        "t.yaml",
        "unknown key 'listner' at the top level",
        "listeners");
  }

  @Test
  void rejectsAnUnknownNestedKeyNamingWhereItIs() {
    String yaml = MINIMAL.replace("- memory: 1M", "- memory: 1M\n        blocksize: 4096");
    assertContains(
        error(yaml), "unknown key 'blocksize'", "subsystems[0].namespaces[0]", "blockSize");
  }

  @Test
  void rejectsAValueOfTheWrongType() {
    assertContains(
        error(MINIMAL.replace("- memory: 1M", "- memory: 1M\n        nsid: one")),
        "line 7",
        "subsystems[0].namespaces[0].nsid",
        "expected a whole number");
    assertContains(
        error(MINIMAL.replace("- listen: 127.0.0.1:4420", "listen: 127.0.0.1:4420")),
        "listeners",
        "expected a list");
  }

  @Test
  void rejectsABadSize() {
    assertContains(
        error(MINIMAL.replace("memory: 1M", "memory: 1.5G")),
        "subsystems[0].namespaces[0].memory",
        "invalid size");
    assertContains(
        error(MINIMAL.replace("memory: 1M", "memory: 0")),
        "subsystems[0].namespaces[0].memory",
        "positive");
  }

  @Test
  void rejectsDuplicateNsids() {
    String yaml =
        MINIMAL.replace("- memory: 1M", "- memory: 1M\n      - nsid: 1\n        memory: 2M");
    assertContains(error(yaml), "nqn.2026-11.io.weft:vol0", "NSID 1 is used twice");
  }

  @Test
  void rejectsAFileWithoutListeners() {
    assertContains(
        error(MINIMAL.replace("  - listen: 127.0.0.1:4420\n", "")), "listeners", "at least one");
    assertContains(
        error(MINIMAL.replace("listeners:\n  - listen: 127.0.0.1:4420\n", "")),
        "listeners",
        "at least one");
  }

  @Test
  void rejectsABadListenAddress() {
    assertContains(
        error(MINIMAL.replace("127.0.0.1:4420", "127.0.0.1")), "listeners[0].listen", "HOST:PORT");
    assertContains(
        error(MINIMAL.replace("127.0.0.1:4420", "127.0.0.1:99999")), "listeners[0].listen", "port");
  }

  @Test
  void rejectsNamespacesWithTwoBackendsOrNone() {
    assertContains(
        error(MINIMAL.replace("- memory: 1M", "- memory: 1M\n        file: a.img")),
        "subsystems[0].namespaces[0]",
        "not both");
    assertContains(
        error(MINIMAL.replace("- memory: 1M", "- nsid: 1")),
        "subsystems[0].namespaces[0]",
        "missing backend");
    assertContains(
        error(MINIMAL.replace("- memory: 1M", "- file: a.img")),
        "subsystems[0].namespaces[0]",
        "needs 'size'");
    assertContains(
        error(MINIMAL.replace("- memory: 1M", "- memory: 1M\n        size: 1M")),
        "'size' is for file namespaces");
  }

  @Test
  void rejectsBadBlockSizesAndSizesThatAreNotMultiples() {
    assertContains(
        error(MINIMAL.replace("- memory: 1M", "- memory: 1M\n        blockSize: 1000")),
        "namespace 1",
        "block size 1000");
    assertContains(
        error(MINIMAL.replace("- memory: 1M", "- memory: 1000\n        blockSize: 512")),
        "namespace 1",
        "not a multiple of the block size 512");
  }

  @Test
  void rejectsAMissingNqnAndABadOne() {
    assertContains(
        error(MINIMAL.replace("- nqn: nqn.2026-11.io.weft:vol0", "- serial: x")),
        "subsystems[0]",
        "missing 'nqn'");
    assertContains(
        error(MINIMAL.replace("nqn.2026-11.io.weft:vol0", "vol0")), "'vol0' is not an NQN");
  }

  @Test
  void rejectsASerialThatIsTooLong() {
    assertContains(
        error(
            MINIMAL.replace(
                "- nqn: nqn.2026-11.io.weft:vol0",
                "- nqn: nqn.2026-11.io.weft:vol0\n    serial: ABCDEFGHIJKLMNOPQRSTU")),
        "serial",
        "longer than 20");
  }

  @Test
  void rejectsEmptyFilesBrokenYamlAndDuplicateKeys() {
    assertContains(error(""), "t.yaml", "no settings");
    assertContains(error("# only a comment\n"), "t.yaml", "no settings");
    assertContains(error("listeners: [\n"), "t.yaml", "line");
    assertContains(error("- a\n- b\n"), "must be a mapping");
    assertContains(error(MINIMAL + "listeners: []\n"), "listeners");
  }

  @Test
  void rejectsABadAdminAddress() {
    assertContains(error("admin: localhost\n" + MINIMAL), "admin", "HOST:PORT");
  }

  @Test
  void reportsAMissingFile(@TempDir Path dir) {
    ConfigException e =
        assertThrows(ConfigException.class, () -> ConfigLoader.load(dir.resolve("nope.yaml")));
    assertContains(e.getMessage(), "nope.yaml", "does not exist");
  }
}
