package io.weft.cli;

import static io.weft.cli.CliRun.freePort;
import static io.weft.cli.CliRun.weft;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.tgt.Target;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.NamespaceConfig;
import io.weft.tgt.config.SubsystemConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.FutureTask;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code weft discovery} on its own: with {@code --admin} it takes foreign-target registrations
 * itself (any instance of a replicated service can), and hosts see them in their logs; without, it
 * has no admin API at all, so it never competes with a node for the default admin port.
 */
class DiscoveryCommandTest {
  static final String HOST = "nqn.2014-08.org.example:host1";
  static final String OTHER_HOST = "nqn.2014-08.org.example:host2";
  static final String FOREIGN = "nqn.2014-08.org.example:foreign";

  @TempDir Path dir;

  /** A running {@code weft discovery ARGS...} in this JVM, its banner, and how to stop it. */
  private record Service(DiscoveryCommand command, FutureTask<Integer> run, StringWriter banner)
      implements AutoCloseable {
    @Override
    public void close() throws Exception {
      command.requestStop();
      assertEquals(0, run.get());
    }
  }

  private static Service start(String... args) throws Exception {
    CommandLine cli = WeftCli.commandLine();
    StringWriter out = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(new StringWriter(), true));
    DiscoveryCommand command = cli.getSubcommands().get("discovery").getCommand();
    FutureTask<Integer> run = new FutureTask<>(() -> cli.execute(args));
    new Thread(run, "weft-discovery-command").start();
    command.started.await();
    return new Service(command, run, out);
  }

  @Test
  void withAdminItTakesRegistrationsAndHostsSeeThem() throws Exception {
    int port = freePort();
    String admin = "127.0.0.1:" + freePort();
    // A real target outside the cluster, so the service's health probe finds it answering.
    try (Target foreign =
            Target.start(
                new TargetConfig(
                    dir.resolve("foreign"),
                    List.of(ListenerConfig.of("127.0.0.1", 0)),
                    List.of(
                        new SubsystemConfig(
                            FOREIGN,
                            null,
                            null,
                            null,
                            List.of(),
                            List.of(
                                new NamespaceConfig(
                                    1, "memory", null, 1L << 20, 512, false, null)))),
                    null,
                    TuningConfig.defaults().withSpinNanos(0)));
        Service service =
            start(
                "discovery",
                "--listen",
                "127.0.0.1:" + port,
                "--admin",
                admin,
                "--health-window",
                "1",
                "--data-dir",
                dir.resolve("discovery").toString(),
                "--spin-us",
                "0")) {
      String banner = service.banner().toString();
      assertTrue(banner.contains("admin API   http://" + admin), banner);

      int foreignPort = foreign.listenAddresses().get(0).getPort();
      CliRun registered =
          weft(
              "discovery",
              "register",
              "--admin",
              admin,
              "-a",
              "127.0.0.1",
              "--trsvcid",
              Integer.toString(foreignPort),
              "-n",
              FOREIGN,
              "--allow-host",
              HOST);
      assertEquals(0, registered.code(), registered.err());

      long deadline = System.nanoTime() + 10_000_000_000L;
      CliRun listed;
      do {
        Thread.sleep(100);
        listed = weft("discovery", "list", "--admin", admin);
      } while (!listed.out().contains(" up") && System.nanoTime() < deadline);
      assertTrue(
          listed
              .out()
              .matches(
                  "(?s).*127\\.0\\.0\\.1:"
                      + foreignPort
                      + "\\s+"
                      + FOREIGN.replace(".", "\\.")
                      + "\\s+"
                      + HOST.replace(".", "\\.")
                      + "\\s+operator\\s+up.*"),
          "this instance's own health view: " + listed.out());

      CliRun seen = discover(port, HOST);
      assertEquals(0, seen.code(), seen.err());
      assertTrue(seen.out().contains(FOREIGN), seen.out());
      CliRun notSeen = discover(port, OTHER_HOST);
      assertEquals(0, notSeen.code(), notSeen.err());
      assertFalse(notSeen.out().contains(FOREIGN), notSeen.out());
    }
  }

  private static CliRun discover(int port, String host) {
    return weft("discover", "-a", "127.0.0.1", "--trsvcid", Integer.toString(port), "-q", host);
  }

  @Test
  void withoutAdminItHasNoAdminApi() throws Exception {
    try (Service service =
        start(
            "discovery",
            "--listen",
            "127.0.0.1:" + freePort(),
            "--data-dir",
            dir.resolve("discovery").toString(),
            "--spin-us",
            "0")) {
      String banner = service.banner().toString();
      assertTrue(banner.contains("admin API   off"), banner);
    }
  }
}
