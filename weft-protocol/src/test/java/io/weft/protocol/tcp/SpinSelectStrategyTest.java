package io.weft.protocol.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.channel.SelectStrategy;
import io.netty.util.IntSupplier;
import org.junit.jupiter.api.Test;

/**
 * The event loop's spin-then-park policy, call by call as Netty's epoll and NIO loops make them:
 * one non-blocking poll per call, and after SELECT a blocking wait whose events the loop handles
 * without asking the strategy.
 */
class SpinSelectStrategyTest {
  private static final IntSupplier NOTHING = () -> 0;
  private static final IntSupplier ONE_READY = () -> 1;
  private static final long LONG_SPIN = 60_000_000_000L;

  @Test
  void aNewLoopParksUntilItsFirstEvent() throws Exception {
    SpinSelectStrategy s = new SpinSelectStrategy(LONG_SPIN);
    assertEquals(SelectStrategy.SELECT, s.calculateStrategy(NOTHING, false));
  }

  @Test
  void readyEventsAreHandledAndThenTheLoopSpins() throws Exception {
    SpinSelectStrategy s = new SpinSelectStrategy(LONG_SPIN);
    assertEquals(1, s.calculateStrategy(ONE_READY, false));
    for (int i = 0; i < 1000; i++) {
      assertEquals(SelectStrategy.CONTINUE, s.calculateStrategy(NOTHING, false));
    }
  }

  @Test
  void pendingTasksAreRunWithoutWaiting() throws Exception {
    SpinSelectStrategy s = new SpinSelectStrategy(0);
    assertEquals(0, s.calculateStrategy(NOTHING, true));
  }

  /**
   * The request that wakes a parked loop starts a spin. Before, the loop parked again after every
   * request that did not find the next one already waiting, and each paid the wake-up.
   */
  @Test
  void aWakeUpFromAParkStartsASpin() throws Exception {
    SpinSelectStrategy s = new SpinSelectStrategy(LONG_SPIN);
    assertEquals(SelectStrategy.SELECT, s.calculateStrategy(NOTHING, false));
    // Netty blocked in epoll_wait, woke for a request and handled it; the next polls find nothing.
    for (int i = 0; i < 1000; i++) {
      assertEquals(SelectStrategy.CONTINUE, s.calculateStrategy(NOTHING, false));
    }
  }

  /**
   * A loop idle for a while that wakes for one keep-alive or timer parks again at once: a target
   * with many idle connections would otherwise spin after each of their keep-alives.
   */
  @Test
  void aWakeUpAfterALongParkDoesNotSpin() throws Exception {
    long spin = 1_000_000;
    SpinSelectStrategy s = new SpinSelectStrategy(spin);
    assertEquals(SelectStrategy.SELECT, s.calculateStrategy(NOTHING, false));
    Thread.sleep(3 * SpinSelectStrategy.WAKE_WINDOW * spin / 1_000_000);
    assertEquals(SelectStrategy.SELECT, s.calculateStrategy(NOTHING, false));
  }

  @Test
  void theLoopParksOnceTheSpinIsOver() throws Exception {
    SpinSelectStrategy s = new SpinSelectStrategy(1_000_000);
    assertEquals(1, s.calculateStrategy(ONE_READY, false));
    Thread.sleep(5);
    assertEquals(SelectStrategy.SELECT, s.calculateStrategy(NOTHING, false));
  }

  @Test
  void withoutASpinAnIdleLoopAlwaysParks() throws Exception {
    SpinSelectStrategy s = new SpinSelectStrategy(0);
    assertEquals(1, s.calculateStrategy(ONE_READY, false));
    for (int i = 0; i < 3; i++) {
      assertEquals(SelectStrategy.SELECT, s.calculateStrategy(NOTHING, false));
    }
  }
}
