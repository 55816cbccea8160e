package io.weft.cli;

import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code weft read}: blocks of a namespace to a file or stdout. */
@Command(
    name = "read",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "Read blocks of a namespace into a file or stdout.",
      "As nvme read does; transfers above the controller's maximum (MDTS) are",
      "split into several commands.",
      ""
    })
final class ReadCommand extends BlockIoCommand {
  @Option(
      names = {"-d", "--data"},
      paramLabel = "FILE",
      description = "Output file, replaced. Default (or -): stdout.")
  Path data;

  @Override
  boolean writes() {
    return false;
  }

  @Override
  Path dataFile() {
    return fileOrNull(data);
  }
}
