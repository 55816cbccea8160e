package io.weft.cli;

import io.weft.cli.config.Defaults;
import picocli.CommandLine.Option;

/** {@code --nqn} and {@code --nsid}: which namespace of which subsystem a command acts on. */
final class NamespaceRef {
  @Option(
      names = "--nqn",
      paramLabel = "NQN",
      defaultValue = Defaults.NQN,
      description = "Subsystem. Default: ${DEFAULT-VALUE}.")
  String nqn;

  @Option(names = "--nsid", paramLabel = "N", required = true, description = "Namespace ID.")
  int nsid;
}
