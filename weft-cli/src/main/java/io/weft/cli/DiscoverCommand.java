package io.weft.cli;

import io.weft.host.ConnectOptions;
import io.weft.host.Discovery;
import io.weft.host.HostController;
import io.weft.host.MdnsBrowser;
import io.weft.host.NvmeException;
import io.weft.protocol.discovery.DiscoveryLogEntry;
import io.weft.protocol.discovery.DiscoveryLogPage;
import io.weft.protocol.discovery.MdnsService;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code weft discover}: a discovery controller's log page, as {@code nvme discover} prints it;
 * with {@code --mdns}, the log of every NVMe/TCP discovery controller advertised over mDNS on this
 * host's links (TP8009), each after a line that says which it is.
 */
@Command(
    name = "discover",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "Print the discovery log of an NVMe/TCP discovery controller.",
      "Port 8009 by default; the entries as nvme discover prints them.",
      "",
      "--mdns finds the discovery controllers instead of --traddr: it listens for",
      "_nvme-disc._tcp advertisements (NVMe TP8009) with p=tcp, then prints each",
      "one's log, connecting to the discovery NQN its advertisement names.",
      "",
      "--persistent keeps the connection and prints the log again on every change",
      "notice (the discovery-log-change AEN).",
      "",
      "The queue, keep-alive and reconnect options are accepted, as nvme-cli",
      "accepts them; a one-shot discovery uses no I/O queues, no keep-alive",
      "and no reconnects.",
      ""
    })
final class DiscoverCommand extends HostCommand {
  static final int DEFAULT_MDNS_WAIT_SECONDS = 5;

  @Mixin OutputOption output;

  @Option(
      names = "--mdns",
      description = "Find discovery controllers over mDNS/DNS-SD (TP8009) instead of --traddr.")
  boolean mdns;

  @Option(
      names = "--mdns-address",
      paramLabel = "ADDR",
      description =
          "A local address whose link to listen on; repeatable. Default: every interface that"
              + " is up and not loopback.")
  List<String> mdnsAddresses = new ArrayList<>();

  @Option(
      names = "--mdns-wait",
      paramLabel = "SECONDS",
      description = "How long to listen for advertisements. Default 5.")
  Integer mdnsWait;

  @Option(
      names = {"-p", "--persistent"},
      description = {
        "Keep the discovery connection (keep-alive, reconnects) and print the log again",
        "each time the controller says it changed, until interrupted or --changes."
      })
  boolean persistent;

  @Option(
      names = "--changes",
      paramLabel = "N",
      description = "With --persistent: stop after the log changed N times. Default: never.")
  int changes;

  @Override
  int run() throws IOException {
    if (mdns && persistent) {
      throw usage("--persistent keeps one controller: give it with --traddr, not --mdns");
    }
    if (changes != 0 && !persistent) {
      throw usage("--changes goes with --persistent");
    }
    if (changes < 0) {
      throw usage("--changes must be 0 (never stop) or more, not " + changes);
    }
    if (mdns) {
      return runMdns();
    }
    if (!mdnsAddresses.isEmpty() || mdnsWait != null) {
      throw usage("--mdns-address and --mdns-wait go with --mdns");
    }
    ConnectOptions options =
        connection.toConnectOptions(
            spec,
            DiscoveryLogPage.DISCOVERY_NQN,
            ConnectionOptions.DISCOVERY_PORT,
            1,
            ConnectionOptions.DEFAULT_QUEUE_SIZE,
            0);
    if (persistent) {
      return runPersistent(options);
    }
    try {
      show(Discovery.discover(options));
    } catch (IOException e) {
      throw new CliException(
          ExitCodes.FAILED, "discovery at " + where(options) + " failed: " + failure(e), e);
    }
    return ExitCodes.OK;
  }

