package io.weft.cli;

import io.weft.tgt.ControllerInfo;
import java.io.PrintWriter;
import java.util.List;
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
      List<ControllerInfo> controllers = client.controllers();
      if (output.json()) {
        out.println(client.toJson(controllers));
      } else if (controllers.isEmpty()) {
        out.println("no controllers: no host is connected");
      } else {
        Table table =
            new Table("SUBSYSTEM", "CNTLID", "HOST", "HOSTID", "REMOTE", "IO-QUEUES", "KATO");
        for (ControllerInfo c : controllers) {
          table.row(
              c.subsystemNqn(),
              c.cntlid(),
              c.hostNqn(),
              c.hostId(),
              c.remoteAddress(),
              c.ioQueues(),
              c.keepAliveTimeoutMillis() == 0 ? "off" : c.keepAliveTimeoutMillis() + " ms");
        }
        table.print(out, "");
      }
    }
    out.flush();
    return ExitCodes.OK;
  }
}
