package io.weft.cli;

import io.weft.host.HostController;
import io.weft.protocol.nvme.IdentifyController;
import java.io.IOException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code weft id-ctrl}: the Identify Controller fields weft-protocol decodes, as nvme-cli names
 * them.
 */
@Command(
    name = "id-ctrl",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "Print the controller's Identify Controller data.",
      "The fields weft decodes (CNS 01h), with nvme id-ctrl's names and number",
      "formats.",
      ""
    })
final class IdCtrlCommand extends HostCommand {
  @Mixin SubsystemOption subsystem;
  @Mixin OutputOption output;

  @Override
  int run() throws IOException {
    IdentifyController id;
    try (HostController controller =
        connect(
            connection.toConnectOptions(
                spec,
                subsystem.nqn,
                ConnectionOptions.DEFAULT_PORT,
                1,
                ConnectionOptions.DEFAULT_QUEUE_SIZE,
                0))) {
      // The library sends Identify Controller while it connects; this is the controller's answer.
      id = controller.identifyController();
    }
    Fields fields = fields(id);
    if (output.json()) {
      printJson(fields.json());
    } else {
      out().println("NVME Identify Controller:");
      fields.print(out());
      out().flush();
    }
    return ExitCodes.OK;
  }

  /** In the order of the structure, formatted as nvme-cli formats them (hex where it uses %#x). */
  static Fields fields(IdentifyController id) {
    return new Fields()
        .add("sn", id.serial())
        .add("mn", id.model())
        .add("fr", id.firmware())
        .add("cmic", id.cmic())
        .add("mdts", id.mdts())
        .add("cntlid", id.cntlid(), Fields.hex(id.cntlid()))
        .add("ver", id.version() & 0xFFFFFFFFL, Fields.hex(id.version() & 0xFFFFFFFFL))
        .add("oaes", id.oaes() & 0xFFFFFFFFL, Fields.hex(id.oaes() & 0xFFFFFFFFL))
        .add("ctratt", id.ctratt() & 0xFFFFFFFFL, Fields.hex(id.ctratt() & 0xFFFFFFFFL))
        .add("cntrltype", id.controllerType())
        .add("aerl", id.aerl())
        .add("lpa", id.lpa(), Fields.hex(id.lpa()))
        .add("elpe", id.elpe())
        .add("kas", id.keepAliveSupport())
        .add("maxcmd", id.maxcmd())
        .add("nn", id.numberOfNamespaces() & 0xFFFFFFFFL)
        .add("oncs", id.oncs(), Fields.hex(id.oncs()))
        .add("vwc", id.vwc(), Fields.hex(id.vwc()))
        .add("sgls", id.sgls() & 0xFFFFFFFFL, Fields.hex(id.sgls() & 0xFFFFFFFFL))
        .add("subnqn", id.subsystemNqn())
        .add("ioccsz", id.ioccsz() & 0xFFFFFFFFL)
        .add("iorcsz", id.iorcsz() & 0xFFFFFFFFL);
  }
}