  /**
   * A persistent discovery controller, as {@code nvme discover -p} keeps one: keep-alive on (30 s
   * unless --keep-alive-tmo), reconnecting as configured; the log is printed, then printed again
   * after each discovery-log-change notice (and after a reconnect, since notices sent while the
   * connection was down are lost).
   */
  private int runPersistent(ConnectOptions options) throws IOException {
    ConnectOptions o =
        options
            .withSubsystem(DiscoveryLogPage.DISCOVERY_NQN)
            .withQueues(0, options.queueSize())
            .withTimeouts(
                options.keepAliveTimeoutSec() > 0 ? options.keepAliveTimeoutSec() : 30,
                options.ctrlLossTimeoutSec(),
                options.reconnectDelaySec(),
                -1);
    java.util.concurrent.LinkedBlockingQueue<String> notices =
        new java.util.concurrent.LinkedBlockingQueue<>();
    try (HostController c = HostController.connect(o)) {
      c.onAsyncEvent(
          new HostController.EventListener() {
            @Override
            public void asyncEvent(int result) {
              notices.add("the log changed");
            }

            @Override
            public void reconnected() {
              notices.add("reconnected");
            }
          });
      show(Discovery.readLog(c));
      for (int seen = 0; changes == 0 || seen < changes; ) {
        String why = notices.take();
        if (!c.isLive()) {
          continue; // reconnecting: "reconnected" follows
        }
        if (why.equals("the log changed")) {
          seen++;
        }
        if (!output.json()) {
          out().println("# " + why + " at " + java.time.Instant.now());
        }
        show(Discovery.readLog(c));
      }
      return ExitCodes.OK;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ExitCodes.OK;
    } catch (IOException e) {
      throw new CliException(
          ExitCodes.FAILED, "discovery at " + where(o) + " failed: " + failure(e), e);
    }
  }

  private void show(DiscoveryLogPage page) {
    if (output.json()) {
      printJson(json(page));
    } else {
      print(out(), page);
    }
    out().flush();
  }

