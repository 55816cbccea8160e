package io.weft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.cli.config.ConfigException;
import io.weft.cli.config.Defaults;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.NamespaceConfig;
import io.weft.tgt.config.SubsystemConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** How {@code weft target} flags become a TargetConfig, without starting a target. */
class TargetFlagsTest {
  @TempDir Path dir;

  private TargetConfig config(String... args) throws ConfigException {
    TargetCommand command = new TargetCommand();
    new CommandLine(command).parseArgs(args);
    return command.buildConfig(dir);
  }

  private String usageError(String... args) {
    CommandLine.ParameterException e =
        assertThrows(CommandLine.ParameterException.class, () -> config(args));
    return e.getMessage();
  }

  private String configError(String... args) {
    return assertThrows(ConfigException.class, () -> config(args)).getMessage();
  }

  private Path writeConfig(String yaml) throws Exception {
    Path file = dir.resolve("t.yaml");
    Files.writeString(file, yaml);
    return file;
  }

  private static final String TWO_NAMESPACES =
      """
      dataDir: data
      admin: 127.0.0.1:9500
      listeners:
        - listen: 127.0.0.1:4420
        - listen: 127.0.0.1:4421
      subsystems:
        - nqn: nqn.2026-11.io.weft:file
          serial: FROMFILE
          namespaces:
            - file: a.img
              size: 1M
            - memory: 2M
      tuning: { ioThreads: 3, spinMicros: 5 }
      """;

  @Test
  void noFlagsGiveTheEmbeddedDefaults() throws Exception {
    TargetConfig c = config();
    assertEquals(dir.resolve("weft-data").toAbsolutePath(), c.dataDir());
    assertEquals(List.of(ListenerConfig.of("127.0.0.1", 4420)), c.listeners());
    assertEquals("127.0.0.1:9420", c.adminListen());
    assertEquals(
        List.of(
            new SubsystemConfig(
                Defaults.NQN,
                null,
                null,
                null,
                List.of(),
                List.of(new NamespaceConfig(1, "file", "ns1.img", 1L << 30, 512, false, null)))),
        c.subsystems());
    assertEquals(TuningConfig.defaults(), c.tuning());
  }

  @Test
  void listenIsRepeatableAndTakesAnAdvertisedAddress() throws Exception {
    TargetConfig c =
        config(
            "--listen", "127.0.0.1:14420,advertise=10.0.2.100:4420",
            "--listen", "[::1]:0",
            "--listen", "127.0.0.1:4422,advertise=example.test");
    assertEquals(
        List.of(
            new ListenerConfig("127.0.0.1", 14420, "10.0.2.100", 4420),
            new ListenerConfig("::1", 0, null, 0),
            new ListenerConfig("127.0.0.1", 4422, "example.test", 0)),
        c.listeners());
  }

  @Test
  void subsystemFlagsShapeTheSubsystem() throws Exception {
    TargetConfig c =
        config(
            "--nqn", "nqn.2026-11.io.weft:other",
            "--memory", "64M",
            "--block-size", "4096",
            "--allow-host", "nqn.2014-08.org.nvmexpress:uuid:a",
            "--allow-host", "nqn.2014-08.org.nvmexpress:uuid:b",
            "--serial", "SER1",
            "--model", "Model X");
    assertEquals(
        new SubsystemConfig(
            "nqn.2026-11.io.weft:other",
            "SER1",
            "Model X",
            null,
            List.of("nqn.2014-08.org.nvmexpress:uuid:a", "nqn.2014-08.org.nvmexpress:uuid:b"),
            List.of(new NamespaceConfig(1, "memory", null, 64L << 20, 4096, false, null))),
        c.subsystems().get(0));
  }

  @Test
  void fileWithSizeReplacesTheDefaultNamespace() throws Exception {
    TargetConfig c = config("--file", "/var/tmp/x.img", "--size", "2G");
    assertEquals(
        List.of(new NamespaceConfig(1, "file", "/var/tmp/x.img", 2L << 30, 512, false, null)),
        c.subsystems().get(0).namespaces());
  }

  @Test
  void scalarFlagsReplaceValues() throws Exception {
    TargetConfig c =
        config("--data-dir", "d", "--admin", "none", "--spin-us", "0", "--io-threads", "4");
    assertEquals(dir.resolve("d").toAbsolutePath(), c.dataDir());
    assertNull(c.adminListen());
    assertEquals(0, c.tuning().spinNanos());
    assertEquals(4, c.tuning().ioThreads());
    assertEquals("[::1]:9421", config("--admin", "[::1]:9421").adminListen());
  }

