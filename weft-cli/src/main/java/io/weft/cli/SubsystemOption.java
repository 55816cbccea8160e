package io.weft.cli;

import picocli.CommandLine.Option;

/** {@code --nqn}: the subsystem a host command connects to (all but discover need one). */
final class SubsystemOption {
  @Option(names = "--nqn", paramLabel = "NQN", required = true, description = "Subsystem NQN.")
  String nqn;
}
