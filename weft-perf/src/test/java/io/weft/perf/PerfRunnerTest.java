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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every workload runs against a real target and counts I/Os, latencies and progress ticks. */
class PerfRunnerTest {
  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(Workload.class)
  void workloadRunsAndReports(Workload w) throws Exception {
    String nqn = "nqn.2026-11.io.weft.test:perf";
    try (Target t =
            Target.start(
                new TargetConfig(
                    dir,
                    List.of(ListenerConfig.of("127.0.0.1", 0)),
                    List.of(
                        new SubsystemConfig(
                            nqn,
                            null,
                            null,
                            null,
                            List.of(),
                            List.of(NamespaceConfig.memory(1, 32 << 20)))),
                    null,
                    TuningConfig.defaults().withSpinNanos(0)));
        HostController c =
            HostController.connect(
                ConnectOptions.defaults("127.0.0.1", t.listenAddresses().get(0).getPort(), nqn)
                    .withHost(
                        "nqn.2014-08.org.nvmexpress:uuid:" + UUID.randomUUID(), UUID.randomUUID())
                    .withQueues(2, 64))) {
      List<Integer> ticks = new ArrayList<>();
      PerfResult r =
          PerfRunner.run(
              c,
              new PerfOptions(w, 4096, 4, 2, 1, 1, 70, 1, 0, 42),
              (s, warm, iops, mib, lat, p50, p99) -> {
                ticks.add(s);
                // Each second's own percentiles: ordered, and around its mean.
                assertTrue(iops > 0 && p50 > 0 && p50 <= p99, p50 + " " + p99);
              });
      assertEquals(List.of(1, 2), ticks);
      assertEquals(0, r.errors());
      assertTrue(r.ios() > 0, r.human());
      assertTrue(
          r.latMinUs() > 0 && r.latMinUs() <= r.latP50Us() && r.latP50Us() <= r.latMaxUs(),
          r.human());
      assertEquals(r.ios() / r.seconds(), r.iops(), 1e-6);
      // The process's CPU over the measured second (target included, in this test): some, never
      // more than the machine has, and the per-core rate follows from it.
      assertTrue(
          r.cpuCores() > 0 && r.cpuCores() <= Runtime.getRuntime().availableProcessors() + 0.5,
          r.human());
      assertEquals(r.iops() / r.cpuCores(), r.iopsPerCore(), 1e-6);
    }
  }
}
