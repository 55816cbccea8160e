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

  /**
   * A list as the list commands print it: JSON with {@code -o json}, {@code none} when it is empty,
   * else a table of one {@code row} per item.
   */
  <T> void print(
      java.io.PrintWriter out,
      AdminClient client,
      java.util.List<T> items,
      String none,
      Table table,
      java.util.function.BiConsumer<Table, T> row) {
    if (json()) {
      out.println(client.toJson(items));
    } else if (items.isEmpty()) {
      out.println(none);
    } else {
      items.forEach(item -> row.accept(table, item));
      table.print(out, "");
    }
  }
}
