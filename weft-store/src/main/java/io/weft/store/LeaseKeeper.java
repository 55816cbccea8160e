package io.weft.store;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds a lease alive: grants it, renews it every third of its TTL, and reports once when it is
 * lost (the store said the lease is gone, or no renewal succeeded for a whole TTL, after which the
 * store will have expired it). A holder that learns it lost its lease must stop acting on anything
 * the lease stood for. Works the same on every {@link ClusterStore}.
 */
public final class LeaseKeeper implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LeaseKeeper.class);

  private final ClusterStore store;
  private final long lease;
  private final Duration ttl;
  private final Runnable onLost;
  private final ScheduledExecutorService timer;
  private final AtomicBoolean lost = new AtomicBoolean();
  private volatile long lastRenewedNanos;
  private final Duration period;

  private LeaseKeeper(ClusterStore store, Duration ttl, Runnable onLost) {
    this.store = store;
    this.ttl = ttl;
    this.onLost = onLost;
    long asked = System.nanoTime(); // the store's TTL starts no earlier than this
    this.lease = store.grantLease(ttl);
    this.lastRenewedNanos = asked;
    // Two threads: a renewal blocked on an unresponsive store must not delay the deadline check.
    this.timer =
        Executors.newScheduledThreadPool(
            2,
            r ->
                Thread.ofPlatform().daemon().name("lease-" + Long.toHexString(lease)).unstarted(r));
    long period = Math.max(100, ttl.toMillis() / 3);
    this.period = Duration.ofMillis(period);
    timer.scheduleWithFixedDelay(this::renew, period, period, TimeUnit.MILLISECONDS);
    timer.scheduleWithFixedDelay(
        this::checkDeadline, period / 2, period / 2, TimeUnit.MILLISECONDS);
  }

  /** Grants a lease of {@code ttl} and keeps it alive until closed or lost. */
  public static LeaseKeeper start(ClusterStore store, Duration ttl, Runnable onLost) {
    return new LeaseKeeper(store, ttl, onLost);
  }

  public long lease() {
    return lease;
  }

  public Duration ttl() {
    return ttl;
  }

  public boolean isLost() {
    return lost.get();
  }

  private void renew() {
    if (lost.get()) {
      return;
    }
    // Counted from when the request was sent: the store restarted the TTL no later than that.
    long sent = System.nanoTime();
    try {
      store.keepAlive(lease);
      lastRenewedNanos = sent;
    } catch (StoreException e) {
      if (e.kind() == StoreException.Kind.LEASE_NOT_FOUND) {
        lose("the store no longer has it");
      } else if (System.nanoTime() - lastRenewedNanos >= ttl.toNanos() - period.toNanos()) {
        // Give up one renewal period before the store would expire it, so that this holder stops
        // acting before anyone else may start.
        lose("no renewal succeeded for a whole TTL (" + e.getMessage() + ")");
      } else {
        log.warn(
            "lease {} renewal failed, will retry: {}", Long.toHexString(lease), e.getMessage());
      }
    } catch (RuntimeException e) {
      log.warn("lease {} renewal failed, will retry", Long.toHexString(lease), e);
    }
  }

  private void checkDeadline() {
    if (!lost.get() && System.nanoTime() - lastRenewedNanos >= ttl.toNanos() - period.toNanos()) {
      lose("no renewal succeeded for a whole TTL (the store does not answer)");
    }
  }

  private void lose(String why) {
    if (lost.compareAndSet(false, true)) {
      log.warn("lease {} lost: {}", Long.toHexString(lease), why);
      timer.shutdown();
      onLost.run();
    }
  }

  /**
   * Stops renewing without revoking, as a process that dies does: the store expires the lease one
   * TTL later. For crash tests and for a node that must go silent at once.
   */
  public void abandon() {
    timer.shutdownNow();
    lost.set(true);
  }

  /** Stops renewing and revokes the lease (its keys go at once), unless it is already lost. */
  @Override
  public void close() {
    timer.shutdownNow();
    if (lost.compareAndSet(false, true)) {
      try {
        store.revokeLease(lease);
      } catch (StoreException e) {
        log.warn(
            "lease {} not revoked, it will expire: {}", Long.toHexString(lease), e.getMessage());
      }
    }
  }
}
