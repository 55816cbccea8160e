package io.weft.cli;

import io.weft.tgt.AnaStateInfo;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code weft ana list|set}: ANA states of a running target's subsystem, per port and group. */
@Command(
    name = "ana",
    mixinStandardHelpOptions = true,
    description = "Show or change ANA (multipath) states of a running target's subsystem.",
    subcommands = {AnaCommand.ListStates.class, AnaCommand.Set.class})
final class AnaCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return ExitCodes.USAGE;
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description =
          "The ANA state of every port for every group (a namespace's group is its NSID).")
  static final class ListStates implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin AdminOptions admin;
    @Mixin SubsystemOption subsystem;

    @Mixin OutputOption output;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (AdminClient client = admin.client()) {
        List<AnaStateInfo> states = client.anaStates(subsystem.nqn);
        if (output.json()) {
          out.println(client.toJson(states));
        } else if (states.isEmpty()) {
          out.println("no ANA groups: " + subsystem.nqn + " has no namespaces");
        } else {
          Table table = new Table("PORT", "GROUP", "STATE");
          states.forEach(s -> table.row(s.port(), s.group(), s.state()));
          table.print(out, "");
        }
      }
      out.flush();
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "set",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Change one group's state on one port. Hosts on that port get an ANA change",
        "notice; their connections stay up."
      })
  static final class Set implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin AdminOptions admin;
    @Mixin SubsystemOption subsystem;

    @Option(
        names = "--port",
        paramLabel = "N",
        required = true,
        description = "Port: the listener's position in the configuration, from 1.")
    int port;

    @Option(
        names = "--group",
        paramLabel = "G",
        required = true,
        description = "ANA group (the NSID of its namespace).")
    int group;

    @Option(
        names = "--state",
        paramLabel = "STATE",
        required = true,
        description = "optimized, non-optimized, inaccessible, persistent-loss or change.")
    String state;

    @Override
    public Integer call() {
      AnaStateInfo now;
      try (AdminClient client = admin.client()) {
        now = client.setAnaState(subsystem.nqn, port, group, state);
      }
      PrintWriter out = spec.commandLine().getOut();
      out.println(
          subsystem.nqn + " port " + now.port() + " group " + now.group() + ": " + now.state());
      out.flush();
      return ExitCodes.OK;
    }
  }
}
