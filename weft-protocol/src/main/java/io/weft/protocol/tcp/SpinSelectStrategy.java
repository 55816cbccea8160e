package io.weft.protocol.tcp;

import io.netty.channel.SelectStrategy;
import io.netty.channel.SelectStrategyFactory;
import io.netty.util.IntSupplier;

/**
 * Busy-polls the socket set for a short while after the last ready event before letting the event
 * loop park in epoll_wait/select. On virtual machines a parked thread pays on the order of 100 µs
 * to wake, far more than a request takes, so a loop that has just been busy keeps spinning for
 * {@code spinNanos}; an idle one parks and costs nothing.
 *
 * <p>A wake-up from a short park counts as busy. Netty hands the events that end a park straight to
 * the loop, without asking this strategy again, so a strategy that only saw its own non-blocking
 * polls would never learn that the loop is busy again. It then parked after every request until one
 * happened to be waiting at a poll: at 4 KiB reads QD1 under spdk_nvme_perf the Weft target's loop
 * parked about 8,000 times a second, and each request that met a parked loop paid the wake-up
 * (docs/benchmarks.md, the QD1 tail). A park longer than {@link #WAKE_WINDOW} spins means an idle
 * loop: what woke it (a keep-alive, a timer) is handled and the loop parks again at once, so a
 * target with many idle connections does not spin after each of their keep-alives.
 */
public final class SpinSelectStrategy implements SelectStrategy {
  /** A park shorter than this many spin budgets ends in a spin. */
  static final int WAKE_WINDOW = 10;

  private final long spinNanos;
  private long lastBusy;
  private boolean parked;
  private long parkedAt;

  SpinSelectStrategy(long spinNanos) {
    this.spinNanos = spinNanos;
    // A new loop has done nothing yet: it parks until its first event.
    this.lastBusy = System.nanoTime() - spinNanos;
  }

  public static SelectStrategyFactory factory(long spinNanos) {
    return () -> new SpinSelectStrategy(spinNanos);
  }

  @Override
  public int calculateStrategy(IntSupplier selectSupplier, boolean hasTasks) throws Exception {
    int ready = selectSupplier.get();
    if (spinNanos == 0) {
      return ready > 0 || hasTasks ? ready : SelectStrategy.SELECT; // a loop that never spins
    }
    long now = System.nanoTime();
    if (parked) {
      parked = false;
      if (now - parkedAt < spinNanos * WAKE_WINDOW) {
        lastBusy = now;
      }
    }
    if (ready > 0 || hasTasks) {
      lastBusy = now;
      return ready;
    }
    if (now - lastBusy < spinNanos) {
      Thread.onSpinWait();
      return SelectStrategy.CONTINUE;
    }
    parked = true;
    parkedAt = now;
    return SelectStrategy.SELECT;
  }
}
