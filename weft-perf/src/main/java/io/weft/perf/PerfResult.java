package io.weft.perf;

/**
 * What a perf run measured. Latencies are in microseconds, from the moment a command was handed to
 * its queue to the moment its completion was processed. {@code target}, when the run read the
 * target's metrics, splits the mean into the target's phases and the rest (fabric and host). {@code
 * cpuCores} is the CPU this process used over the measured part (every thread, user and system) in
 * cores, null where the JVM cannot say; a client that polls uses one core per queue whatever its
 * rate, one that parks uses what its I/O costs.
 */
public record PerfResult(
    String workload,
    int blockSize,
    int queueDepth,
    int queues,
    double seconds,
    long ios,
    long errors,
    double iops,
    double mibPerSec,
    double latMinUs,
    double latAvgUs,
    double latP50Us,
    double latP99Us,
    double latP999Us,
    double latP9999Us,
    double latMaxUs,
    Double cpuCores,
    TargetTimes.Breakdown target) {

  /** I/Os per second for each core the process used: the client's efficiency; null if unknown. */
  public Double iopsPerCore() {
    return cpuCores == null || cpuCores <= 0 ? null : iops / cpuCores;
  }

  /** A human-readable report in the style of spdk_nvme_perf's summary. */
  public String human() {
    String summary =
        String.format(
            "%s bs=%d qd=%d queues=%d: %.0f IOPS, %.1f MiB/s over %.1f s (%d I/Os, %d errors)%n"
                + "latency (us): min %.1f  avg %.1f  p50 %.1f  p99 %.1f  p99.9 %.1f  p99.99 %.1f  max %.1f",
            workload,
            blockSize,
            queueDepth,
            queues,
            iops,
            mibPerSec,
            seconds,
            ios,
            errors,
            latMinUs,
            latAvgUs,
            latP50Us,
            latP99Us,
            latP999Us,
            latP9999Us,
            latMaxUs);
    if (cpuCores != null) {
      summary +=
          String.format(
              "%ncpu: %.2f cores (this process, every thread), %.0f IOPS per core",
              cpuCores, iopsPerCore());
    }
    return target == null ? summary : summary + System.lineSeparator() + target.human();
  }
}
