package io.weft.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IoWorkersTest {
  @ParameterizedTest
  @ValueSource(longs = {0, 200_000})
  void runsEveryTaskFromManyThreads(long spinNanos) throws Exception {
    IoWorkers workers = new IoWorkers(3, "test-io", spinNanos);
    AtomicInteger ran = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(40_000);
    Thread[] submitters = new Thread[4];
    for (int s = 0; s < submitters.length; s++) {
      submitters[s] =
          Thread.ofPlatform()
              .start(
                  () -> {
                    for (int i = 0; i < 10_000; i++) {
                      workers.execute(
                          () -> {
                            ran.incrementAndGet();
                            done.countDown();
                          });
                      if (i % 1000 == 0) {
                        LockSupportPause.pause(); // let workers park now and then
                      }
                    }
                  });
    }
    for (Thread t : submitters) {
      t.join();
    }
    assertTrue(done.await(30, TimeUnit.SECONDS), "ran " + ran.get() + " of 40000");
    workers.shutdown();
    assertTrue(workers.awaitTermination(10, TimeUnit.SECONDS));
    assertTrue(workers.isTerminated());
  }

  @ParameterizedTest
  @ValueSource(longs = {0, 200_000})
  void blockingTasksRunSideBySideUpToTheWorkerCount(long spinNanos) throws Exception {
    IoWorkers workers = new IoWorkers(4, "test-io", spinNanos);
    CountDownLatch allStarted = new CountDownLatch(4);
    CountDownLatch release = new CountDownLatch(1);
    for (int i = 0; i < 4; i++) {
      workers.execute(
          () -> {
            allStarted.countDown();
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
    }
    assertTrue(allStarted.await(10, TimeUnit.SECONDS), "four blocking I/Os did not run at once");
    release.countDown();
    workers.shutdown();
    assertThrows(RejectedExecutionException.class, () -> workers.execute(() -> {}));
    assertTrue(workers.awaitTermination(10, TimeUnit.SECONDS));
  }

  @ParameterizedTest
  @ValueSource(longs = {0, 200_000})
  void shutdownRunsWhatWasQueuedAndShutdownNowHandsItBack(long spinNanos) throws Exception {
    IoWorkers one = new IoWorkers(1, "test-io", spinNanos);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger ran = new AtomicInteger();
    one.execute(
        () -> {
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    for (int i = 0; i < 5; i++) {
      one.execute(ran::incrementAndGet);
    }
    one.shutdown();
    release.countDown();
    assertTrue(one.awaitTermination(10, TimeUnit.SECONDS));
    assertEquals(5, ran.get(), "queued before shutdown, so run");

    IoWorkers two = new IoWorkers(1, "test-io", spinNanos);
    CountDownLatch hold = new CountDownLatch(1);
    CountDownLatch started = new CountDownLatch(1);
    two.execute(
        () -> {
          started.countDown();
          try {
            hold.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    assertTrue(started.await(10, TimeUnit.SECONDS));
    two.execute(() -> {});
    two.execute(() -> {});
    assertEquals(2, two.shutdownNow().size());
    hold.countDown();
    assertTrue(two.awaitTermination(10, TimeUnit.SECONDS));
  }

  /** A short sleep, so that workers find the queue empty and spin or park. */
  private static final class LockSupportPause {
    static void pause() {
      java.util.concurrent.locks.LockSupport.parkNanos(300_000);
    }
  }
}