  @Test
  void flagsOverrideTheConfigFile() throws Exception {
    Path file = writeConfig(TWO_NAMESPACES);
    TargetConfig fromFile = config("--config", file.toString());
    assertEquals(dir.resolve("data"), fromFile.dataDir());
    assertEquals(2, fromFile.listeners().size());
    assertEquals(3, fromFile.tuning().ioThreads());
    assertEquals(5_000, fromFile.tuning().spinNanos());

    TargetConfig c =
        config(
            "--config", file.toString(),
            "--listen", "127.0.0.1:5000",
            "--admin", "127.0.0.1:9600",
            "--spin-us", "7",
            "--nqn", "nqn.2026-11.io.weft:renamed");
    assertEquals(List.of(ListenerConfig.of("127.0.0.1", 5000)), c.listeners());
    assertEquals("127.0.0.1:9600", c.adminListen());
    assertEquals(7_000, c.tuning().spinNanos());
    assertEquals(3, c.tuning().ioThreads(), "not overridden");
    SubsystemConfig s = c.subsystems().get(0);
    assertEquals("nqn.2026-11.io.weft:renamed", s.nqn());
    assertEquals("FROMFILE", s.serial());
    assertEquals(fromFile.subsystems().get(0).namespaces(), s.namespaces());
  }

  @Test
  void blockSizeAloneAppliesToEveryNamespaceOfTheFile() throws Exception {
    Path file = writeConfig(TWO_NAMESPACES.replace("size: 1M", "size: 1M\n        blockSize: 512"));
    TargetConfig c = config("--config", file.toString(), "--block-size", "4096");
    for (NamespaceConfig ns : c.subsystems().get(0).namespaces()) {
      assertEquals(4096, ns.blockSize());
    }
  }

  @Test
  void subsystemFlagsNeedASingleSubsystem() throws Exception {
    Path file =
        writeConfig(
            TWO_NAMESPACES.replace("tuning:", "  - nqn: nqn.2026-11.io.weft:second\ntuning:"));
    assertEquals(2, config("--config", file.toString()).subsystems().size());
    String message = usageError("--config", file.toString(), "--memory", "1M");
    assertTrue(message.contains("defines 2"), message);
  }

  @Test
  void contradictoryFlagsAreUsageErrors() {
    assertTrue(usageError("--size", "1G").contains("--size goes with --file"));
    assertTrue(usageError("--file", "a.img").contains("--file needs --size"));
    assertTrue(
        usageError("--file", "a", "--size", "1M", "--memory", "1M").contains("alternatives"));
    assertTrue(usageError("--block-size", "1000").contains("512 or 4096"));
    assertTrue(usageError("--io-threads", "0").contains("--io-threads"));
    assertTrue(usageError("--spin-us", "-1").contains("--spin-us"));
    assertTrue(usageError("--admin", "localhost").contains("--admin"));
    assertTrue(usageError("--memory", "lots").contains("invalid size"));
    assertTrue(usageError("--listen", "127.0.0.1:4420,adv=x").contains("advertise"));
  }

  @Test
  void theMergedConfigIsChecked() {
    assertTrue(
        configError("--memory", "1000", "--block-size", "512")
            .contains("not a multiple of the block size 512"));
    assertTrue(
        configError("--listen", "127.0.0.1:4420", "--listen", "127.0.0.1:4420")
            .contains("given twice"));
    assertTrue(configError("--nqn", "vol0").contains("not an NQN"));
    assertTrue(
        configError("--config", dir.resolve("missing.yaml").toString()).contains("does not exist"));
  }

  @Test
  void badFlagsExitWithTwoAndOneLineOnStderr() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        WeftCli.run(
            new String[] {"target", "--size", "1G"}, new PrintWriter(out), new PrintWriter(err));
    assertEquals(ExitCodes.USAGE, code);
    assertEquals("", out.toString());
    assertEquals(1, err.toString().lines().count(), err.toString());
    assertTrue(err.toString().startsWith("weft target: --size goes with --file"), err.toString());
  }

  @Test
  void anInvalidConfigFileExitsWithTwoAndOneLine() throws Exception {
    Path file = writeConfig("listeners: []\nsubsystems: []\ncolour: blue\n");
    StringWriter err = new StringWriter();
    int code =
        WeftCli.run(
            new String[] {"target", "--config", file.toString()},
            new PrintWriter(new StringWriter()),
            new PrintWriter(err));
    assertEquals(ExitCodes.USAGE, code);
    assertEquals(1, err.toString().lines().count(), err.toString());
    assertTrue(err.toString().contains("unknown key 'colour'"), err.toString());
  }
}
