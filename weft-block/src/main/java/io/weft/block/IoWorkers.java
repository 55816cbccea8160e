package io.weft.block;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The threads that run blocking backend I/O (file reads and writes), handed over from event loops.
 * A thread that sleeps in the kernel pays about 100 µs to wake on these virtual machines, more than
 * a 4 KiB page-cache write takes; so when a worker runs out of work it spins for {@code spinNanos}
 * before it parks, and an I/O that arrives meanwhile starts at once. At most one worker spins at a
 * time: the others park, so idle workers never burn more than one core, and an idle target parks
 * them all once the spin ends. Workers are never interrupted (an interrupt would close a file
 * channel under another thread's I/O).
 */
public final class IoWorkers extends AbstractExecutorService {
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Thread> parked = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicInteger spinners = new AtomicInteger();
  private final long spinNanos;
  private final List<Thread> workers = new ArrayList<>();
  private volatile boolean shutdown;

  /**
   * @param threads how many workers (I/Os that may block at once)
   * @param name thread name prefix
   * @param spinNanos how long an idle worker looks for work before it parks; 0 parks at once
   */
  public IoWorkers(int threads, String name, long spinNanos) {
    this.spinNanos = spinNanos;
    for (int i = 0; i < threads; i++) {
      Thread t = Thread.ofPlatform().daemon().name(name + "-" + i).unstarted(this::work);
      workers.add(t);
    }
    workers.forEach(Thread::start);
  }

  @Override
  public void execute(Runnable task) {
    if (shutdown) {
      throw new RejectedExecutionException("I/O workers are shut down");
    }
    tasks.add(task);
    // A spinning worker takes a lone task; a second one waiting needs a parked worker too.
    if (queued.incrementAndGet() > 1 || spinners.get() == 0) {
      Thread t = parked.poll();
      if (t != null) {
        LockSupport.unpark(t);
      }
    }
  }

  private Runnable take() {
    Runnable r = tasks.poll();
    if (r != null) {
      queued.decrementAndGet();
    }
    return r;
  }

  private void work() {
    Thread me = Thread.currentThread();
    while (true) {
      Runnable r = take();
      if (r == null && spinNanos > 0 && !shutdown && spinners.compareAndSet(0, 1)) {
        long end = System.nanoTime() + spinNanos;
        try {
          while ((r = take()) == null && !shutdown && System.nanoTime() < end) {
            Thread.onSpinWait();
          }
        } finally {
          spinners.decrementAndGet();
        }
      }
      if (r != null) {
        run(r);
        continue;
      }
      if (shutdown) {
        return;
      }
      // Registered first, then checked: a task added after the check finds this thread parked.
      parked.add(me);
      if (tasks.isEmpty() && !shutdown) {
        LockSupport.park(this);
      }
      parked.remove(me);
    }
  }

  private static void run(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException | Error e) {
      Thread t = Thread.currentThread();
      t.getUncaughtExceptionHandler().uncaughtException(t, e);
    }
  }

  /** Stops taking tasks; the queued ones still run, then the workers end. */
  @Override
  public void shutdown() {
    shutdown = true;
    workers.forEach(LockSupport::unpark);
  }

  /** Stops taking tasks and returns the queued ones; running ones finish (no interrupt). */
  @Override
  public List<Runnable> shutdownNow() {
    shutdown = true;
    List<Runnable> left = new ArrayList<>();
    Runnable r;
    while ((r = take()) != null) {
      left.add(r);
    }
    workers.forEach(LockSupport::unpark);
    return left;
  }

  @Override
  public boolean isShutdown() {
    return shutdown;
  }

  @Override
  public boolean isTerminated() {
    return shutdown && workers.stream().noneMatch(Thread::isAlive);
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    for (Thread t : workers) {
      long left = deadline - System.nanoTime();
      if (left <= 0 || !t.join(java.time.Duration.ofNanos(left))) {
        return false;
      }
    }
    return true;
  }
}
