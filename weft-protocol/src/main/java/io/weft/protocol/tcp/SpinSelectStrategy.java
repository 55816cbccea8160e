package io.weft.protocol.tcp;

import io.netty.channel.SelectStrategy;
import io.netty.channel.SelectStrategyFactory;
import io.netty.util.IntSupplier;

/**
 * Busy-polls the socket set for a short while after the last ready event before letting the event
 * loop park in epoll_wait/select. On virtual machines a parked thread pays on the order of 100 µs
 * to wake, far more than a request takes, so a loop that has just been busy keeps spinning for
 * {@code spinNanos}; an idle one parks and costs nothing.
 */
public final class SpinSelectStrategy implements SelectStrategy {
  private final long spinNanos;
  private long lastBusy;

  SpinSelectStrategy(long spinNanos) {
    this.spinNanos = spinNanos;
  }

  public static SelectStrategyFactory factory(long spinNanos) {
    return () -> new SpinSelectStrategy(spinNanos);
  }

  @Override
  public int calculateStrategy(IntSupplier selectSupplier, boolean hasTasks) throws Exception {
    int ready = selectSupplier.get();
    if (ready > 0 || hasTasks) {
      lastBusy = System.nanoTime();
      return ready;
    }
    if (spinNanos > 0 && System.nanoTime() - lastBusy < spinNanos) {
      Thread.onSpinWait();
      return SelectStrategy.CONTINUE;
    }
    return SelectStrategy.SELECT;
  }
}
