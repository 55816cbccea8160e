package io.weft.cli;

import io.weft.host.HostController;
import io.weft.protocol.nvme.IdentifyNamespace;
import java.io.IOException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code weft id-ns}: the Identify Namespace fields weft-protocol decodes, as nvme-cli names them.
 */
@Command(
    name = "id-ns",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "Print a namespace's Identify Namespace data.",
      "The fields weft decodes (CNS 00h), with nvme id-ns's names and number",
      "formats.",
      ""
    })
final class IdNsCommand extends HostCommand {
  @Mixin SubsystemOption subsystem;

  @Mixin NamespaceIdOption namespace;

  @Mixin OutputOption output;

  @Override
  int run() throws IOException {
    IdentifyNamespace id;
    try (HostController controller =
        connect(
            connection.toConnectOptions(
                spec,
                subsystem.nqn,
                ConnectionOptions.DEFAULT_PORT,
                1,
                ConnectionOptions.DEFAULT_QUEUE_SIZE,
                0))) {
      id = controller.identifyNamespace(namespace.nsid);
    }
    if (id.sizeBlocks() == 0) {
      // An inactive NSID reads as all zeros (NVMe Base 2.0, Identify CNS 00h).
      throw new CliException(
          ExitCodes.FAILED,
          "namespace "
              + namespace.nsid
              + " is not active on "
              + subsystem.nqn
              + " (Identify returned zeros)");
    }
    Fields fields = fields(id);
    if (output.json()) {
      printJson(fields.json());
    } else {
      out().println("NVME Identify Namespace " + namespace.nsid + ":");
      fields.print(out());
      out().flush();
    }
    return ExitCodes.OK;
  }

  static Fields fields(IdentifyNamespace id) {
    return new Fields()
        .add("nsze", id.sizeBlocks(), Fields.hex(id.sizeBlocks()))
        .add("nuse", id.usedBlocks(), Fields.hex(id.usedBlocks()))
        .add("nmic", id.nmic())
        .add("dlfeat", id.dlfeat())
        .add("nsattr", id.readOnly() ? 1 : 0)
        .add("nguid", Fields.hex(id.nguid()))
        .add(
            "lbads",
            id.blockSizeShift(),
            id.blockSizeShift()
                + " (in-use format: "
                + (1L << id.blockSizeShift())
                + "-byte blocks)");
  }
}
