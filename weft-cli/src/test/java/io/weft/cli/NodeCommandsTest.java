package io.weft.cli;

import static io.weft.cli.CliRun.freePort;
import static io.weft.cli.CliRun.weft;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.concurrent.FutureTask;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code weft node} runs a node on its embedded store; {@code weft nodes} shows the cluster. */
class NodeCommandsTest {
  @TempDir Path dir;

  @Test
  void aNodeRunsJoinsItsStoreAndShowsInWeftNodes() throws Exception {
    CommandLine cli = WeftCli.commandLine();
    StringWriter out = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(new StringWriter(), true));
    NodeCommand command = cli.getSubcommands().get("node").getCommand();
    String admin = "127.0.0.1:" + freePort();
    FutureTask<Integer> run =
        new FutureTask<>(
            () ->
                cli.execute(
                    "node",
                    "--id",
                    "n1",
                    "--zone",
                    "z1",
                    "--rack",
                    "r7",
                    "--capacity",
                    "2G",
                    "--listen",
                    "127.0.0.1:0",
                    "--admin",
                    admin,
                    "--data-dir",
                    dir.resolve("n1").toString(),
                    "--spin-us",
                    "0"));
    Thread thread = new Thread(run, "weft-node-command");
    thread.start();
    command.started.await();
    try {
      String banner = out.toString();
      assertTrue(banner.contains("NVMe/TCP node is running"), banner);
      assertTrue(banner.contains("node        n1"), banner);
      assertTrue(banner.contains("store       embedded in "), banner);
      assertTrue(banner.contains("admin API   http://" + admin), banner);
      assertTrue(!banner.contains("subsystem   "), "a node exports nothing by default: " + banner);

      CliRun table = weft("nodes", "--admin", admin);
      assertEquals(0, table.code(), table.err());
      Matcher row =
          Pattern.compile(
                  "(?m)^n1\\s+127\\.0\\.0\\.1:\\d+\\s+z1\\s+r7\\s+up\\s+2 GiB\\s+0 B\\s+\\d[^ ]* [KMGT]?i?B\\s+now$")
              .matcher(table.out());
      assertTrue(row.find(), table.out());

      CliRun json = weft("nodes", "--admin", admin, "-o", "json");
      JsonNode nodes = new ObjectMapper().readTree(json.out());
      assertEquals(1, nodes.size());
      assertEquals("n1", nodes.get(0).path("id").asText());
      assertEquals(2L << 30, nodes.get(0).path("capacityBytes").asLong());
    } finally {
      command.requestStop();
    }
    assertEquals(0, run.get());
  }

  @Test
  void aNodeRunsTheDiscoveryServiceAndHostsDiscoverItsVolumesThere() throws Exception {
    CommandLine cli = WeftCli.commandLine();
    StringWriter out = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(new StringWriter(), true));
    NodeCommand command = cli.getSubcommands().get("node").getCommand();
    String admin = "127.0.0.1:" + freePort();
    int discovery = freePort();
    FutureTask<Integer> run =
        new FutureTask<>(
            () ->
                cli.execute(
                    "node",
                    "--id",
                    "n1",
                    "--listen",
                    "127.0.0.1:0",
                    "--admin",
                    admin,
                    "--discovery",
                    "127.0.0.1:" + discovery,
                    "--data-dir",
                    dir.resolve("n1").toString(),
                    "--spin-us",
                    "0"));
    Thread thread = new Thread(run, "weft-node-command");
    thread.start();
    command.started.await();
    try {
      String banner = out.toString();
      assertTrue(
          banner.contains(
              "discovery   127.0.0.1:"
                  + discovery
                  + " (nqn.2026-11.io.weft:discovery:127.0.0.1:"
                  + discovery
                  + ")"),
          banner);
      CliRun created =
          weft(
              "volume",
              "create",
              "--name",
              "db",
              "--size",
              "16M",
              "--replicas",
              "1",
              "--admin",
              admin);
      assertEquals(0, created.code(), created.err());
      long deadline = System.nanoTime() + 10_000_000_000L;
      CliRun found;
      do {
        found = weft("discover", "-a", "127.0.0.1", "--trsvcid", Integer.toString(discovery));
        Thread.sleep(100);
      } while (!found.out().contains("nqn.2026-11.io.weft:vol:db") && System.nanoTime() < deadline);
      assertEquals(0, found.code(), found.err());
      assertTrue(found.out().contains("nqn.2026-11.io.weft:vol:db"), found.out());
      assertTrue(
          found.out().contains("nqn.2026-11.io.weft:discovery:127.0.0.1:" + discovery),
          found.out());

      // A foreign target nobody serves: registered, listed as down, deregistered.
      int nobody = freePort();
      CliRun registered =
          weft(
              "discovery",
              "register",
              "--admin",
              admin,
              "-a",
              "127.0.0.1",
              "--trsvcid",
              Integer.toString(nobody),
              "-n",
              "nqn.2014-08.org.example:elsewhere",
              "--allow-host",
              "nqn.2014-08.org.example:host1");
      assertEquals(0, registered.code(), registered.err());
      CliRun listed = weft("discovery", "list", "--admin", admin);
      assertTrue(
          listed
              .out()
              .matches(
                  "(?s).*127\\.0\\.0\\.1:"
                      + nobody
                      + "\\s+nqn\\.2014-08\\.org\\.example:elsewhere\\s+nqn\\.2014-08\\.org\\.example:host1\\s+operator\\s+(down|unknown).*"),
          listed.out());
      CliRun bad = weft("discovery", "register", "--admin", admin, "-a", "127.0.0.1", "-n", "junk");
      assertEquals(ExitCodes.FAILED, bad.code());
      assertTrue(bad.err().contains("invalid --nqn 'junk'"), bad.err());
      CliRun gone =
          weft(
              "discovery",
              "deregister",
              "--admin",
              admin,
              "-a",
              "127.0.0.1",
              "--trsvcid",
              Integer.toString(nobody),
              "-n",
              "nqn.2014-08.org.example:elsewhere");
      assertEquals(0, gone.code(), gone.err());
      CliRun after = weft("discovery", "list", "--admin", admin);
      assertTrue(!after.out().contains("elsewhere"), after.out());

      // Another discovery service as a referral: the well-known NQN and port 8009 by default.
      CliRun referral =
          weft("discovery", "register", "--admin", admin, "-a", "127.0.0.1", "--referral");
      assertEquals(0, referral.code(), referral.err());
      CliRun withReferral = weft("discovery", "list", "--admin", admin);
      assertTrue(
          withReferral
              .out()
              .matches(
                  "(?s).*referral\\s+127\\.0\\.0\\.1:8009\\s+nqn\\.2014-08\\.org\\.nvmexpress\\.discovery\\s+any\\s+operator.*"),
          withReferral.out());
      CliRun both =
          weft(
              "discovery", "register", "--admin", admin, "-a", "127.0.0.1", "--referral", "--pull");
      assertEquals(ExitCodes.USAGE, both.code(), both.err());
    } finally {
      command.requestStop();
    }
    assertEquals(0, run.get());
  }

  @Test
  void mdnsAdvertisesADiscoveryServiceOnlyAndOnlyWhereItListens() {
    CliRun noDiscovery = weft("node", "--id", "n1", "--mdns", "--data-dir", dir.toString());
    assertEquals(ExitCodes.USAGE, noDiscovery.code());
    assertTrue(noDiscovery.err().contains("goes with --discovery"), noDiscovery.err());

    CliRun addressAlone =
        weft("discovery", "--mdns-address", "127.0.0.1", "--data-dir", dir.toString());
    assertEquals(ExitCodes.USAGE, addressAlone.code());
    assertTrue(addressAlone.err().contains("--mdns-address goes with --mdns"), addressAlone.err());

    // Refused before any mDNS socket opens: hosts would be sent where nothing listens.
    CliRun elsewhere =
        weft(
            "discovery",
            "--listen",
            "127.0.0.1:0",
            "--mdns",
            "--mdns-address",
            "127.0.0.2",
            "--data-dir",
            dir.toString());
    assertEquals(ExitCodes.FAILED, elsewhere.code());
    assertTrue(
        elsewhere.err().contains("cannot be advertised over mDNS as 127.0.0.2"), elsewhere.err());
  }

  @Test
  void aNodeNeedsAnId() {
    CliRun run = weft("node", "--data-dir", dir.toString());
    assertEquals(ExitCodes.USAGE, run.code());
    assertTrue(run.err().contains("--id"), run.err());
  }

  @Test
  void anUnknownStoreIsAUsageLevelFailure() {
    CliRun run =
        weft(
            "node",
            "--id",
            "n1",
            "--store",
            "zk://127.0.0.1:2181",
            "--listen",
            "127.0.0.1:0",
            "--admin",
            "none",
            "--data-dir",
            dir.toString());
    assertEquals(ExitCodes.FAILED, run.code());
    assertTrue(run.err().contains("expected etcd://HOST:PORT"), run.err());
  }

  @Test
  void aNodesReplicationListenerTakesCertificatesOrNothingNotPsk() {
    String key = "NVMeTLSkey-1:01:KA36nqe/zujq09b8ySlzUI5AZFGCwH11/J3o6/6rszmdQ9q8:";
    CliRun run =
        weft(
            "node",
            "--id",
            "n1",
            "--listen",
            "127.0.0.1:0,tls=psk",
            "--tls-key",
            "nqn.2014-08.org.example:h=" + key,
            "--admin",
            "none",
            "--data-dir",
            dir.toString());
    assertEquals(ExitCodes.FAILED, run.code(), run.err());
    assertTrue(run.err().contains("takes tls=cert"), run.err());
  }
}
