package io.weft.cli;

import picocli.CommandLine.Option;

/**
 * {@code -o normal|json} of the host commands; {@code --output-format} is nvme-cli's long name,
 * {@code --output} the one the other weft commands use.
 */
final class OutputOption {
  @Option(
      names = {"-o", "--output-format", "--output"},
      paramLabel = "normal|json",
      defaultValue = "normal",
      description = "Output format. Default: ${DEFAULT-VALUE}.")
  OutputFormat format;

  boolean json() {
    return format == OutputFormat.json;
  }
}
