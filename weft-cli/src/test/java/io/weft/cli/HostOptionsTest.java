package io.weft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.host.ConnectOptions;
import io.weft.perf.Workload;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** The host commands' option names (nvme-cli's), and how they become the library's options. */
class HostOptionsTest {
  static final String HOST_ID = "3d0f6a1c-8b2e-4f7a-9c1d-5e6f7a8b9c0d";
  static final String HOST = "nqn.2014-08.org.nvmexpress:uuid:" + HOST_ID;

  static final List<String> HOST_COMMANDS =
      List.of(
          "discover", "connect-check", "id-ctrl", "id-ns", "read", "write", "smart-log", "perf");

  /** nvme-cli's connect option names, on every host command. */
  static final List<String> CONNECTION =
      List.of(
          "--transport",
          "--traddr",
          "--trsvcid",
          "--hostnqn",
          "--hostid",
          "--hdr-digest",
          "--data-digest",
          "--nr-io-queues",
          "--queue-size",
          "--keep-alive-tmo",
          "--ctrl-loss-tmo",
          "--reconnect-delay",
          "--fast_io_fail_tmo",
          "--fast-io-fail-tmo");

  /**
   * Building the whole command tree is where picocli refuses two options with one name; on top,
   * every command's names (its own, its mixins' and the inherited --verbose) are checked to be
   * distinct, so a clash between a mixin and a command is caught here too.
   */
  @Test
  void everyCommandHasDistinctOptionNames() {
    CommandLine root = WeftCli.commandLine();
    int commands = checkDistinct(root);
    assertTrue(commands >= 13, "commands checked: " + commands);
  }

  private static int checkDistinct(CommandLine cli) {
    Set<String> seen = new HashSet<>();
    for (OptionSpec option : cli.getCommandSpec().options()) {
      for (String name : option.names()) {
        assertTrue(
            seen.add(name),
            cli.getCommandSpec().qualifiedName() + " has two options named " + name);
      }
    }
    int count = 1;
    for (CommandLine sub : cli.getSubcommands().values()) {
      count += checkDistinct(sub);
    }
    return count;
  }

  @Test
  void hostCommandsTakeNvmeCliNames() {
    CommandLine root = WeftCli.commandLine();
    for (String name : HOST_COMMANDS) {
      CommandLine command = root.getSubcommands().get(name);
      for (String option : CONNECTION) {
        assertTrue(command.getCommandSpec().findOption(option) != null, name + " " + option);
      }
      if (!name.equals("read") && !name.equals("write")) {
        assertTrue(command.getCommandSpec().findOption("-o") != null, name);
        assertTrue(command.getCommandSpec().findOption("--output-format") != null, name);
      }
      assertEquals(
          !name.equals("discover"),
          command.getCommandSpec().findOption("--nqn") != null,
          name + " --nqn");
    }
    for (String name : List.of("read", "write")) {
      CommandLine command = root.getSubcommands().get(name);
      for (String option :
          List.of(
              "--namespace-id",
              "-n",
              "--start-block",
              "-s",
              "--block-count",
              "-c",
              "--data-size",
              "-z",
              "--data",
              "-d")) {
        assertTrue(command.getCommandSpec().findOption(option) != null, name + " " + option);
      }
      // read and write print data, not results: no -o.
      assertTrue(command.getCommandSpec().findOption("--output-format") == null, name);
    }
    for (String option :
        List.of(
            "--workload",
            "--rwmixread",
            "--bs",
            "--qd",
            "--queues",
            "--time",
            "--warmup",
            "--namespace-id",
            "--range",
            "--seed",
            "--spin-us")) {
      assertTrue(
          root.getSubcommands().get("perf").getCommandSpec().findOption(option) != null, option);
    }
  }

  private static ConnectOptions options(String command, int port, String... args) {
    CommandLine root = WeftCli.commandLine();
    String[] all = new String[args.length + 1];
    all[0] = command;
    System.arraycopy(args, 0, all, 1, args.length);
    root.parseArgs(all);
    HostCommand c = root.getSubcommands().get(command).getCommand();
    return c.connection.toConnectOptions(c.spec, "nqn.2026-11.io.weft.test:o", port, 1, 128, 0);
  }

