package io.weft.tgt.qos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Which buckets an I/O pays into, and when a class yields, on a clock the test moves. */
class NamespaceQosTest {
  private static final long MS = 1_000_000L;

  /** The test's clock starts a second ahead: after every bucket below was made (at "now"). */
  private final long t0 = System.nanoTime() + 1_000 * MS;

  /** How many of {@code n} I/Os asked for at once may go within the burst. */
  private static int atOnce(NamespaceQos q, boolean write, long bytes, int n, long now) {
    int free = 0;
    for (int i = 0; i < n; i++) {
      if (q.admit(write, bytes, now) == 0) {
        free++;
      }
    }
    return free;
  }

  @Test
  void readsAndWritesArePacedApart() {
    // 1000 reads/s and 100 writes/s: a 10 ms burst is 10 reads and 1 write
    NamespaceQos q =
        new NamespaceQos(
            new QosPolicy(WorkloadClass.THROUGHPUT, 1000, 100, 0, 0, 0, 0), new QosArbiter());
    assertEquals(10, atOnce(q, false, 4096, 50, t0));
    assertEquals(1, atOnce(q, true, 4096, 50, t0), "the reads took nothing from the writes");
  }

  @Test
  void bytesLimitPacesLargeIosHarderThanSmallOnes() {
    // 10 MiB/s of reads: 100 KiB of burst, so 25 reads of 4 KiB, 1 of 128 KiB
    QosPolicy p = new QosPolicy(WorkloadClass.THROUGHPUT, 0, 0, 10L << 20, 0, 0, 0);
    assertEquals(25, atOnce(new NamespaceQos(p, new QosArbiter()), false, 4096, 100, t0));
    NamespaceQos big = new NamespaceQos(p, new QosArbiter());
    // a 128 KiB read costs 12.5 ms: 2.5 ms over the burst, and the next one waits for both
    assertEquals(2_500_000, big.admit(false, 128 << 10, t0));
    assertEquals(15 * MS, big.admit(false, 128 << 10, t0));
  }

  @Test
  void aBestEffortVolumeYieldsToItsFloorWhileALatencyCriticalOneIsBusyAndNotAfter() {
    QosArbiter arbiter = new QosArbiter(50 * MS);
    NamespaceQos critical = new NamespaceQos(QosPolicy.of(WorkloadClass.LATENCY_CRITICAL), arbiter);
    // no ceiling of its own; floor 1000 IOPS: 10 in a 10 ms burst
    NamespaceQos bulk =
        new NamespaceQos(
            new QosPolicy(WorkloadClass.BEST_EFFORT, 0, 0, 0, 0, 1000, 1L << 40), arbiter);
    assertEquals(500, atOnce(bulk, false, 4096, 500, t0), "alone, nothing holds it back");

    assertEquals(500, atOnce(critical, false, 4096, 500, t0 + MS), "never held back");
    assertEquals(10, atOnce(bulk, false, 4096, 500, t0 + MS), "held to its floor's burst");

    long quiet = t0 + MS + 60 * MS; // the critical volume has been idle past the window
    assertEquals(500, atOnce(bulk, false, 4096, 500, quiet), "free again");
  }

  @Test
  void throughputYieldsToLatencyCriticalButNotToBestEffort() {
    QosArbiter arbiter = new QosArbiter(50 * MS);
    NamespaceQos throughput =
        new NamespaceQos(new QosPolicy(WorkloadClass.THROUGHPUT, 0, 0, 0, 0, 1000, 0), arbiter);
    new NamespaceQos(QosPolicy.of(WorkloadClass.BEST_EFFORT), arbiter).admit(false, 4096, t0);
    assertEquals(200, atOnce(throughput, false, 4096, 200, t0), "best-effort is beneath it");
    new NamespaceQos(QosPolicy.of(WorkloadClass.LATENCY_CRITICAL), arbiter).admit(false, 0, t0);
    assertEquals(10, atOnce(throughput, false, 4096, 200, t0 + MS));
  }

  @Test
  void unknownClassesAndFloorsOnLatencyCriticalAreRefused() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> WorkloadClass.parse("gold"));
    assertTrue(e.getMessage().contains("latency-critical, throughput, best-effort"));
    assertThrows(
        IllegalArgumentException.class,
        () -> new QosPolicy(WorkloadClass.LATENCY_CRITICAL, 0, 0, 0, 0, 100, 0));
    assertThrows(
        IllegalArgumentException.class,
        () -> new QosPolicy(WorkloadClass.BEST_EFFORT, -1, 0, 0, 0, 0, 0));
  }
}
