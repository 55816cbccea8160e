package io.weft.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reading a namespace's target times out of the text exposition format. */
class TargetTimesTest {
  static final String NQN = "nqn.2026-12.io.weft:v";

  static String exposition(long reads, double readSum, long writes, double writeSum) {
    return String.join(
        "\n",
        "# HELP weft_io_latency_seconds Target time",
        "# TYPE weft_io_latency_seconds histogram",
        "weft_io_latency_seconds_bucket{le=\"+Inf\",nsid=\"1\",op=\"read\",size=\"4KiB\",subsystem=\""
            + NQN
            + "\"} "
            + reads,
        "weft_io_latency_seconds_count{nsid=\"1\",op=\"read\",size=\"4KiB\",subsystem=\""
            + NQN
            + "\"} "
            + reads,
        "weft_io_latency_seconds_sum{nsid=\"1\",op=\"read\",size=\"4KiB\",subsystem=\""
            + NQN
            + "\"} "
            + readSum,
        "weft_io_latency_seconds_count{nsid=\"1\",op=\"write\",size=\"128KiB\",subsystem=\""
            + NQN
            + "\"} "
            + writes,
        "weft_io_latency_seconds_sum{nsid=\"1\",op=\"write\",size=\"128KiB\",subsystem=\""
            + NQN
            + "\"} "
            + writeSum,
        // Another namespace and another subsystem: not counted.
        "weft_io_latency_seconds_count{nsid=\"2\",op=\"read\",size=\"4KiB\",subsystem=\""
            + NQN
            + "\"} 999",
        "weft_io_latency_seconds_count{nsid=\"1\",op=\"read\",size=\"4KiB\",subsystem=\"other\"} 999",
        "weft_io_phase_seconds_sum{nsid=\"1\",op=\"read\",phase=\"backend\",size=\"4KiB\",subsystem=\""
            + NQN
            + "\"} "
            + readSum / 2,
        "weft_io_phase_seconds_count{nsid=\"1\",op=\"read\",phase=\"backend\",size=\"4KiB\",subsystem=\""
            + NQN
            + "\"} "
            + reads,
        "weft_io_phase_seconds_count{nsid=\"1\",op=\"read\",phase=\"receive\",size=\"4KiB\",subsystem=\""
            + NQN
            + "\"} "
            + reads,
        "weft_io_phase_seconds_sum{nsid=\"1\",op=\"read\",phase=\"receive\",size=\"4KiB\",subsystem=\""
            + NQN
            + "\"} "
            + readSum / 2,
        "");
  }

  @Test
  void addsEveryClassOfTheNamespaceAndNothingElse() {
    TargetTimes t = TargetTimes.parse(exposition(100, 0.002, 50, 0.05), NQN, 1);
    assertEquals(150, t.commands());
    assertEquals(0.052, t.totalSeconds(), 1e-12);
    assertEquals(0.001, t.phaseSeconds()[0], 1e-12);
    assertEquals(0.001, t.phaseSeconds()[1], 1e-12);
    assertEquals(0, t.phaseSeconds()[2]);
    assertEquals(100, t.phaseCommands()[0]);
    assertEquals(0, t.phaseCommands()[2]);
  }

  @Test
  void twoReadingsGiveTheRunsMeansAndTheRestIsFabricAndHost() {
    TargetTimes before = TargetTimes.parse(exposition(100, 0.001, 0, 0), NQN, 1);
    TargetTimes after = TargetTimes.parse(exposition(1100, 0.011, 0, 0), NQN, 1);
    TargetTimes.Breakdown b = after.since(before).breakdown(25.0);
    assertEquals(1000, b.targetCommands());
    assertEquals(10.0, b.targetUs(), 1e-9);
    assertEquals(5.0, b.receiveUs(), 1e-9);
    assertEquals(5.0, b.backendUs(), 1e-9);
    assertEquals(15.0, b.fabricAndHostUs(), 1e-9);
  }

  @Test
  void labelValuesKeepTheirEscapes() {
    assertEquals(
        Map.of("a", "x\"y", "b", "back\\slash", "c", "line\nbreak"),
        TargetTimes.labels("a=\"x\\\"y\",b=\"back\\\\slash\",c=\"line\\nbreak\""));
    assertThrows(IllegalArgumentException.class, () -> TargetTimes.labels("a=\"open"));
    assertThrows(IllegalArgumentException.class, () -> TargetTimes.labels("a=x"));
  }
}
