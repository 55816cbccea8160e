package io.weft.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.host.ConnectOptions;
import io.weft.host.HostController;
import io.weft.tgt.Target;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.NamespaceConfig;
import io.weft.tgt.config.SubsystemConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import io.weft.tgt.qos.QosPolicy;
import io.weft.tgt.qos.WorkloadClass;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * QoS as a host sees it: two namespaces of one target under load at once, over real NVMe/TCP, the
 * achieved rate of each measured by the perf runner. The limits are far below what this machine
 * does unlimited (the neighbour shows how far), so a pass says the limit held, not that the machine
 * was slow.
 */
class QosAgainstWeftTargetTest {
  private static final String NQN = "nqn.2026-11.io.weft.test:qos";
  private static final int N = 2000;

  @TempDir Path dir;

  private Target start() throws Exception {
    return Target.start(
        new TargetConfig(
            dir,
            List.of(ListenerConfig.of("127.0.0.1", 0)),
            List.of(
                new SubsystemConfig(
                    NQN,
                    null,
                    null,
                    null,
                    List.of(),
                    List.of(
                        NamespaceConfig.memory(1, 64 << 20), NamespaceConfig.memory(2, 64 << 20)))),
            null,
            TuningConfig.defaults().withSpinNanos(0)));
  }

  private static HostController connect(Target t) throws Exception {
    return HostController.connect(
        ConnectOptions.defaults("127.0.0.1", t.listenAddresses().get(0).getPort(), NQN)
            .withHost("nqn.2014-08.org.nvmexpress:uuid:" + UUID.randomUUID(), UUID.randomUUID())
            .withQueues(2, 64));
  }

  /** Runs both loads at once, each on its own controller; 1 s warm-up, 3 s measured. */
  private static PerfResult[] together(Target t, PerfOptions a, PerfOptions b) throws Exception {
    try (HostController ca = connect(t);
        HostController cb = connect(t)) {
      CompletableFuture<PerfResult> ra = run(ca, a);
      CompletableFuture<PerfResult> rb = run(cb, b);
      return new PerfResult[] {ra.get(), rb.get()};
    }
  }

  private static CompletableFuture<PerfResult> run(HostController c, PerfOptions o) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return PerfRunner.run(c, o, (s, warm, iops, mib, lat, p50, p99) -> {});
          } catch (Exception e) {
            throw new RuntimeException(e);
          }
        });
  }

  private static PerfOptions load(Workload w, int nsid, int blockSize, int qd) {
    return new PerfOptions(w, blockSize, qd, 2, 3, 1, 100, nsid, 0, nsid);
  }

  private static void assertWithin5Percent(double expected, double measured, PerfResult r) {
    assertEquals(expected, measured, expected * 0.05, r.human());
  }

  @Test
  void aVolumeLimitedToNIopsStaysWithinFivePercentOfNBesideAnUnlimitedOne() throws Exception {
    try (Target t = start()) {
      t.setQos(NQN, 1, new QosPolicy(WorkloadClass.THROUGHPUT, N, N, 0, 0, 0, 0));
      PerfResult[] r =
          together(t, load(Workload.RANDREAD, 1, 4096, 16), load(Workload.RANDREAD, 2, 4096, 16));
      assertEquals(0, r[0].errors() + r[1].errors());
      assertWithin5Percent(N, r[0].iops(), r[0]);
      assertTrue(r[1].iops() > 2 * N, "the neighbour ran unlimited: " + r[1].human());
    }
  }

  @Test
  void readsAndWritesAreLimitedApart() throws Exception {
    try (Target t = start()) {
      // writes held to N/2; reads of the same namespace are not limited at all
      t.setQos(NQN, 1, new QosPolicy(WorkloadClass.THROUGHPUT, 0, N / 2, 0, 0, 0, 0));
      PerfResult[] r =
          together(t, load(Workload.RANDWRITE, 1, 4096, 16), load(Workload.RANDREAD, 1, 4096, 16));
      assertEquals(0, r[0].errors() + r[1].errors());
      assertWithin5Percent(N / 2, r[0].iops(), r[0]);
      assertTrue(r[1].iops() > 2 * N, "reads were not held by the write limit: " + r[1].human());
    }
  }

  @Test
  void aBandwidthLimitHoldsLargeReadsToItsMibPerSecond() throws Exception {
    try (Target t = start()) {
      t.setQos(NQN, 1, new QosPolicy(WorkloadClass.THROUGHPUT, 0, 0, 32L << 20, 0, 0, 0));
      PerfResult[] r =
          together(
              t, load(Workload.RANDREAD, 1, 128 << 10, 8), load(Workload.RANDREAD, 2, 4096, 8));
      assertWithin5Percent(32, r[0].mibPerSec(), r[0]);
    }
  }

  @Test
  void aBestEffortVolumeIsHeldToItsFloorWhileALatencyCriticalOneWorksAndFreedAfter()
      throws Exception {
    try (Target t = start()) {
      t.setQos(NQN, 1, QosPolicy.of(WorkloadClass.LATENCY_CRITICAL));
      t.setQos(NQN, 2, new QosPolicy(WorkloadClass.BEST_EFFORT, 0, 0, 0, 0, N / 2, 0));
      PerfResult[] both =
          together(t, load(Workload.RANDREAD, 1, 4096, 1), load(Workload.RANDREAD, 2, 4096, 16));
      assertWithin5Percent(N / 2, both[1].iops(), both[1]);
      try (HostController c = connect(t)) {
        PerfResult alone = run(c, load(Workload.RANDREAD, 2, 4096, 16)).get();
        assertTrue(alone.iops() > 2 * N, "alone it runs free: " + alone.human());
      }
    }
  }
}
