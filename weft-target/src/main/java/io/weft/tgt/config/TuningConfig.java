package io.weft.tgt.config;

/**
 * Limits and performance knobs.
 *
 * @param ioThreads event loop threads serving connections
 * @param spinNanos how long an idle event loop busy-polls before it parks (0 = never spin)
 * @param mdts maximum data transfer size as a power of two in 4 KiB units (8 = 1 MiB)
 * @param inCapsuleDataSize largest in-capsule data on I/O queues (the admin queue always takes 8
 *     KiB)
 * @param maxQueueEntries largest queue a host may create (CAP.MQES + 1)
 * @param maxIoQueues most I/O queues per controller
 * @param maxH2cData most data bytes per H2CData PDU
 * @param ioWorkerThreads threads running blocking backend I/O (file backend)
 * @param ioEngine how file namespaces do their I/O: {@code threads} (the worker pool, blocking
 *     calls) or {@code io_uring} (a ring submitted from the event loops; the pool stays the
 *     fallback)
 * @param c2hSuccessAlways end every successful read with the SUCCESS flag on its last C2HData and
 *     no CapsuleResp, as SPDK's target does by default ({@code c2h_success}), not only on queues
 *     whose host turned SQ flow control off, which is all the spec allows. It saves the host a PDU
 *     per read; hosts that size their submissions by SQHD, rather than by their own count of
 *     commands in flight as the Linux and SPDK hosts do, then learn SQHD only from other
 *     completions.
 */
public record TuningConfig(
    int ioThreads,
    long spinNanos,
    int mdts,
    int inCapsuleDataSize,
    int maxQueueEntries,
    int maxIoQueues,
    int maxH2cData,
    int ioWorkerThreads,
    String ioEngine,
    boolean c2hSuccessAlways) {

  public static final String THREADS = "threads";
  public static final String IO_URING = "io_uring";

  public TuningConfig {
    ioEngine = ioEngine == null ? THREADS : ioEngine;
    if (!ioEngine.equals(THREADS) && !ioEngine.equals(IO_URING)) {
      throw new IllegalArgumentException(
          "ioEngine must be " + THREADS + " or " + IO_URING + ", not " + ioEngine);
    }
  }

  public static TuningConfig defaults() {
    return new TuningConfig(2, 100_000, 8, 8192, 1024, 16, 128 * 1024, 4, THREADS, false);
  }

  public TuningConfig withIoEngine(String engine) {
    return with(spinNanos, engine, c2hSuccessAlways);
  }

  public TuningConfig withSpinNanos(long spin) {
    return with(spin, ioEngine, c2hSuccessAlways);
  }

  public TuningConfig withC2hSuccessAlways(boolean always) {
    return with(spinNanos, ioEngine, always);
  }

  /** A copy with the knobs the {@code with} methods change. */
  private TuningConfig with(long spin, String engine, boolean always) {
    return new TuningConfig(
        ioThreads,
        spin,
        mdts,
        inCapsuleDataSize,
        maxQueueEntries,
        maxIoQueues,
        maxH2cData,
        ioWorkerThreads,
        engine,
        always);
  }
}
