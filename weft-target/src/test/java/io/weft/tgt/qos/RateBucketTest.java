package io.weft.tgt.qos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The bucket's arithmetic on a clock the test moves: exact waits, no sleeping. */
class RateBucketTest {
  private static final long MS = 1_000_000L;
  private static final long T0 = 1_000 * MS;

  @Test
  void anIdleBucketLetsItsBurstGoAtOnceThenPacesAtItsRate() {
    // 1000 per second: one unit per ms; 10 ms of burst.
    RateBucket b = new RateBucket(1000, 10 * MS, T0);
    for (int i = 1; i <= 10; i++) {
      assertEquals(0, b.reserve(1, T0), "unit " + i + " is within the burst");
    }
    assertEquals(1 * MS, b.reserve(1, T0));
    assertEquals(2 * MS, b.reserve(1, T0));
    // later callers queue behind earlier ones, in order
    assertEquals(3 * MS, b.reserve(1, T0));
  }

  @Test
  void overAnyLongStretchAdmitsTheRateAndTheBurstAndNoMore() {
    RateBucket b = new RateBucket(2000, 10 * MS, T0);
    // A caller that asks every 0.1 ms for 5 s (ten times the rate) and goes when told.
    long admittedByEnd = 0;
    long end = T0 + 5_000 * MS;
    for (long now = T0; now < end; now += MS / 10) {
      long goesAt = now + b.reserve(1, now);
      if (goesAt < end) {
        admittedByEnd++;
      }
    }
    // 2000/s for 5 s, plus the 10 ms burst (20), give or take the unit at the edge
    assertEquals(10_000 + 20, admittedByEnd, 1);
  }

  @Test
  void idleTimeRefillsNoMoreThanTheBurst() {
    RateBucket b = new RateBucket(1000, 10 * MS, T0);
    b.reserve(50, T0);
    // an hour later: the 50 were paid long ago, but only 10 ms of credit is kept
    long later = T0 + 3_600_000 * MS;
    assertEquals(0, b.reserve(10, later));
    assertEquals(1 * MS, b.reserve(1, later));
  }

  @Test
  void costIsInUnitsSoBytesPaceByTheirSize() {
    // 1 MiB/s, 1 ms burst: a 64 KiB read costs 62.5 ms
    RateBucket b = new RateBucket(1 << 20, MS, T0);
    assertEquals(62_500_000 - MS, b.reserve(64 << 10, T0));
    assertEquals(125_000_000 - MS, b.reserve(64 << 10, T0));
  }

  @Test
  void aRateMustBePositive() {
    assertThrows(IllegalArgumentException.class, () -> new RateBucket(0, MS, T0));
  }
}