  @Test
  void connectOptionsHaveNvmeCliMeanings() {
    ConnectOptions o =
        options(
            "connect-check",
            4420,
            "-t",
            "tcp",
            "-a",
            "10.0.0.7",
            "--nqn",
            "nqn.2026-11.io.weft.test:o",
            "-q",
            HOST,
            "-I",
            HOST_ID,
            "-g",
            "-G",
            "-i",
            "4",
            "-Q",
            "32",
            "-k",
            "0",
            "--ctrl-loss-tmo",
            "-1",
            "--reconnect-delay",
            "3",
            "--fast_io_fail_tmo",
            "7");
    assertEquals("10.0.0.7", o.address());
    assertEquals(4420, o.port());
    assertEquals(HOST, o.hostNqn());
    assertEquals(UUID.fromString(HOST_ID), o.hostId());
    assertTrue(o.headerDigest() && o.dataDigest());
    assertEquals(4, o.ioQueues());
    assertEquals(32, o.queueSize());
    assertEquals(0, o.keepAliveTimeoutSec());
    assertEquals(-1, o.ctrlLossTimeoutSec());
    assertEquals(3, o.reconnectDelaySec());
    assertEquals(7, o.fastIoFailTimeoutSec());

    ConnectOptions dashes =
        options(
            "read",
            4420,
            "-a",
            "h",
            "--nqn",
            "n",
            "-q",
            HOST,
            "-I",
            HOST_ID,
            "--fast-io-fail-tmo",
            "9",
            "--trsvcid",
            "4430");
    assertEquals(9, dashes.fastIoFailTimeoutSec());
    assertEquals(4430, dashes.port());

    // nvme-cli's defaults: KATO 5 s, ctrl-loss-tmo 600 s, reconnect-delay 10 s, fast-io-fail off.
    ConnectOptions defaults =
        options("discover", ConnectionOptions.DISCOVERY_PORT, "-a", "h", "-q", HOST, "-I", HOST_ID);
    assertEquals(8009, defaults.port());
    assertFalse(defaults.headerDigest() || defaults.dataDigest());
    assertEquals(5, defaults.keepAliveTimeoutSec());
    assertEquals(600, defaults.ctrlLossTimeoutSec());
    assertEquals(10, defaults.reconnectDelaySec());
    assertEquals(-1, defaults.fastIoFailTimeoutSec());
    assertEquals(128, defaults.queueSize());
  }

  @Test
  void badConnectValuesAreUsageErrors() {
    for (List<String> bad :
        List.of(
            List.of("--transport", "rdma"),
            List.of("--trsvcid", "70000"),
            List.of("--nr-io-queues", "0"),
            List.of("--queue-size", "1"),
            List.of("--keep-alive-tmo", "-1"),
            List.of("--ctrl-loss-tmo", "-2"),
            List.of("--reconnect-delay", "0"),
            List.of("--fast_io_fail_tmo", "-5"),
            List.of("--hostnqn", "n".repeat(224)))) {
      // --hostnqn is one of the bad values: given once, so picocli does not refuse a repetition.
      String[] base =
          bad.get(0).equals("--hostnqn")
              ? new String[] {"-a", "h", "--nqn", "n", "-I", HOST_ID}
              : new String[] {"-a", "h", "--nqn", "n", "-q", HOST, "-I", HOST_ID};
      String[] args = new String[base.length + 2];
      System.arraycopy(base, 0, args, 0, base.length);
      args[base.length] = bad.get(0);
      args[base.length + 1] = bad.get(1);
      assertThrows(
          CommandLine.ParameterException.class,
          () -> options("id-ctrl", 4420, args),
          String.join(" ", bad));
    }
    // A malformed host ID is refused while parsing.
    assertThrows(
        CommandLine.ParameterException.class,
        () -> options("id-ctrl", 4420, "-a", "h", "--nqn", "n", "--hostid", "not-a-uuid"));
  }

  @Test
  void perfOptionsParse() {
    CommandLine root = WeftCli.commandLine();
    root.parseArgs(
        "perf",
        "-a",
        "h",
        "--nqn",
        "n",
        "--workload",
        "RandWrite",
        "--bs",
        "128k",
        "--range",
        "1M",
        "--qd",
        "16");
    PerfCommand perf = root.getSubcommands().get("perf").getCommand();
    assertEquals(Workload.RANDWRITE, perf.workload);
    assertEquals(128 << 10, perf.bs);
    assertEquals(1L << 20, perf.range);
    assertEquals(16, perf.qd);
    assertEquals(1, perf.queues);
    assertEquals(10, perf.time);
    assertEquals(2, perf.warmup);
    assertEquals(
        "[  3s] 123456 IOPS  482.3 MiB/s  avg 12.3  p50 11.0  p99 40.2 us",
        PerfCommand.progress(3, false, 123456, 482.3, 12.3, 11.0, 40.2));
    assertEquals(
        "[ 12s] 7 IOPS  0.0 MiB/s  avg 1.0  p50 0.9  p99 3.1 us  (warm-up)",
        PerfCommand.progress(12, true, 7, 0.01, 1.0, 0.9, 3.1));
  }
}
