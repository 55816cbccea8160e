package io.weft.cli;

import java.util.Locale;

/**
 * Byte sizes for people. Parsing is {@link io.weft.block.BlockDevices#parseSize}, so the CLI, the
 * config file and the block layer read {@code 512M} the same way.
 */
public final class Sizes {
  private static final String UNITS = "KMGTPE";

  private Sizes() {}

  /**
   * {@code 512 B}, {@code 1 GiB}, {@code 1.5 GiB}: exact where the unit divides, else 1 decimal.
   */
  public static String format(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    int unit = (63 - Long.numberOfLeadingZeros(bytes)) / 10;
    long scale = 1L << (10 * unit);
    String suffix = " " + UNITS.charAt(unit - 1) + "iB";
    if (bytes % scale == 0) {
      return bytes / scale + suffix;
    }
    return String.format(Locale.ROOT, "%.1f%s", (double) bytes / scale, suffix);
  }
}
