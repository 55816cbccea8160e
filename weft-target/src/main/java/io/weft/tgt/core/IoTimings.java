package io.weft.tgt.core;

import io.weft.protocol.nvme.Opcodes;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One namespace's I/O latency, taken apart: for each I/O class (operation and transfer size) a
 * histogram of the target's whole time per command and one of each phase of it.
 *
 * <p>Every command that reaches its device is timed from the read that brought its capsule ({@code
 * received}: one clock read per read batch, shared by the capsules in it) to its response handed to
 * the connection ({@code responded}). One command in {@link #phaseSample()} per queue (8 unless
 * {@code -Dweft.metrics.phaseSample=N}; 1 times every command) is also stamped when its data is in
 * and the backend called ({@code submitted}) and at the backend's answer ({@code answered}), and
 * taken apart into phases:
 *
 * <ul>
 *   <li>{@code receive}: waiting for the data of a write (the R2T and H2CData round trip; zero for
 *       reads and in-capsule writes). Weft has no dispatch queue: a command runs on the loop that
 *       decoded it as soon as its data is in, so dispatch and backend submit are one stamp.
 *   <li>{@code backend}: the device's time, including a file backend's worker queue.
 *   <li>{@code respond}: from the answer to the response written: the hop back to the queue's loop
 *       (file backends), encoding and digests.
 * </ul>
 *
 * A sampled command's phases partition its total exactly, so with a sample of 1 the phase sums add
 * up to the total's sum; with a sample of N the phase means estimate a share of the mean from one
 * command in N. What the host sees beyond the total is fabric and host time; {@code weft perf
 * --target-metrics} prints that difference.
 *
 * <p>Why sampled: at 600K commands a second on one core a command has 1.7 µs, and a clock read
 * costs 17 ns here; four reads for every command cost more than the 2% of IOPS the metrics may. Per
 * command this costs one clock read, a share of one per read batch, and a few plain increments into
 * arrays that only the recording loop writes. Each event loop records into its own set of
 * histograms (made the first time it records an I/O class, then kept), so loops never share a cache
 * line and no increment needs to be atomic; a scrape adds the loops' sets together. {@code
 * -Dweft.metrics.latency=false} turns the clock reads and histograms off (bench/metrics-cost
 * measures what they cost).
 */
public final class IoTimings {
  /** Whether commands are timed at all. */
  public static final boolean ENABLED = !"false".equals(System.getProperty("weft.metrics.latency"));

  public static final String[] OPERATIONS = {"read", "write", "flush", "other"};

  /** Transfer size classes, by their upper bound (bytes moved over the fabric). */
  public static final String[] SIZES = {"4KiB", "16KiB", "64KiB", "128KiB", "larger"};

  private static final int[] SIZE_BOUNDS = {4 << 10, 16 << 10, 64 << 10, 128 << 10};

  public static final String[] PHASES = {"receive", "backend", "respond"};

  /**
   * Bucket upper bounds in nanoseconds (a last bucket, +Inf, follows): from 250 ns, where a memory
   * backend's and the respond phase's times fall, to 2.5 s, a stalled device.
   */
  public static final long[] BOUNDS_NANOS = {
    250,
    500,
    1_000,
    2_500,
    5_000,
    10_000,
    25_000,
    50_000,
    100_000,
    250_000,
    500_000,
    1_000_000,
    2_500_000,
    5_000_000,
    10_000_000,
    25_000_000,
    50_000_000,
    100_000_000,
    250_000_000,
    500_000_000,
    1_000_000_000,
    2_500_000_000L
  };

  public static final int BUCKETS = BOUNDS_NANOS.length + 1;

  /**
   * One I/O class' histograms in one array: the total's buckets, each phase's buckets, each phase's
   * sum in nanoseconds, then the total's sum.
   */
  static final int CELL_LONGS = (1 + PHASES.length) * BUCKETS + PHASES.length + 1;

  private static final int TOTAL_SUM = CELL_LONGS - 1;

  private static volatile int phaseSample =
      Math.max(1, Integer.getInteger("weft.metrics.phaseSample", 8));

  /** One command in this many per queue is taken apart into phases. */
  public static int phaseSample() {
    return phaseSample;
  }

  /** Sets {@link #phaseSample()} for queues connected from now on (tests: 1, every command). */
  public static void phaseSample(int every) {
    phaseSample = Math.max(1, every);
  }

  private static final int CLASSES = OPERATIONS.length * SIZES.length;
  private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
  private static final AtomicInteger NEXT_LOOP = new AtomicInteger();
  private static final ThreadLocal<Integer> LOOP_INDEX =
      ThreadLocal.withInitial(NEXT_LOOP::getAndIncrement);

  /** Indexed by loop, then by I/O class; grown (copied) when a new loop first records. */
  private volatile long[][][] byLoop = new long[0][][];

  /**
   * This thread's index among the threads that record: a queue asks once, on its loop, and keeps
   * it, since a connection never changes loops.
   */
  public static int loopIndex() {
    return LOOP_INDEX.get();
  }

  /**
   * Records one command. Only the thread whose {@link #loopIndex} is {@code loop} may call this
   * with that index; it does not allocate once the loop has recorded this class before.
   */
  public void record(
      int loop,
      int opcode,
      int bytes,
      long received,
      long submitted,
      long answered,
      long responded) {
    long[] cell = cell(loop, ioClass(opcode, bytes));
    total(cell, responded - received);
    phase(cell, 0, submitted - received);
    phase(cell, 1, answered - submitted);
    phase(cell, 2, responded - answered);
  }

