package io.weft.tgt.qos;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * What a volume is for, which decides who yields under contention. A latency-critical volume never
 * yields; a throughput volume yields to latency-critical ones; a best-effort volume yields to both.
 * To yield is to be held to one's floor ({@link QosPolicy#minIops}, {@link
 * QosPolicy#minBytesPerSecond}) while a volume of a class above is busy.
 */
public enum WorkloadClass {
  LATENCY_CRITICAL("latency-critical", 0, 0),
  THROUGHPUT("throughput", 4_000, 200L << 20),
  BEST_EFFORT("best-effort", 500, 20L << 20);

  private final String label;
  private final long defaultMinIops;
  private final long defaultMinBytesPerSecond;

  WorkloadClass(String label, long defaultMinIops, long defaultMinBytesPerSecond) {
    this.label = label;
    this.defaultMinIops = defaultMinIops;
    this.defaultMinBytesPerSecond = defaultMinBytesPerSecond;
  }

  /** The name users write: {@code latency-critical}, {@code throughput}, {@code best-effort}. */
  @JsonValue
  public String label() {
    return label;
  }

  /** The floor a volume of this class keeps while it yields, when its policy names none. */
  long defaultMinIops() {
    return defaultMinIops;
  }

  long defaultMinBytesPerSecond() {
    return defaultMinBytesPerSecond;
  }

  /** Whether this class gives way to a busy volume of {@code other}. */
  public boolean yieldsTo(WorkloadClass other) {
    return other.ordinal() < ordinal();
  }

  @JsonCreator
  public static WorkloadClass parse(String label) {
    for (WorkloadClass c : values()) {
      if (c.label.equals(label)) {
        return c;
      }
    }
    throw new IllegalArgumentException(
        "unknown workload class '"
            + label
            + "' (one of "
            + Arrays.stream(values()).map(WorkloadClass::label).collect(Collectors.joining(", "))
            + ")");
  }

  @Override
  public String toString() {
    return label;
  }
}
