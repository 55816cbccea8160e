package io.weft.perf;

/**
 * One perf run.
 *
 * @param workload I/O pattern
 * @param blockSize bytes per I/O (a multiple of the namespace block size)
 * @param queueDepth I/Os kept in flight per queue
 * @param queues I/O queues (each its own connection)
 * @param durationSec measured time
 * @param warmupSec time run before measuring (results discarded)
 * @param readPercent share of reads for {@link Workload#RANDRW}
 * @param nsid namespace to drive
 * @param rangeBytes limit I/O to the first bytes of the namespace (0 = all of it)
 * @param seed random offsets are reproducible per seed
 */
public record PerfOptions(
    Workload workload,
    int blockSize,
    int queueDepth,
    int queues,
    int durationSec,
    int warmupSec,
    int readPercent,
    int nsid,
    long rangeBytes,
    long seed) {

  public PerfOptions {
    if (blockSize <= 0 || queueDepth <= 0 || queues <= 0 || durationSec <= 0 || warmupSec < 0) {
      throw new IllegalArgumentException(
          "block size, queue depth, queues and duration must be > 0");
    }
    if (readPercent < 0 || readPercent > 100) {
      throw new IllegalArgumentException("read percentage must be 0..100: " + readPercent);
    }
  }
}
