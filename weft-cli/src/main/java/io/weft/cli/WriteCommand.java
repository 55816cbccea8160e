package io.weft.cli;

import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code weft write}: a file or stdin to blocks of a namespace. */
@Command(
    name = "write",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "Write blocks of a namespace from a file or stdin.",
      "As nvme write does; their old data is lost. Transfers above the",
      "controller's maximum (MDTS) are split into several commands. Less input",
      "than the transfer size is an error, and then nothing is written.",
      ""
    })
final class WriteCommand extends BlockIoCommand {
  @Option(
      names = {"-d", "--data"},
      paramLabel = "FILE",
      description = "Input file. Default (or -): stdin.")
  Path data;

  @Override
  boolean writes() {
    return true;
  }

  @Override
  Path dataFile() {
    return fileOrNull(data);
  }
}
