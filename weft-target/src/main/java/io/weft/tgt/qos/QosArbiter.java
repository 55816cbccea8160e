package io.weft.tgt.qos;

/**
 * Who is busy, per workload class, for one target: a volume yields (is held to its floor) while a
 * volume of a class above it admitted an I/O within the last {@code windowNanos}. One volatile
 * stamp per class, written at most a few times per window, so the hot path reads a cache line every
 * queue shares without fighting over it.
 */
public final class QosArbiter {
  /** Long enough to bridge a latency-critical host's think time, short enough to hand back soon. */
  public static final long DEFAULT_WINDOW_NANOS = 50_000_000L;

  private final long windowNanos;
  private final Stamp[] busyUntil = new Stamp[WorkloadClass.values().length];

  public QosArbiter() {
    this(DEFAULT_WINDOW_NANOS);
  }

  public QosArbiter(long windowNanos) {
    this.windowNanos = windowNanos;
    long idleSince = System.nanoTime() - windowNanos;
    for (int i = 0; i < busyUntil.length; i++) {
      busyUntil[i] = new Stamp(idleSince);
    }
  }

  /** A volume of {@code c} admitted an I/O at {@code now}. */
  void busy(WorkloadClass c, long now) {
    Stamp s = busyUntil[c.ordinal()];
    // Refresh only once half the window has passed: one write per half window, not per I/O.
    if (now + windowNanos / 2 - s.until > 0) {
      s.until = now + windowNanos;
    }
  }

  /** Whether a volume of {@code c} must yield at {@code now}. */
  boolean mustYield(WorkloadClass c, long now) {
    for (int i = 0; i < c.ordinal(); i++) {
      if (busyUntil[i].until - now > 0) {
        return true;
      }
    }
    return false;
  }

  /** Per class on its own line: a write to one does not invalidate the others. */
  private static final class Stamp {
    @SuppressWarnings("unused")
    private long p1, p2, p3, p4, p5, p6, p7;

    volatile long until;

    Stamp(long until) {
      this.until = until;
    }
  }
}
