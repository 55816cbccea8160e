package io.weft.cli;

import io.weft.host.ConnectOptions;
import io.weft.host.HostController;
import io.weft.protocol.nvme.IdentifyController;
import io.weft.protocol.nvme.IdentifyNamespace;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code weft connect-check}: connect, identify the controller and its active namespaces, print a
 * summary, disconnect. Exit 0 only if every step worked.
 */
@Command(
    name = "connect-check",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "Connect, identify the controller and its namespaces, disconnect.",
      "Prints a summary: model, serial, firmware, controller ID, maximum",
      "transfer, I/O queues granted, namespaces. Exits 0 only if all of that",
      "worked.",
      ""
    })
final class ConnectCheckCommand extends HostCommand {
  @Mixin SubsystemOption subsystem;
  @Mixin OutputOption output;

  /** One active namespace; nguid and uuid are null when the controller reports none. */
  record NamespaceSummary(
      int nsid, long sizeBytes, long blocks, int blockSize, String nguid, String uuid) {}

  /** What {@code -o json} prints. */
  record Summary(
      String subnqn,
      String traddr,
      int trsvcid,
      String hostnqn,
      String hostid,
      boolean headerDigest,
      boolean dataDigest,
      String model,
      String serial,
      String firmware,
      int cntlid,
      String version,
      int mdts,
      long maxTransferBytes,
      int ioQueuesRequested,
      int ioQueues,
      int ioQueueSize,
      int keepAliveTmo,
      List<NamespaceSummary> namespaces) {}

  @Override
  int run() throws IOException {
    ConnectOptions options =
        connection.toConnectOptions(
            spec,
            subsystem.nqn,
            ConnectionOptions.DEFAULT_PORT,
            1,
            ConnectionOptions.DEFAULT_QUEUE_SIZE,
            0);
    Summary summary;
    try (HostController controller = connect(options)) {
      summary = check(controller, options);
    }
    if (output.json()) {
      printJson(summary);
    } else {
      print(out(), summary);
    }
    return ExitCodes.OK;
  }

  private static Summary check(HostController controller, ConnectOptions o) throws IOException {
    IdentifyController id = controller.identifyController();
    if (id.controllerType() == IdentifyController.CONTROLLER_TYPE_DISCOVERY) {
      throw new CliException(
          ExitCodes.FAILED,
          o.subsystemNqn() + " is a discovery controller, not an I/O one; use 'weft discover'");
    }
    if (controller.ioQueueCount() == 0) {
      throw new CliException(ExitCodes.FAILED, "the controller granted no I/O queues");
    }
    List<NamespaceSummary> namespaces = new ArrayList<>();
    for (int nsid : controller.activeNamespaces()) {
      IdentifyNamespace ns = controller.identifyNamespace(nsid);
      if (ns.sizeBlocks() == 0) {
        throw new CliException(
            ExitCodes.FAILED,
            "namespace " + nsid + " is listed as active, but Identify Namespace reports size 0");
      }
      NamespaceIds ids = NamespaceIds.read(controller, nsid);
      String nguid = Fields.hex(ns.nguid());
      if (nguid.chars().allMatch(c -> c == '0')) {
        nguid = ids != null ? ids.nguid() : null;
      }
      namespaces.add(
          new NamespaceSummary(
              nsid,
              ns.sizeBlocks() << ns.blockSizeShift(),
              ns.sizeBlocks(),
              1 << ns.blockSizeShift(),
              nguid,
              ids != null && ids.uuid() != null ? ids.uuid().toString() : null));
    }
    return new Summary(
        o.subsystemNqn(),
        o.address(),
        o.port(),
        o.hostNqn(),
        o.hostId().toString(),
        o.headerDigest(),
        o.dataDigest(),
        id.model(),
        id.serial(),
        id.firmware(),
        controller.cntlid(),
        version(id.version()),
        id.mdts(),
        controller.maxTransferBytes(),
        o.ioQueues(),
        controller.ioQueueCount(),
        controller.ioQueueSize(),
        o.keepAliveTimeoutSec(),
        namespaces);
  }

  /** VS/VER: major 31:16, minor 15:8, tertiary 7:0; "1.3", or "1.4.1". */
  static String version(int ver) {
    int major = ver >>> 16;
    int minor = (ver >>> 8) & 0xFF;
    int tertiary = ver & 0xFF;
    return major + "." + minor + (tertiary != 0 ? "." + tertiary : "");
  }

  private static void print(PrintWriter out, Summary s) {
    out.println(
        "connected to "
            + s.subnqn()
            + " at "
            + new HostPort(s.traddr(), s.trsvcid())
            + " (tcp, header digest "
            + (s.headerDigest() ? "on" : "off")
            + ", data digest "
            + (s.dataDigest() ? "on" : "off")
            + ")");
    new Fields()
        .add("host", s.hostnqn() + " (hostid " + s.hostid() + ")")
        .add("model", s.model())
        .add("serial", s.serial())
        .add("firmware", s.firmware())
        .add("cntlid", s.cntlid())
        .add("version", s.version())
        .add(
            "mdts",
            s.mdts()
                + (s.mdts() == 0 ? " (no limit; transfers are split at " : " (max transfer ")
                + Sizes.format(s.maxTransferBytes())
                + ")")
        .add(
            "io queues",
            s.ioQueues()
                + " granted of "
                + s.ioQueuesRequested()
                + " asked, "
                + s.ioQueueSize()
                + " entries each")
        .add("keep-alive", s.keepAliveTmo() == 0 ? "off" : s.keepAliveTmo() + " s")
        .add("namespaces", s.namespaces().isEmpty() ? "none active" : s.namespaces().size())
        .print(out);
    if (!s.namespaces().isEmpty()) {
      Table table = new Table("NSID", "SIZE", "BLOCK", "BLOCKS", "NGUID", "UUID");
      for (NamespaceSummary n : s.namespaces()) {
        table.row(
            n.nsid(), Sizes.format(n.sizeBytes()), n.blockSize(), n.blocks(), n.nguid(), n.uuid());
      }
      table.print(out, "  ");
    }
    out.println("disconnected; all checks passed");
    out.flush();
  }
}
