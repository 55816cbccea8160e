package io.weft.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code -n/--namespace-id}, as nvme-cli spells it: a namespace ID of at least 1, default 1. */
final class NamespaceIdOption {
  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  int nsid = 1;

  @Option(
      names = {"-n", "--namespace-id"},
      paramLabel = "NSID",
      defaultValue = "1",
      description = "Namespace. Default: ${DEFAULT-VALUE}.")
  void nsid(int value) {
    if (value < 1) {
      throw new ParameterException(
          spec.commandLine(), "--namespace-id must be at least 1, not " + value);
    }
    nsid = value;
  }
}
