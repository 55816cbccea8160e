package io.weft.cli;

import static io.weft.cli.CliRun.weft;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.tgt.Target;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.NamespaceConfig;
import io.weft.tgt.config.SubsystemConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.FutureTask;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The commands end to end against a real target on 127.0.0.1. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliAgainstTargetTest {
  private static final String NQN = "nqn.2026-11.io.weft.test:cli";

  @TempDir static Path dataDir;
  private Target target;
  private String admin;

  private CliRun weftAdmin(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--admin");
    all.add(admin);
    return weft(all.toArray(String[]::new));
  }

  @BeforeAll
  void start() throws Exception {
    target =
        Target.start(
            new TargetConfig(
                dataDir,
                List.of(ListenerConfig.of("127.0.0.1", 0)),
                List.of(
                    new SubsystemConfig(
                        NQN,
                        null,
                        null,
                        null,
                        List.of(),
                        List.of(NamespaceConfig.memory(1, 1 << 20)))),
                "127.0.0.1:0",
                TuningConfig.defaults()));
    admin = "127.0.0.1:" + target.adminAddress().getPort();
  }

  @AfterAll
  void stop() {
    if (target != null) {
      target.close();
    }
  }

  @Test
  void listsAndChangesAnaStates() {
    CliRun list = weftAdmin("ana", "list", "--nqn", NQN);
    assertEquals(0, list.code(), list.err());
    assertTrue(
        list.out().matches("(?s)PORT\\s+GROUP\\s+STATE\\s+1\\s+1\\s+optimized\\s*"), list.out());
    try {
      CliRun set =
          weftAdmin(
              "ana", "set", "--nqn", NQN, "--port", "1", "--group", "1", "--state", "inaccessible");
      assertEquals(0, set.code(), set.err());
      assertEquals(NQN + " port 1 group 1: inaccessible", set.out().strip());
      assertTrue(weftAdmin("ana", "list", "--nqn", NQN).out().contains("inaccessible"));
      CliRun bad =
          weftAdmin("ana", "set", "--nqn", NQN, "--port", "1", "--group", "1", "--state", "up");
      assertEquals(ExitCodes.FAILED, bad.code());
      assertTrue(bad.err().contains("unknown ANA state 'up'"), bad.err());
      CliRun noPort =
          weftAdmin(
              "ana", "set", "--nqn", NQN, "--port", "9", "--group", "1", "--state", "optimized");
      assertEquals(ExitCodes.FAILED, noPort.code());
      assertTrue(noPort.err().contains("no port 9"), noPort.err());
    } finally {
      weftAdmin("ana", "set", "--nqn", NQN, "--port", "1", "--group", "1", "--state", "optimized");
    }
  }

  @Test
  void addsListsAndRemovesNamespaces() {
    CliRun add = weftAdmin("ns", "add", "--nqn", NQN, "--nsid", "2", "--memory", "2M");
    assertEquals(0, add.code(), add.err());
    assertTrue(add.out().startsWith("added namespace 2 to " + NQN + ": memory, 2 MiB"), add.out());

    CliRun file =
        weftAdmin(
            "ns",
            "add",
            "--nqn",
            NQN,
            "--nsid",
            "3",
            "--file",
            "n3.img",
            "--size",
            "1M",
            "--block-size",
            "4096",
            "--uuid",
            "8a6f0e43-5c2e-4f1b-9d4e-2f0c7f1e2a10");
    assertEquals(0, file.code(), file.err());
    assertTrue(file.out().contains("4096-byte blocks"), file.out());
    assertTrue(file.out().contains("8a6f0e43-5c2e-4f1b-9d4e-2f0c7f1e2a10"), file.out());

    CliRun list = weftAdmin("ns", "list", "--nqn", NQN);
    assertEquals(0, list.code(), list.err());
    assertTrue(list.out().startsWith(NQN + "  serial "), list.out());
    assertTrue(list.out().contains("  NSID  BACKEND"), list.out());
    assertTrue(
        list.out().lines().anyMatch(l -> l.matches("  2 +memory +2 MiB +512 .*")), list.out());
    assertTrue(
        list.out().lines().anyMatch(l -> l.matches("  3 +file +1 MiB +4096 .*n3\\.img")),
        list.out());

    CliRun json = weftAdmin("ns", "list", "-o", "json");
    assertEquals(0, json.code(), json.err());
    assertTrue(json.out().strip().startsWith("["), json.out());
    assertTrue(json.out().contains("\"nqn\" : \"" + NQN + "\""), json.out());

    CliRun grown = weftAdmin("ns", "resize", "--nqn", NQN, "--nsid", "3", "--size", "4M");
    assertEquals(0, grown.code(), grown.err());
    assertEquals("namespace 3 of " + NQN + " is 4 MiB", grown.out().strip());
    CliRun shrink = weftAdmin("ns", "resize", "--nqn", NQN, "--nsid", "3", "--size", "1M");
    assertEquals(ExitCodes.FAILED, shrink.code());
    assertTrue(shrink.err().contains("never shrink"), shrink.err());
    CliRun memory = weftAdmin("ns", "resize", "--nqn", NQN, "--nsid", "2", "--size", "4M");
    assertTrue(memory.err().contains("cannot grow"), memory.err());

    CliRun remove = weftAdmin("ns", "remove", "--nqn", NQN, "--nsid", "2");
    assertEquals(0, remove.code(), remove.err());
    assertEquals("removed namespace 2 from " + NQN, remove.out().strip());
    assertEquals(0, weftAdmin("ns", "remove", "--nqn", NQN, "--nsid", "3").code());
    assertTrue(weftAdmin("ns", "list").out().lines().noneMatch(l -> l.startsWith("  2 ")));
  }

  @Test
  void refusalsAreOneLineWithExitCodeOne() {
    CliRun duplicate = weftAdmin("ns", "add", "--nqn", NQN, "--nsid", "1", "--memory", "1M");
    assertEquals(ExitCodes.FAILED, duplicate.code());
    assertEquals(1, duplicate.err().lines().count(), duplicate.err());
    assertTrue(duplicate.err().startsWith("weft: ") && duplicate.err().contains("HTTP 409"));

    CliRun missing = weftAdmin("ns", "remove", "--nqn", NQN, "--nsid", "99");
    assertEquals(ExitCodes.FAILED, missing.code());
    assertTrue(missing.err().contains("HTTP 404"), missing.err());

    CliRun unknown = weftAdmin("ns", "list", "--nqn", "nqn.2026-11.io.weft:nope");
    assertEquals(ExitCodes.FAILED, unknown.code());
    assertTrue(unknown.err().contains("no subsystem"), unknown.err());
  }

  @Test
  void listsControllers() {
    CliRun normal = weftAdmin("controllers");
    assertEquals(0, normal.code(), normal.err());
    assertTrue(normal.out().startsWith("no controllers"), normal.out());
    CliRun json = weftAdmin("controllers", "-o", "json");
    assertEquals(0, json.code(), json.err());
    assertEquals("[ ]", json.out().strip());
  }

  @Test
  void anUnreachableTargetIsAClearError() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress("127.0.0.1", 0));
      port = s.getLocalPort();
    }
    CliRun run = weft("ns", "list", "--admin", "127.0.0.1:" + port);
    assertEquals(ExitCodes.FAILED, run.code());
    assertEquals(
        "weft: cannot reach the admin API at 127.0.0.1:"
            + port
            + " (connection refused); is 'weft target' running there? (--admin HOST:PORT)",
        run.err().strip());
  }

  @Test
  void targetCommandRunsPrintsTheBannerAndStops() throws Exception {
    CommandLine cli = WeftCli.commandLine();
    StringWriter out = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(new StringWriter(), true));
    TargetCommand command = cli.getSubcommands().get("target").getCommand();
    FutureTask<Integer> run =
        new FutureTask<>(
            () ->
                cli.execute(
                    "target",
                    "--listen",
                    "127.0.0.1:0",
                    "--nqn",
                    "nqn.2026-11.io.weft.test:banner",
                    "--memory",
                    "1M",
                    "--admin",
                    "127.0.0.1:0",
                    "--data-dir",
                    dataDir.toString()));
    Thread thread = new Thread(run, "weft-target-command");
    thread.start();
    command.started.await();
    String banner = out.toString();
    command.requestStop();
    assertEquals(0, run.get(), banner);
    assertTrue(banner.contains("NVMe/TCP target is running"), banner);
    assertTrue(
        banner
            .lines()
            .anyMatch(
                l ->
                    l.matches(
                        "  nvme connect -t tcp -a 127\\.0\\.0\\.1 -s \\d+ -n"
                            + " nqn\\.2026-11\\.io\\.weft\\.test:banner")),
        banner);
    assertTrue(banner.contains("admin API   http://127.0.0.1:"), banner);
  }

  @Test
  void aPortInUseFailsTheTargetCommandWithOneLine() throws Exception {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress("127.0.0.1", 0));
      CliRun run =
          weft(
              "target",
              "--listen",
              "127.0.0.1:" + taken.getLocalPort(),
              "--memory",
              "1M",
              "--admin",
              "none");
      assertEquals(ExitCodes.FAILED, run.code());
      assertEquals(1, run.err().lines().count(), run.err());
      assertTrue(
          run.err().startsWith("weft: cannot start the target (listen 127.0.0.1:"), run.err());
    }
  }
}
