package io.weft.cli;

import io.weft.node.discovery.DiscoveryResource;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code weft discovery register|deregister|list}: foreign targets (a Linux nvmet or SPDK target)
 * and referrals to other discovery services that the cluster's discovery service lists, and every
 * entry it knows with its source and health, through any node's admin API (or a standalone
 * service's).
 */
final class DiscoveryTargetCommands {
  private DiscoveryTargetCommands() {}

  /** Where a foreign target answers and what it is. */
  static final class Address {
    @Option(
        names = {"-a", "--traddr"},
        required = true,
        paramLabel = "ADDRESS",
        description = "Its address.")
    String traddr;

    @Option(
        names = "--trsvcid",
        paramLabel = "PORT",
        description = "Its NVMe/TCP port. Default 4420 (a referral: 8009).")
    Integer trsvcid;

    @Option(
        names = {"-n", "--nqn"},
        paramLabel = "NQN",
        description = "The subsystem NQN (a referral: the well-known discovery NQN if not given).")
    String nqn;

    @Option(
        names = "--referral",
        description = "Another discovery service, listed to hosts as a referral (SUBTYPE 1).")
    boolean referral;

    @Option(
        names = "--pull",
        description = {
          "A target's own discovery controller: the service keeps a connection to it and",
          "serves the subsystems its log lists (TP8010's pull model)."
        })
    boolean pull;

    String kind() {
      if (referral && pull) {
        throw new CliException(ExitCodes.USAGE, "--referral and --pull exclude each other");
      }
      return referral ? "referral" : pull ? "pull" : "subsystem";
    }

    String nqn() {
      if (nqn != null) {
        return nqn;
      }
      if (!referral && !pull) {
        throw new CliException(ExitCodes.USAGE, "--nqn is required (or --referral, --pull)");
      }
      return io.weft.protocol.discovery.DiscoveryLogPage.DISCOVERY_NQN;
    }

    int port() {
      return trsvcid != null ? trsvcid : referral || pull ? 8009 : 4420;
    }

    String id() {
      return traddr + ":" + port() + ":" + nqn();
    }
  }

  @Command(
      name = "register",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Register a foreign target's subsystem: hosts it allows (--allow-host, repeatable;",
        "none: every host) see it in their discovery log while it answers."
      })
  static final class Register implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin AdminOptions admin;
    @Mixin Address address;

    @Option(
        names = "--allow-host",
        paramLabel = "HOSTNQN",
        description = "A host that may see it; repeatable.")
    List<String> allowHosts = new ArrayList<>();

    @Override
    public Integer call() {
      try (AdminClient client = admin.client()) {
        DiscoveryResource.TargetView t =
            client.registerTarget(
                new DiscoveryResource.Registration(
                    address.traddr, address.port(), address.nqn(), allowHosts, address.kind()));
        spec.commandLine().getOut().println("registered " + t.id());
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "deregister",
      mixinStandardHelpOptions = true,
      description = "Remove a foreign target's registration: hosts stop seeing it.")
  static final class Deregister implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin AdminOptions admin;
    @Mixin Address address;

    @Override
    public Integer call() {
      try (AdminClient client = admin.client()) {
        client.deregisterTarget(address.id());
        spec.commandLine().getOut().println("deregistered " + address.id());
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = {
        "List every entry the discovery service knows: each path of each volume (source: its",
        "node), foreign targets and referrals (operator, or dim:NQN for a discovery",
        "controller's registration) and hosts registered with 'nvme dim', with their health."
      })
  static final class ListTargets implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin AdminOptions admin;
    @Mixin OutputOption output;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (AdminClient client = admin.client()) {
        List<DiscoveryResource.EntryView> entries = client.discoveryEntries();
        if (output.json()) {
          out.println(client.toJson(entries));
        } else if (entries.isEmpty()) {
          out.println("no entries");
        } else {
          Table table = new Table("KIND", "ADDRESS", "NQN", "HOSTS", "SOURCE", "HEALTH");
          for (DiscoveryResource.EntryView e : entries) {
            table.row(
                e.kind(),
                e.address(),
                e.nqn(),
                e.kind().equals("host")
                    ? "-"
                    : e.allowedHosts().isEmpty() ? "any" : String.join(",", e.allowedHosts()),
                e.source(),
                e.health());
          }
          table.print(out, "");
        }
      }
      out.flush();
      return ExitCodes.OK;
    }
  }
}
