package io.weft.tgt.core;

import java.util.concurrent.atomic.LongAdder;

/**
 * What happened on one subsystem's fabric side, for the metrics endpoint: controllers created
 * (admin-queue Connects accepted), controllers ended by a keep-alive timeout, asynchronous events
 * sent, and DH-HMAC-CHAP exchanges that failed. Rare events, counted where they happen.
 */
public final class FabricCounters {
  private final LongAdder connects = new LongAdder();
  private final LongAdder keepAliveExpiries = new LongAdder();
  private final LongAdder asyncEvents = new LongAdder();
  private final LongAdder authFailures = new LongAdder();

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
