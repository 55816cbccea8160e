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
 * that the cluster's discovery service lists, through any node's admin API.
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
        description = "Its NVMe/TCP port. Default 4420.")
    int trsvcid = 4420;

    @Option(
        names = {"-n", "--nqn"},
        required = true,
        paramLabel = "NQN",
        description = "The subsystem NQN.")
    String nqn;

    String id() {
      return traddr + ":" + trsvcid + ":" + nqn;
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
                    address.traddr, address.trsvcid, address.nqn, allowHosts));
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
      description = "List the registered foreign targets with their source and health.")
  static final class ListTargets implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin AdminOptions admin;
    @Mixin OutputOption output;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (AdminClient client = admin.client()) {
        List<DiscoveryResource.TargetView> targets = client.discoveryTargets();
        if (output.json()) {
          out.println(client.toJson(targets));
        } else if (targets.isEmpty()) {
          out.println("no registered targets");
        } else {
          Table table = new Table("ADDRESS", "NQN", "HOSTS", "SOURCE", "HEALTH");
          for (DiscoveryResource.TargetView t : targets) {
            table.row(
                t.traddr() + ":" + t.trsvcid(),
                t.nqn(),
                t.allowedHosts().isEmpty() ? "any" : String.join(",", t.allowedHosts()),
                t.source(),
                t.health());
          }
          table.print(out, "");
        }
      }
      out.flush();
      return ExitCodes.OK;
    }
  }
}
