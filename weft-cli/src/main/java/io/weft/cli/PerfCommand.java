package io.weft.cli;

import io.weft.host.ConnectOptions;
import io.weft.host.HostController;
import io.weft.host.NvmeNamespace;
import io.weft.perf.PerfOptions;
import io.weft.perf.PerfResult;
import io.weft.perf.PerfRunner;
import io.weft.perf.TargetTimes;
import io.weft.perf.Workload;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code weft perf}: a fixed-queue-depth load on one namespace of any NVMe/TCP target, with plain
 * Read and Write commands only. A progress line a second goes to stderr, the report to stdout.
 */
@Command(
    name = "perf",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "Drive a namespace of any NVMe/TCP target and measure it.",
      "A fixed queue depth per queue, each queue its own connection, like",
      "spdk_nvme_perf, with plain Read and Write commands. A progress line a",
      "second goes to stderr, the report (IOPS, MiB/s, latency percentiles) to",
      "stdout. Write workloads overwrite the namespace's data.",
      ""
    })
final class PerfCommand extends HostCommand {
  @Mixin SubsystemOption subsystem;

  @Option(
      names = "--workload",
      paramLabel = "read|write|randread|randwrite|randrw",
      defaultValue = "randread",
      converter = WorkloadConverter.class,
      description = "I/O pattern. Default: ${DEFAULT-VALUE}.")
  Workload workload;

  @Option(
      names = "--rwmixread",
      paramLabel = "PCT",
      description = "Share of reads in randrw, 0-100. Default 50.")
  Integer rwmixread;

  @Option(
      names = "--bs",
      paramLabel = "SIZE",
      defaultValue = "4096",
      converter = TargetCommand.SizeConverter.class,
      description = "Bytes per I/O (512, 4k, 128k, ...). Default: ${DEFAULT-VALUE}.")
  long bs;

  @Option(
      names = "--qd",
      paramLabel = "N",
      defaultValue = "1",
      description = "I/Os in flight per queue. Default: ${DEFAULT-VALUE}.")
  int qd;

  @Option(
      names = "--queues",
      paramLabel = "N",
      defaultValue = "1",
      description = "I/O queues, each its own connection. Default: ${DEFAULT-VALUE}.")
  int queues;

  @Option(
      names = "--time",
      paramLabel = "SEC",
      defaultValue = "10",
      description = "Measured seconds. Default: ${DEFAULT-VALUE}.")
  int time;

  @Option(
      names = "--warmup",
      paramLabel = "SEC",
      defaultValue = "2",
      description = "Seconds run before measuring. Default: ${DEFAULT-VALUE}.")
  int warmup;

  @Mixin NamespaceIdOption namespace;

  @Option(
      names = "--range",
      paramLabel = "SIZE",
      converter = TargetCommand.SizeConverter.class,
      description = "Only the first SIZE bytes of the namespace. Default: all of it.")
  Long range;

  @Option(
      names = "--seed",
      paramLabel = "N",
      defaultValue = "1",
      description =
          "Seed of the random offsets (same seed, same offsets). Default: ${DEFAULT-VALUE}.")
  long seed;

  @Option(
      names = "--spin-us",
      paramLabel = "N",
      defaultValue = "0",
      description =
          "Microseconds an idle host event loop busy-polls before it parks. Default:"
              + " ${DEFAULT-VALUE}.")
  long spinMicros;

  @Option(
      names = "--target-metrics",
      description =
          "Read the target's /metrics (at --admin) when the measured part starts and ends, and"
              + " split the mean latency into the target's phases and the rest (fabric and host).")
  boolean targetMetrics;

  @Mixin AdminOptions admin;

  @Mixin OutputOption output;

  @Override
  int run() throws IOException {
    checkFlags();
    int queueSize = Math.max(ConnectionOptions.DEFAULT_QUEUE_SIZE, qd + 1);
    if (connection.ioQueues != null && connection.ioQueues < queues) {
      throw usage("--nr-io-queues " + connection.ioQueues + " is fewer than --queues " + queues);
    }
    if (connection.queueSize != null && connection.queueSize < qd + 1) {
      throw usage(
          "--queue-size "
              + connection.queueSize
              + " holds at most "
              + (connection.queueSize - 1)
              + " commands; --qd "
              + qd
              + " needs at least "
              + (qd + 1));
    }
    ConnectOptions options =
        connection.toConnectOptions(
            spec, subsystem.nqn, ConnectionOptions.DEFAULT_PORT, queues, queueSize, spinMicros);
    PerfResult result;
    try (HostController controller = connect(options)) {
      checkController(controller);
      PerfOptions perf =
          new PerfOptions(
              workload,
              (int) bs,
              qd,
              queues,
              time,
              warmup,
              rwmixread != null ? rwmixread : 50,
              namespace.nsid,
              range != null ? range : 0,
              seed);
      PrintWriter err = err();
      TargetReadings readings = targetMetrics ? new TargetReadings() : null;
      try {
        result =
            PerfRunner.run(
                controller,
                perf,
                (second, warm, iops, mib, avgUs, p50Us, p99Us) -> {
                  err.println(progress(second, warm, iops, mib, avgUs, p50Us, p99Us));
                  err.flush();
                },
                readings != null ? readings : PerfRunner.Window.NONE);
      } catch (IllegalArgumentException e) {
        throw new CliException(ExitCodes.FAILED, e.getMessage(), e);
      } finally {
        if (readings != null) {
          readings.close();
        }
      }
    }
    if (output.json()) {
      printJson(result);
    } else {
      out().println(result.human());
      out().flush();
    }
    if (result.errors() > 0) {
      throw new CliException(
          ExitCodes.FAILED,
          result.errors() + " I/Os failed; the figures above count only the ones that succeeded");
    }
    return ExitCodes.OK;
  }

