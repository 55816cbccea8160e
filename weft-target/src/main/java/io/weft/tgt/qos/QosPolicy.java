package io.weft.tgt.qos;

/**
 * A volume's quality of service: its workload class, its ceilings (reads and writes apart, as
 * operations and bytes per second; 0 for none) and the floor it keeps when it yields to a busier
 * class (0 for the class's default).
 *
 * <p>Write Zeroes and deallocation count as write operations that move no bytes; Flush is never
 * held back (it only orders what was already admitted).
 */
public record QosPolicy(
    WorkloadClass workloadClass,
    long readIops,
    long writeIops,
    long readBytesPerSecond,
    long writeBytesPerSecond,
    long minIops,
    long minBytesPerSecond) {

  public QosPolicy {
    if (workloadClass == null) {
      throw new IllegalArgumentException("a QoS policy needs a workload class");
    }
    if (readIops < 0
        || writeIops < 0
        || readBytesPerSecond < 0
        || writeBytesPerSecond < 0
        || minIops < 0
        || minBytesPerSecond < 0) {
      throw new IllegalArgumentException("QoS limits and floors must be >= 0 (0: none)");
    }
    if (workloadClass == WorkloadClass.LATENCY_CRITICAL && (minIops > 0 || minBytesPerSecond > 0)) {
      throw new IllegalArgumentException(
          "a latency-critical volume never yields, so a floor means nothing for it");
    }
  }

  /** A class with no ceilings and the class's floors. */
  public static QosPolicy of(WorkloadClass workloadClass) {
    return new QosPolicy(workloadClass, 0, 0, 0, 0, 0, 0);
  }

  /** The floor in operations per second while yielding: the policy's, else the class's. */
  public long effectiveMinIops() {
    return minIops > 0 ? minIops : workloadClass.defaultMinIops();
  }

  public long effectiveMinBytesPerSecond() {
    return minBytesPerSecond > 0 ? minBytesPerSecond : workloadClass.defaultMinBytesPerSecond();
  }
}
