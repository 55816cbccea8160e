package io.weft.tgt.core;

/**
 * Where one subsystem's I/O latencies go: the metrics endpoint's histograms, or nowhere. Called on
 * the event loop or I/O worker that finishes each command, so an implementation must not block or
 * allocate.
 */
public interface IoLatency {
  IoLatency NONE = (opcode, nanos) -> {};

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