  /**
   * The target's times at the start and end of the measured part, read from its metrics endpoint. A
   * failed read is reported when the run ends, not in the middle of it.
   */
  private final class TargetReadings implements PerfRunner.Window, AutoCloseable {
    private final AdminClient client;
    private final String nqn;
    private TargetTimes first;
    private TargetTimes last;
    private RuntimeException failure;

    TargetReadings() {
      this.client = admin.client();
      this.nqn = subsystem.nqn;
    }

    private TargetTimes read() {
      try {
        return TargetTimes.parse(client.metrics(), nqn, namespace.nsid);
      } catch (RuntimeException e) {
        failure = e;
        return null;
      }
    }

    @Override
    public void opened() {
      first = read();
    }

    @Override
    public void closed() {
      last = read();
    }

    @Override
    public TargetTimes.Breakdown breakdown(double hostMeanUs) {
      if (failure != null) {
        throw new CliException(
            ExitCodes.FAILED, "--target-metrics: " + Errors.describe(failure), failure);
      }
      TargetTimes run = last.since(first);
      if (run.commands() == 0) {
        throw new CliException(
            ExitCodes.FAILED,
            "--target-metrics: the target at --admin counted no commands for "
                + nqn
                + " namespace "
                + namespace.nsid
                + " during the run; is it the target this run connected to?");
      }
      return run.breakdown(hostMeanUs);
    }

    @Override
    public void close() {
      client.close();
    }
  }

  /**
   * {@code [ 3s] 123456 IOPS 482.3 MiB/s avg 12.3 p50 11.0 p99 40.2 us}, marked during warm-up: the
   * last second's figures, percentiles of that second alone.
   */
  static String progress(
      int second, boolean warmup, double iops, double mib, double avgUs, double p50, double p99) {
    return String.format(
        Locale.ROOT,
        "[%3ds] %.0f IOPS  %.1f MiB/s  avg %.1f  p50 %.1f  p99 %.1f us%s",
        second,
        iops,
        mib,
        avgUs,
        p50,
        p99,
        warmup ? "  (warm-up)" : "");
  }

  private void checkFlags() {
    if (rwmixread != null && workload != Workload.RANDRW) {
      throw usage("--rwmixread applies to --workload randrw only");
    }
    if (rwmixread != null && (rwmixread < 0 || rwmixread > 100)) {
      throw usage("--rwmixread must be from 0 to 100, not " + rwmixread);
    }
    if (bs > BlockIoCommand.MAX_DATA_SIZE) {
      throw usage("--bs must be at most 1G, not " + bs);
    }
    if (qd < 1 || qd > 4095) {
      throw usage("--qd must be from 1 to 4095, not " + qd);
    }
    if (queues < 1) {
      throw usage("--queues must be at least 1, not " + queues);
    }
    if (time < 1) {
      throw usage("--time must be at least 1 second, not " + time);
    }
    if (warmup < 0) {
      throw usage("--warmup must not be negative: " + warmup);
    }
    if (spinMicros < 0 || spinMicros > 1_000_000) {
      throw usage("--spin-us must be from 0 to 1000000, not " + spinMicros);
    }
  }

  /** What only the controller can tell: queues granted, their size, the namespace's geometry. */
  private void checkController(HostController controller) throws IOException {
    if (controller.ioQueueCount() < queues) {
      throw new CliException(
          ExitCodes.FAILED,
          "asked for "
              + queues
              + " I/O queues, the controller granted "
              + controller.ioQueueCount()
              + "; use --queues "
              + controller.ioQueueCount()
              + " or fewer");
    }
    if (controller.ioQueueSize() - 1 < qd) {
      throw new CliException(
          ExitCodes.FAILED,
          "the controller granted queues of "
              + controller.ioQueueSize()
              + " entries, which hold at most "
              + (controller.ioQueueSize() - 1)
              + " commands; use --qd "
              + (controller.ioQueueSize() - 1)
              + " or less");
    }
    NvmeNamespace ns = controller.namespace(namespace.nsid);
    if (bs % ns.blockSize() != 0) {
      throw usage(
          "--bs "
              + bs
              + " is not a multiple of namespace "
              + namespace.nsid
              + "'s block size, "
              + ns.blockSize());
    }
    if (bs > controller.maxTransferBytes()) {
      throw usage(
          "--bs "
              + bs
              + " is more than the controller's maximum transfer (MDTS), "
              + controller.maxTransferBytes()
              + " bytes; perf sends one command per I/O");
    }
    if (range != null && range < bs) {
      throw usage("--range " + range + " is smaller than one I/O (--bs " + bs + ")");
    }
  }

  /** Workload names as fio writes them, with the list in the error. */
  static final class WorkloadConverter implements CommandLine.ITypeConverter<Workload> {
    @Override
    public Workload convert(String value) {
      try {
        return Workload.parse(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }
}
