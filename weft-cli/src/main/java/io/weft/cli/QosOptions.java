package io.weft.cli;

import io.weft.tgt.qos.QosPolicy;
import io.weft.tgt.qos.WorkloadClass;
import picocli.CommandLine.Option;

/**
 * A volume's QoS on the command line: its workload class, ceilings (reads and writes apart) and the
 * floor it keeps while yielding. Sizes per second take the usual suffixes (100M: 100 MiB/s).
 */
final class QosOptions {
  @Option(
      names = "--qos-class",
      paramLabel = "CLASS",
      description = {
        "latency-critical (never held back for others), throughput (yields to",
        "latency-critical), best-effort (yields to both). Default with a limit: throughput."
      })
  String workloadClass;

  @Option(names = "--read-iops", paramLabel = "N", description = "Most reads per second.")
  long readIops;

  @Option(names = "--write-iops", paramLabel = "N", description = "Most writes per second.")
  long writeIops;

  @Option(
      names = "--read-bw",
      paramLabel = "SIZE",
      converter = TargetCommand.SizeConverter.class,
      description = "Most bytes read per second, e.g. 200M.")
  long readBytesPerSecond;

  @Option(
      names = "--write-bw",
      paramLabel = "SIZE",
      converter = TargetCommand.SizeConverter.class,
      description = "Most bytes written per second, e.g. 100M.")
  long writeBytesPerSecond;

  @Option(
      names = "--min-iops",
      paramLabel = "N",
      description = "Operations per second kept while yielding. Default: the class's.")
  long minIops;

  @Option(
      names = "--min-bw",
      paramLabel = "SIZE",
      converter = TargetCommand.SizeConverter.class,
      description = "Bytes per second kept while yielding. Default: the class's.")
  long minBytesPerSecond;

  /** The policy asked for, or null when no QoS option was given. */
  QosPolicy policy() {
    boolean any =
        readIops
                + writeIops
                + readBytesPerSecond
                + writeBytesPerSecond
                + minIops
                + minBytesPerSecond
            > 0;
    if (workloadClass == null && !any) {
      return null;
    }
    try {
      WorkloadClass c =
          workloadClass == null ? WorkloadClass.THROUGHPUT : WorkloadClass.parse(workloadClass);
      return new QosPolicy(
          c,
          readIops,
          writeIops,
          readBytesPerSecond,
          writeBytesPerSecond,
          minIops,
          minBytesPerSecond);
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCodes.USAGE, e.getMessage());
    }
  }

  /** One line for people: the class, then each limit set. */
  static String describe(QosPolicy p) {
    if (p == null) {
      return "none";
    }
    StringBuilder b = new StringBuilder(p.workloadClass().label());
    limit(b, "reads", p.readIops(), " IOPS");
    limit(b, "writes", p.writeIops(), " IOPS");
    limit(b, "reads", p.readBytesPerSecond(), "");
    limit(b, "writes", p.writeBytesPerSecond(), "");
    if (p.workloadClass() != WorkloadClass.LATENCY_CRITICAL) {
      b.append("; floor while yielding ")
          .append(p.effectiveMinIops())
          .append(" IOPS, ")
          .append(Sizes.format(p.effectiveMinBytesPerSecond()))
          .append("/s");
    }
    return b.toString();
  }

  private static void limit(StringBuilder b, String what, long value, String unit) {
    if (value > 0) {
      b.append("; ")
          .append(what)
          .append(" <= ")
          .append(unit.isEmpty() ? Sizes.format(value) + "/s" : value + unit);
    }
  }
}
