package io.weft.tgt.qos;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A token bucket kept as one number (the generic cell rate algorithm): the theoretical time at
 * which everything admitted so far will have been paid for at the bucket's rate. Each I/O reserves
 * its cost at once and is told how long to wait; so I/Os are served in the order they asked, across
 * every queue, with no lock and no timer of the bucket's own. A bucket left idle refills up to
 * {@code burstNanos} worth of rate and no more.
 */
final class RateBucket {
  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private final long perSecond;
  private final long burstNanos;
  private final AtomicLong paidUntil;

  RateBucket(long perSecond, long burstNanos, long now) {
    if (perSecond <= 0 || burstNanos < 0) {
      throw new IllegalArgumentException("rate must be > 0 and burst >= 0");
    }
    this.perSecond = perSecond;
    this.burstNanos = burstNanos;
    this.paidUntil = new AtomicLong(now);
  }

  long perSecond() {
    return perSecond;
  }

  /**
   * Reserves {@code cost} units (operations or bytes) at {@code now}; returns the nanoseconds the
   * caller must wait before it may go, 0 if at once.
   */
  long reserve(long cost, long now) {
    // cost <= 2^33 (an I/O's bytes): cost * 1e9 stays below 2^63
    long costNanos = cost * NANOS_PER_SECOND / perSecond;
    while (true) {
      long paid = paidUntil.get();
      long next = Math.max(paid, now) + costNanos;
      if (paidUntil.compareAndSet(paid, next)) {
        return Math.max(0, next - burstNanos - now);
      }
    }
  }
}
