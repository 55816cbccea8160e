package io.weft.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code weft controllers}: the live controllers (connected hosts) of a running target. */
@Command(
    name = "controllers",
    mixinStandardHelpOptions = true,
    description = "List the live controllers (connected hosts) of a running target.")
final class ControllersCommand implements Callable<Integer> {
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
          client.controllers(),
          "no controllers: no host is connected",
          new Table("SUBSYSTEM", "CNTLID", "HOST", "HOSTID", "REMOTE", "IO-QUEUES", "KATO"),
          (table, c) ->
              table.row(
                  c.subsystemNqn(),
                  c.cntlid(),
                  c.hostNqn(),
                  c.hostId(),
                  c.remoteAddress(),
                  c.ioQueues(),
                  c.keepAliveTimeoutMillis() == 0 ? "off" : c.keepAliveTimeoutMillis() + " ms"));
    }
    out.flush();
    return ExitCodes.OK;
  }
}
