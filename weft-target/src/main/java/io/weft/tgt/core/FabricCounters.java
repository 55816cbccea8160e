package io.weft.tgt.core;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * What happened on one subsystem's fabric side, for the metrics endpoint: controllers created
 * (admin-queue Connects accepted), controllers ended by a keep-alive timeout, asynchronous events
 * sent, DH-HMAC-CHAP exchanges that failed, and how long connecting a queue took (from the TCP
 * connection accepted to its Connect answered, with the {@link IoTimings} buckets; admin and I/O
 * queues apart). Rare events, counted where they happen.
 */
public final class FabricCounters {
  private final LongAdder connects = new LongAdder();
  private final LongAdder keepAliveExpiries = new LongAdder();
  private final LongAdder asyncEvents = new LongAdder();
  private final LongAdder authFailures = new LongAdder();

  /** Per queue kind (0 admin, 1 I/O): the buckets, then the sum in nanoseconds. */
  private final AtomicLongArray[] connectTimes = {
    new AtomicLongArray(IoTimings.BUCKETS + 1), new AtomicLongArray(IoTimings.BUCKETS + 1)
  };

  void connected() {
    connects.increment();
  }

  void keepAliveExpired() {
    keepAliveExpiries.increment();
  }

  void asyncEventSent() {
    asyncEvents.increment();
  }

  void authenticationFailed() {
    authFailures.increment();
  }

  void queueConnected(boolean admin, long nanos) {
    AtomicLongArray h = connectTimes[admin ? 0 : 1];
    long n = Math.max(0, nanos);
    h.incrementAndGet(IoTimings.bucket(n));
    h.addAndGet(IoTimings.BUCKETS, n);
  }

  /**
   * Connect times of admin ({@code true}) or I/O queues: the buckets (not cumulative), then the sum
   * in nanoseconds.
   */
  public long[] connectTimes(boolean admin) {
    AtomicLongArray h = connectTimes[admin ? 0 : 1];
    long[] out = new long[h.length()];
    for (int i = 0; i < out.length; i++) {
      out[i] = h.get(i);
    }
    return out;
  }

  public long connects() {
    return connects.sum();
  }

  public long keepAliveExpiries() {
    return keepAliveExpiries.sum();
  }

  public long asyncEvents() {
    return asyncEvents.sum();
  }

  public long authenticationFailures() {
    return authFailures.sum();
  }
}