  /**
   * Browses, then reads the log of each controller found; one that cannot be read is an error line
   * on stderr and the exit code 1, after the others are printed.
   */
  private int runMdns() throws IOException {
    if (connection.traddr != null || connection.trsvcid != null) {
      throw usage("--mdns finds the controllers' addresses: drop --traddr and --trsvcid");
    }
    int wait = mdnsWait != null ? mdnsWait : DEFAULT_MDNS_WAIT_SECONDS;
    if (wait < 1 || wait > 3600) {
      throw usage("--mdns-wait must be from 1 to 3600 seconds, not " + wait);
    }
    List<InetAddress> on = mdnsAddresses();
    List<MdnsBrowser.Found> found = MdnsBrowser.browse(on, Duration.ofSeconds(wait));
    if (found.isEmpty()) {
      throw new CliException(
          ExitCodes.FAILED,
          "no NVMe/TCP discovery controller advertised over mDNS ("
              + MdnsService.SERVICE_TYPE
              + ") within "
              + wait
              + " s on "
              + describe(on));
    }
    int failed = 0;
    int printed = 0;
    List<Map<String, Object>> controllers = new ArrayList<>();
    for (MdnsBrowser.Found f : found) {
      ConnectOptions options =
          connection.toConnectOptions(
              spec,
              f.address().getHostAddress(),
              f.port(),
              f.nqn(),
              1,
              ConnectionOptions.DEFAULT_QUEUE_SIZE,
              0);
      String what = "discovery at " + where(options) + " (" + f.nqn() + ", found over mDNS)";
      DiscoveryLogPage page;
      try {
        page = read(options, f.nqn());
      } catch (IOException e) {
        err().println(spec.qualifiedName() + ": " + what + " failed: " + failure(e));
        failed++;
        continue;
      }
      if (output.json()) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("instance", f.instance());
        c.put("traddr", f.address().getHostAddress());
        c.put("trsvcid", Integer.toString(f.port()));
        c.put("subnqn", f.nqn());
        c.put("via", f.via().getHostAddress());
        c.putAll(json(page));
        controllers.add(c);
      } else {
        PrintWriter out = out();
        if (printed++ > 0) {
          out.println(); // a blank line between controllers
        }
        out.println(
            "Discovery controller '"
                + f.instance()
                + "' at "
                + where(options)
                + ", subnqn "
                + f.nqn()
                + " (mDNS on "
                + f.via().getHostAddress()
                + ")");
        print(out, page);
        out.flush();
      }
    }
    if (output.json()) {
      printJson(Map.of("controllers", controllers));
    }
    err().flush();
    return failed == 0 ? ExitCodes.OK : ExitCodes.FAILED;
  }

  /**
   * The log at {@code options}' address through {@code nqn}; a controller that refuses a unique NQN
   * (one that predates TP8013) is asked again through the well-known one.
   */
  private static DiscoveryLogPage read(ConnectOptions options, String nqn) throws IOException {
    try {
      return Discovery.discover(options, nqn);
    } catch (NvmeException e) {
      if (!e.isNvmeStatus() || nqn.equals(DiscoveryLogPage.DISCOVERY_NQN)) {
        throw e;
      }
      return Discovery.discover(options, DiscoveryLogPage.DISCOVERY_NQN);
    }
  }

  private List<InetAddress> mdnsAddresses() throws IOException {
    if (mdnsAddresses.isEmpty()) {
      List<InetAddress> all = MdnsBrowser.localAddresses();
      if (all.isEmpty()) {
        throw new CliException(
            ExitCodes.FAILED,
            "no interface to listen for mDNS on (up, not loopback, multicast): give"
                + " --mdns-address");
      }
      return all;
    }
    List<InetAddress> out = new ArrayList<>();
    for (String text : mdnsAddresses) {
      String a = text.strip();
      if (a.startsWith("[") && a.endsWith("]")) {
        a = a.substring(1, a.length() - 1);
      }
      InetAddress address;
      try {
        address = InetAddress.getByName(a);
      } catch (UnknownHostException e) {
        throw usage("--mdns-address '" + text + "' is not an address");
      }
      if (NetworkInterface.getByInetAddress(address) == null) {
        throw usage("--mdns-address " + address.getHostAddress() + " is not an address here");
      }
      out.add(address);
    }
    return out;
  }

  private static String describe(List<InetAddress> addresses) {
    return String.join(", ", addresses.stream().map(InetAddress::getHostAddress).toList());
  }

  private static void print(PrintWriter out, DiscoveryLogPage page) {
    List<Fields> entries = page.entries().stream().map(DiscoverCommand::fields).toList();
    out.println(
        "Discovery Log Number of Records "
            + entries.size()
            + ", Generation counter "
            + page.generation());
    for (int i = 0; i < entries.size(); i++) {
      out.println("=====Discovery Log Entry " + i + "======");
      entries.get(i).printCompact(out);
    }
  }

  private static Map<String, Object> json(DiscoveryLogPage page) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("genctr", page.generation());
    List<Map<String, Object>> records = new ArrayList<>();
    page.entries().forEach(e -> records.add(fields(e).json()));
    json.put("records", records);
    return json;
  }

  private static String where(ConnectOptions o) {
    return new HostPort(o.address(), o.port()).toString();
  }

  /** One entry with nvme-cli's names and wording. */
  static Fields fields(DiscoveryLogEntry e) {
    Fields f =
        new Fields()
            .add("trtype", trtype(e.trtype()))
            .add("adrfam", adrfam(e.adrfam()))
            .add("subtype", subtype(e.subtype()))
            .add("treq", treq(e.treq()))
            .add("portid", e.portId())
            .add("trsvcid", e.trsvcid())
            .add("subnqn", e.subsystemNqn())
            .add("traddr", e.traddr());
    if (e.trtype() == DiscoveryLogEntry.TRTYPE_TCP) {
      f.add("sectype", sectype(e.secType()));
    }
    return f;
  }

  static String trtype(int t) {
    return switch (t) {
      case 1 -> "rdma";
      case 2 -> "fc";
      case 3 -> "tcp";
      case 254 -> "loop";
      default -> "unrecognized (" + t + ")";
    };
  }

  static String adrfam(int a) {
    return switch (a) {
      case 0 -> "pci";
      case 1 -> "ipv4";
      case 2 -> "ipv6";
      case 3 -> "infiniband";
      case 4 -> "fibre-channel";
      case 254 -> "loop";
      default -> "unrecognized (" + a + ")";
    };
  }

  static String subtype(int s) {
    return switch (s) {
      case DiscoveryLogEntry.SUBTYPE_REFERRAL -> "discovery subsystem referral";
      case DiscoveryLogEntry.SUBTYPE_NVM -> "nvme subsystem";
      case DiscoveryLogEntry.SUBTYPE_CURRENT_DISCOVERY -> "current discovery subsystem";
      default -> "unrecognized (" + s + ")";
    };
  }

  /** Bits 1:0 the secure channel requirement, bit 2 SQ flow control disable. */
  static String treq(int t) {
    String channel =
        switch (t & 3) {
          case 0 -> "not specified";
          case 1 -> "required";
          case 2 -> "not required";
          default -> "reserved";
        };
    return (t & DiscoveryLogEntry.TREQ_DISABLE_SQFLOW) != 0
        ? channel + ", sq flow control disable supported"
        : channel;
  }

  /** TSAS byte 0 of a TCP entry. */
  static String sectype(int s) {
    return switch (s) {
      case 0 -> "none";
      case 1 -> "tls";
      case 2 -> "tls13";
      default -> "unrecognized (" + s + ")";
    };
  }
}
