package io.weft.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code weft nodes}: the storage nodes of the cluster, from any node's admin API. */
@Command(
    name = "nodes",
    mixinStandardHelpOptions = true,
    description = "List the cluster's storage nodes (any node's admin API serves them all).")
final class NodesCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin AdminOptions admin;

  @Mixin OutputOption output;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try (AdminClient client = admin.client()) {
      output.print(
          out,
          client,
          client.nodes(),
          "no nodes: none has joined this cluster",
          new Table(
              "ID",
              "ADDRESS",
              "ZONE",
              "RACK",
              "STATE",
              "CAPACITY",
              "WRITTEN",
              "DISK FREE",
              "LAST SEEN"),
          (table, n) ->
              table.row(
                  n.id(),
                  n.address(),
                  n.zone().isEmpty() ? "-" : n.zone(),
                  n.rack().isEmpty() ? "-" : n.rack(),
                  n.state(),
                  Sizes.format(n.capacityBytes()),
                  Sizes.format(n.usedBytes()),
                  n.diskFreeBytes() == null ? "-" : Sizes.format(n.diskFreeBytes()),
                  n.state().equals("up") ? "now" : n.lastSeen()));
    }
    out.flush();
    return ExitCodes.OK;
  }
}
