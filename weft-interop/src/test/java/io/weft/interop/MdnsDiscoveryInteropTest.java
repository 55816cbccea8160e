package io.weft.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Zero-configuration discovery (TP8009) between two network namespaces joined by a veth pair: in
 * namespace A a Weft target (registered as a foreign target) and the discovery service, advertised
 * over mDNS with {@code --mdns}; in namespace B {@code weft discover --mdns}, told nothing but its
 * own address, must find the service (address, port, unique NQN) and print its log: the service's
 * own entry and the foreign target's. First the service runs inside a node ({@code weft node
 * --discovery ... --mdns}); the node stops (its advertisement says goodbye) and then {@code weft
 * discovery --mdns} serves the same store on another port: B must find that one, and only that one.
 * All real processes; logs in weft-interop/target/interop-logs/mdns-discovery-*.
 */
@Tag("interop")
class MdnsDiscoveryInteropTest {
  static final String A = NetnsLink.ADDRESS_A;
  static final String B = NetnsLink.ADDRESS_B;
  static final String FOREIGN_NQN = "nqn.2026-12.io.weft:mdns-foreign";
  static final String HOST_NQN = "nqn.2014-08.io.weft:mdns-host";
  static final String HOST_ID = "6d3e1f0a-4b2c-4d8e-9f10-112233445566";
  static final String ADMIN = "127.0.0.1:9420"; // inside namespace A

  private NetnsWeft weft;
  private NetnsLink link;
  private Path logs;
  private Path work;
  private Path jar;

  @Test
  void aHostOnTheLinkFindsTheDiscoveryServiceOverMdnsAndReadsItsLog() throws Exception {
    logs = Interop.newRunLogDir("mdns-discovery");
    work = Interop.newWorkDir("mdns-discovery");
    jar = Files.copy(Interop.weftJar(), work.resolve("weft.jar"));
    System.out.println("mdns discovery: logs in " + logs);
    try (NetnsLink created = NetnsLink.create("weft-mdns")) {
      link = created;
      weft = new NetnsWeft(link, logs, work, jar);
      try {
        run();
      } catch (Exception | Error e) {
        throw new AssertionError(e.getMessage() + System.lineSeparator() + tails(), e);
      } finally {
        weft.close();
      }
    }
  }

  private void run() throws Exception {
    Path store = work.resolve("n1"); // the node's data dir, its embedded store in cluster/
    Process target =
        weft.start(
            link.a(),
            "target",
            "target",
            "--listen",
            A + ":4430",
            "--memory",
            "16M",
            "--nqn",
            FOREIGN_NQN,
            // beyond loopback a subsystem must name its hosts; nothing here connects to it
            "--allow-host",
            HOST_NQN,
            "--admin",
            "none",
            "--spin-us",
            "0",
            "--data-dir",
            work.resolve("target").toString());
    Process node =
        weft.start(
            link.a(),
            "node",
            "node",
            "--id",
            "n1",
            "--listen",
            A + ":4420",
            "--admin",
            ADMIN,
            "--spin-us",
            "0",
            "--data-dir",
            store.toString(),
            "--discovery",
            A + ":8010",
            "--mdns");
    weft.awaitRunning(target, "target");
    weft.awaitRunning(node, "node");
    assertTrue(
        weft.log("node").contains("mdns        _nvme-disc._tcp.local. on " + A),
        "the node's banner names its advertisement");
    Interop.CommandResult registered =
        weft.cli(
            link.a(),
            "discovery",
            "register",
            "--admin",
            ADMIN,
            "-a",
            A,
            "--trsvcid",
            "4430",
            "-n",
            FOREIGN_NQN);
    assertTrue(registered.ok(), registered.output());

    Found inNode = discoverFromB(8010);
    assertEquals(
        List.of(own(8010), Map.of("subtype", "nvme subsystem", "traddr", A, "trsvcid", "4430")),
        inNode.entries(),
        inNode.output());

    weft.stop(node);
    assertTrue(
        weft.log("node").contains("mdns: stopped advertising on " + A), "the node said goodbye");
    Process discovery =
        weft.start(
            link.a(),
            "discovery",
            "discovery",
            "--listen",
            A + ":8009",
            "--mdns",
            "--spin-us",
            "0",
            "--data-dir",
            store.toString());
    weft.awaitRunning(discovery, "discovery");
    Found alone = discoverFromB(8009);
    assertEquals(
        List.of(own(8009), Map.of("subtype", "nvme subsystem", "traddr", A, "trsvcid", "4430")),
        alone.entries(),
        alone.output());
    weft.stop(discovery);
    assertTrue(weft.log("discovery").contains("mdns: stopped advertising on " + A));
  }

  /** The service's own entry, as the fields this test compares. */
  private static Map<String, String> own(int port) {
    return Map.of("subtype", "current discovery subsystem", "traddr", A, "trsvcid", "" + port);
  }

  private static String nqn(int port) {
    return "nqn.2026-11.io.weft:discovery:" + A + ":" + port;
  }

  /** What {@code weft discover --mdns} in namespace B printed, its entries trimmed to 3 fields. */
  record Found(String output, List<Map<String, String>> entries) {}

  /**
   * Runs {@code weft discover --mdns} in namespace B and checks it found exactly one controller,
   * the one at A:{@code port} with its unique NQN; returns its log's entries (subtype, traddr,
   * trsvcid; the NQN is checked here).
   */
  private Found discoverFromB(int port) {
    Interop.CommandResult r =
        weft.cli(
            link.b(),
            "discover",
            "--mdns",
            "--mdns-address",
            B,
            "--mdns-wait",
            "3",
            "--hostnqn",
            HOST_NQN,
            "--hostid",
            HOST_ID);
    String out = r.output();
    Path file = logs.resolve("discover-" + port + ".txt");
    try {
      Files.writeString(file, out);
    } catch (IOException e) {
      // only a copy for people
    }
    assertTrue(r.ok(), out);
    List<String> controllers =
        out.lines().filter(l -> l.startsWith("Discovery controller ")).toList();
    assertEquals(
        List.of(
            "Discovery controller 'weft-discovery-10-77-0-1-"
                + port
                + "' at "
                + A
                + ":"
                + port
                + ", subnqn "
                + nqn(port)
                + " (mDNS on "
                + B
                + ")"),
        controllers,
        out);
    assertTrue(out.contains("Discovery Log Number of Records 2,"), out);
    List<Map<String, String>> entries = new ArrayList<>();
    Map<String, String> current = null;
    for (String line : out.lines().toList()) {
      if (line.startsWith("=====Discovery Log Entry")) {
        current = new LinkedHashMap<>();
        entries.add(current);
      } else if (current != null && line.contains(":")) {
        int colon = line.indexOf(':');
        current.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
      }
    }
    assertEquals(nqn(port), entries.get(0).get("subnqn"), out);
    assertEquals(FOREIGN_NQN, entries.get(1).get("subnqn"), out);
    List<Map<String, String>> trimmed = new ArrayList<>();
    for (Map<String, String> e : entries) {
      trimmed.add(
          Map.of(
              "subtype", e.get("subtype"), "traddr", e.get("traddr"), "trsvcid", e.get("trsvcid")));
    }
    return new Found(out, trimmed);
  }

  private String tails() {
    return weft.tails("target", "node", "discovery");
  }
}
