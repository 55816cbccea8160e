package io.weft.cli;

import io.weft.host.ConnectOptions;
import io.weft.host.Discovery;
import io.weft.host.NvmeException;
import io.weft.protocol.discovery.DiscoveryLogEntry;
import io.weft.protocol.discovery.DiscoveryLogPage;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code weft discover}: a discovery controller's log page, as {@code nvme discover} prints it. */
@Command(
    name = "discover",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "Print the discovery log of an NVMe/TCP discovery controller.",
      "Port 8009 by default; the entries as nvme discover prints them.",
      "",
      "The queue, keep-alive and reconnect options are accepted, as nvme-cli",
      "accepts them; a one-shot discovery uses no I/O queues, no keep-alive",
      "and no reconnects.",
      ""
    })
final class DiscoverCommand extends HostCommand {
  @Mixin OutputOption output;

  @Override
  int run() throws IOException {
    ConnectOptions options =
        connection.toConnectOptions(
            spec,
            DiscoveryLogPage.DISCOVERY_NQN,
            ConnectionOptions.DISCOVERY_PORT,
            1,
            ConnectionOptions.DEFAULT_QUEUE_SIZE,
            0);
    DiscoveryLogPage page;
    try {
      page = Discovery.discover(options);
    } catch (NvmeException e) {
      throw new CliException(
          ExitCodes.FAILED, "discovery at " + where(options) + " failed: " + describe(e), e);
    } catch (IOException e) {
      throw new CliException(
          ExitCodes.FAILED, "discovery at " + where(options) + " failed: " + connectError(e), e);
    }
    List<Fields> entries = page.entries().stream().map(DiscoverCommand::fields).toList();
    if (output.json()) {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("genctr", page.generation());
      List<Map<String, Object>> records = new ArrayList<>();
      entries.forEach(f -> records.add(f.json()));
      json.put("records", records);
      printJson(json);
      return ExitCodes.OK;
    }
    PrintWriter out = out();
    out.println(
        "Discovery Log Number of Records "
            + entries.size()
            + ", Generation counter "
            + page.generation());
    for (int i = 0; i < entries.size(); i++) {
      out.println("=====Discovery Log Entry " + i + "======");
      entries.get(i).printCompact(out);
    }
    out.flush();
    return ExitCodes.OK;
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
