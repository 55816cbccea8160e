package io.weft.cli;

import io.netty.buffer.Unpooled;
import io.weft.host.HostController;
import io.weft.protocol.nvme.Opcodes;
import io.weft.protocol.nvme.SmartLog;
import java.io.IOException;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code weft smart-log}: the SMART / Health Information log page (02h) of a controller. */
@Command(
    name = "smart-log",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "Print the controller's SMART / Health Information log.",
      "Get Log Page 02h for all namespaces, with nvme smart-log's names.",
      ""
    })
final class SmartLogCommand extends HostCommand {
  /** NSID FFFFFFFFh: the controller as a whole, as nvme-cli asks by default. */
  private static final int ALL_NAMESPACES = 0xFFFFFFFF;

  @Mixin SubsystemOption subsystem;
  @Mixin OutputOption output;

  @Override
  int run() throws IOException {
    SmartLog log;
    try (HostController controller =
        connect(
            connection.toConnectOptions(
                spec,
                subsystem.nqn,
                ConnectionOptions.DEFAULT_PORT,
                1,
                ConnectionOptions.DEFAULT_QUEUE_SIZE,
                0))) {
      byte[] page = controller.logPage(Opcodes.LOG_SMART, ALL_NAMESPACES, SmartLog.SIZE);
      log = SmartLog.decode(Unpooled.wrappedBuffer(page), 0);
    }
    Fields fields = fields(log);
    if (output.json()) {
      printJson(fields.json());
    } else {
      out().println("Smart Log for NVME subsystem " + subsystem.nqn + " namespace-id:ffffffff");
      fields.print(out());
      out().flush();
    }
    return ExitCodes.OK;
  }

  /** nvme-cli's names: its text keys for people, its JSON keys for JSON. */
  static Fields fields(SmartLog s) {
    int kelvin = s.temperatureKelvin();
    return new Fields()
        .add("critical_warning", s.criticalWarning())
        .add("temperature", kelvin, kelvin == 0 ? "0 K" : (kelvin - 273) + " C (" + kelvin + " K)")
        .add("available_spare", "avail_spare", s.availableSpare(), s.availableSpare() + "%")
        .add(
            "available_spare_threshold",
            "spare_thresh",
            s.availableSpareThreshold(),
            s.availableSpareThreshold() + "%")
        .add("percentage_used", "percent_used", s.percentageUsed(), s.percentageUsed() + "%")
        .add(
            "Data Units Read",
            "data_units_read",
            s.dataUnitsRead(),
            s.dataUnitsRead() + " (" + decimalBytes(s.dataUnitsRead() * 512_000.0) + ")")
        .add(
            "Data Units Written",
            "data_units_written",
            s.dataUnitsWritten(),
            s.dataUnitsWritten() + " (" + decimalBytes(s.dataUnitsWritten() * 512_000.0) + ")")
        .add("host_read_commands", s.hostReadCommands())
        .add("host_write_commands", s.hostWriteCommands())
        .add("controller_busy_time", s.controllerBusyMinutes())
        .add("power_cycles", s.powerCycles())
        .add("power_on_hours", s.powerOnHours())
        .add("unsafe_shutdowns", s.unsafeShutdowns())
        .add("media_errors", s.mediaErrors())
        .add("num_err_log_entries", s.errorLogEntries());
  }

  /** SMART data units are 1000 × 512 bytes, so decimal units, as nvme-cli shows them. */
  static String decimalBytes(double bytes) {
    String[] units = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
    double value = bytes;
    int unit = 0;
    while (value >= 1000 && unit < units.length - 1) {
      value /= 1000;
      unit++;
    }
    return String.format(Locale.ROOT, "%.2f %s", value, units[unit]);
  }
}
