package io.weft.cli;

/** {@code -o normal|json}. */
enum OutputFormat {
  normal,
  json
}
