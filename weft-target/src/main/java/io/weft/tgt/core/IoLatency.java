package io.weft.tgt.core;

/**
 * Where one subsystem's I/O latencies go: the metrics endpoint's histograms, or nowhere. Called on
 * the event loop or I/O worker that finishes each command, so an implementation must not block or
 * allocate.
 */
public interface IoLatency {
  IoLatency NONE = (opcode, nanos) -> {};

  /**
   * Whether commands are timed at all: {@code -Dweft.metrics.latency=false} turns the clock reads
   * and the histograms off (bench/metrics-cost measures what they cost that way).
   */
  boolean TIMED = !"false".equals(System.getProperty("weft.metrics.latency"));

  /**
   * An NVM command of {@code opcode} took {@code nanos} from its capsule to its backend's answer.
   */
  void record(int opcode, long nanos);

  /** Binds subsystems to where their latencies go, as they come and go. */
  interface Binding {
    IoLatency bind(String subsystemNqn);

    void unbind(String subsystemNqn);
  }
}
