package io.weft.perf;

import java.lang.management.ManagementFactory;

/**
 * The CPU time this whole process has used, user and system, every thread: I/O loops, the JIT and
 * the collector alike. A perf run divides its I/O rate by the cores this came to, so that a client
 * that parks when it has nothing to do is compared fairly with one that polls a core all the time.
 */
final class ProcessCpu {
  private static final com.sun.management.OperatingSystemMXBean OS =
      ManagementFactory.getOperatingSystemMXBean()
              instanceof com.sun.management.OperatingSystemMXBean os
          ? os
          : null;

  private ProcessCpu() {}

  /** CPU nanoseconds used so far, or -1 where the platform does not say. */
  static long nanos() {
    return OS == null ? -1 : OS.getProcessCpuTime();
  }

  /** Cores used on average between two readings {@code seconds} apart; null if unknown. */
  static Double cores(long start, long end, double seconds) {
    if (start < 0 || end < start || seconds <= 0) {
      return null;
    }
    return (end - start) / 1e9 / seconds;
  }
}
