package io.weft.tgt.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.weft.protocol.nvme.Opcodes;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The per-namespace histograms: buckets, classes, phases, and loops added together. */
class IoTimingsTest {
  @Test
  void aValueFallsInTheFirstBucketWhoseBoundIsNotBelowIt() {
    assertEquals(0, IoTimings.bucket(0));
    assertEquals(0, IoTimings.bucket(250));
    assertEquals(1, IoTimings.bucket(251));
    assertEquals(2, IoTimings.bucket(1_000));
    assertEquals(7, IoTimings.bucket(50_000));
    assertEquals(IoTimings.BOUNDS_NANOS.length - 1, IoTimings.bucket(2_500_000_000L));
    assertEquals(IoTimings.BOUNDS_NANOS.length, IoTimings.bucket(2_500_000_001L)); // +Inf
  }

  @Test
  void theQuickBucketAgreesWithALinearSearchEverywhere() {
    java.util.Random random = new java.util.Random(1);
    List<Long> values = new java.util.ArrayList<>();
    for (long b : IoTimings.BOUNDS_NANOS) {
      values.addAll(List.of(b - 1, b, b + 1));
    }
    for (int k = 0; k < 63; k++) {
      values.addAll(List.of(1L << k, (1L << k) - 1, (1L << k) + 1));
    }
    for (int i = 0; i < 100_000; i++) {
      values.add(random.nextLong(1L << random.nextInt(1, 40)));
    }
    values.add(Long.MAX_VALUE);
    for (long v : values) {
      int linear = 0;
      while (linear < IoTimings.BOUNDS_NANOS.length && IoTimings.BOUNDS_NANOS[linear] < v) {
        linear++;
      }
      assertEquals(linear, IoTimings.bucket(v), "bucket of " + v);
    }
  }

  @Test
  void classesAreOperationBySizeUpperBound() {
    int sizes = IoTimings.SIZES.length;
    assertEquals(0, IoTimings.ioClass(Opcodes.NVM_READ, 4096));
    assertEquals(1, IoTimings.ioClass(Opcodes.NVM_READ, 4097));
    assertEquals(3, IoTimings.ioClass(Opcodes.NVM_READ, 128 << 10));
    assertEquals(4, IoTimings.ioClass(Opcodes.NVM_READ, 1 << 20));
    assertEquals(sizes, IoTimings.ioClass(Opcodes.NVM_WRITE, 512));
    assertEquals(2 * sizes, IoTimings.ioClass(Opcodes.NVM_FLUSH, 0));
    assertEquals(3 * sizes, IoTimings.ioClass(Opcodes.NVM_WRITE_ZEROES, 0));
  }

  @Test
  void phasesPartitionTheTotalAndLoopsAddUp() {
    IoTimings t = new IoTimings();
    // Loop 0: a read of 300 ns receive, 2 us backend, 700 ns respond (3 us in all).
    t.record(0, Opcodes.NVM_READ, 4096, 1_000, 1_300, 3_300, 4_000);
    // Loop 5 (another thread's index): the same class, 30 us in all.
    t.record(5, Opcodes.NVM_READ, 4096, 0, 10_000, 20_000, 30_000);
    // A write of 64 KiB on loop 0: its own class.
    t.record(0, Opcodes.NVM_WRITE, 64 << 10, 0, 100_000, 101_000, 101_500);

    List<IoTimings.ClassSnapshot> snap = t.snapshot();
    assertEquals(2, snap.size());
    IoTimings.ClassSnapshot reads = snap.get(0);
    assertEquals("read", reads.operation());
    assertEquals("4KiB", reads.size());
    assertArrayEquals(new long[] {300 + 10_000, 2_000 + 10_000, 700 + 10_000}, reads.phaseSums());
    assertEquals(33_000, reads.totalSumNanos());
    long[] total = reads.totalBuckets();
    assertEquals(1, total[IoTimings.bucket(3_000)]);
    assertEquals(1, total[IoTimings.bucket(30_000)]);
    assertEquals(2, java.util.Arrays.stream(total).sum());
    assertEquals(1, reads.phaseBuckets(0)[IoTimings.bucket(300)]);
    assertEquals(1, reads.phaseBuckets(1)[IoTimings.bucket(10_000)]);

    IoTimings.ClassSnapshot writes = snap.get(1);
    assertEquals("write", writes.operation());
    assertEquals("64KiB", writes.size());
    assertEquals(101_500, writes.totalSumNanos());
  }

  @Test
  void aCommandNotSampledCountsInTheTotalOnly() {
    IoTimings t = new IoTimings();
    t.record(0, Opcodes.NVM_READ, 4096, 0, 300, 2_300, 3_000);
    t.record(0, Opcodes.NVM_READ, 4096, 10_000, 15_000);
    IoTimings.ClassSnapshot s = t.snapshot().get(0);
    assertEquals(2, java.util.Arrays.stream(s.totalBuckets()).sum());
    assertEquals(1, java.util.Arrays.stream(s.phaseBuckets(1)).sum());
    assertEquals(8_000, s.totalSumNanos());
    assertArrayEquals(new long[] {300, 2_000, 700}, s.phaseSums());
  }

  @Test
  void aClockThatSeemsToGoBackCountsAsZeroNotNegative() {
    IoTimings t = new IoTimings();
    t.record(0, Opcodes.NVM_READ, 4096, 1_000, 900, 2_000, 2_500);
    IoTimings.ClassSnapshot s = t.snapshot().get(0);
    assertEquals(0, s.phaseSums()[0]);
    assertEquals(1, s.phaseBuckets(0)[0]);
  }
}