  /** Records a command's total only (one not sampled for its phases). */
  public void record(int loop, int opcode, int bytes, long received, long responded) {
    total(cell(loop, ioClass(opcode, bytes)), responded - received);
  }

  private static void total(long[] cell, long nanos) {
    long n = Math.max(0, nanos);
    add(cell, bucket(n), 1);
    add(cell, TOTAL_SUM, n);
  }

  private static void phase(long[] cell, int phase, long nanos) {
    long n = Math.max(0, nanos);
    add(cell, (1 + phase) * BUCKETS + bucket(n), 1);
    add(cell, (1 + PHASES.length) * BUCKETS + phase, n);
  }

  /** A single writer's increment, readable by a scrape on another thread without tearing. */
  private static void add(long[] a, int i, long delta) {
    LONGS.setOpaque(a, i, (long) LONGS.getOpaque(a, i) + delta);
  }

  static int ioClass(int opcode, int bytes) {
    int op =
        switch (opcode) {
          case Opcodes.NVM_READ -> 0;
          case Opcodes.NVM_WRITE -> 1;
          case Opcodes.NVM_FLUSH -> 2;
          default -> 3;
        };
    int size = SIZE_BOUNDS.length;
    for (int i = 0; i < SIZE_BOUNDS.length; i++) {
      if (bytes <= SIZE_BOUNDS[i]) {
        size = i;
        break;
      }
    }
    return op * SIZES.length + size;
  }

  /**
   * For each power of two 2^k, the first bucket whose bound is at least 2^k: a value in [2^k,
   * 2^(k+1)) is in that bucket or one or two after it (bounds grow by 2 or 2.5 per bucket).
   */
  private static final byte[] FIRST_BUCKET_OF_POWER = firstBucketOfPower();

  private static byte[] firstBucketOfPower() {
    byte[] t = new byte[64];
    for (int k = 0; k < 64; k++) {
      long low = 1L << k;
      int b = 0;
      while (b < BOUNDS_NANOS.length && BOUNDS_NANOS[b] < low) {
        b++;
      }
      t[k] = (byte) b;
    }
    return t;
  }

  /**
   * The bucket of {@code nanos}: the first whose bound is not below it. A table look-up by the
   * value's highest bit and at most two comparisons, rather than a binary search whose branches the
   * processor cannot predict.
   */
  static int bucket(long nanos) {
    if (nanos <= 0) {
      return 0;
    }
    int b = FIRST_BUCKET_OF_POWER[63 - Long.numberOfLeadingZeros(nanos)];
    while (b < BOUNDS_NANOS.length && BOUNDS_NANOS[b] < nanos) {
      b++;
    }
    return b;
  }

  private long[] cell(int loop, int ioClass) {
    long[][][] loops = byLoop;
    if (loop < loops.length) {
      long[][] classes = loops[loop];
      if (classes != null && classes[ioClass] != null) {
        return classes[ioClass];
      }
    }
    return newCell(loop, ioClass);
  }

  /** The first record of a class on a loop: the one allocation, under the lock growers share. */
  private synchronized long[] newCell(int loop, int ioClass) {
    long[][][] loops = byLoop;
    if (loop >= loops.length) {
      long[][][] grown = new long[loop + 1][][];
      System.arraycopy(loops, 0, grown, 0, loops.length);
      loops = grown;
    }
    if (loops[loop] == null) {
      loops[loop] = new long[CLASSES][];
    }
    if (loops[loop][ioClass] == null) {
      loops[loop][ioClass] = new long[CELL_LONGS];
    }
    byLoop = loops; // publishes the new arrays to scrapes and to this loop's next record
    return loops[loop][ioClass];
  }

  /** One I/O class' histograms, added over every loop. */
  public record ClassSnapshot(
      String operation, String size, long[][] buckets, long[] phaseSums, long totalSumNanos) {
    /** The total's buckets (not cumulative). */
    public long[] totalBuckets() {
      return buckets[0];
    }

    /** A phase's buckets (not cumulative). */
    public long[] phaseBuckets(int phase) {
      return buckets[1 + phase];
    }
  }

  /** Every I/O class that has seen a command, added over the loops. */
  public java.util.List<ClassSnapshot> snapshot() {
    long[][][] loops = byLoop;
    java.util.List<ClassSnapshot> out = new java.util.ArrayList<>();
    for (int c = 0; c < CLASSES; c++) {
      long[] sum = null;
      for (long[][] classes : loops) {
        long[] cell = classes == null ? null : classes[c];
        if (cell == null) {
          continue;
        }
        if (sum == null) {
          sum = new long[CELL_LONGS];
        }
        for (int i = 0; i < CELL_LONGS; i++) {
          sum[i] += (long) LONGS.getOpaque(cell, i);
        }
      }
      if (sum == null) {
        continue;
      }
      long[][] buckets = new long[1 + PHASES.length][];
      for (int h = 0; h < buckets.length; h++) {
        buckets[h] = java.util.Arrays.copyOfRange(sum, h * BUCKETS, (h + 1) * BUCKETS);
      }
      long[] sums =
          java.util.Arrays.copyOfRange(
              sum, (1 + PHASES.length) * BUCKETS, (1 + PHASES.length) * BUCKETS + PHASES.length);
      out.add(
          new ClassSnapshot(
              OPERATIONS[c / SIZES.length],
              SIZES[c % SIZES.length],
              buckets,
              sums,
              sum[TOTAL_SUM]));
    }
    return out;
  }
}
