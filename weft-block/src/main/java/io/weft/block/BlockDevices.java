package io.weft.block;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Executor;

/**
 * Creates block devices from backend specifications and parses sizes, for configuration files and
 * command lines.
 *
 * <p>Specifications:
 *
 * <ul>
 *   <li>{@code mem:SIZE} - a {@link MemoryBlockDevice}, e.g. {@code mem:1G}
 *   <li>{@code file:PATH[?size=SIZE][&direct=true|false]} - a {@link FileBlockDevice}, e.g. {@code
 *       file:/var/lib/weft/ns1.img?size=100G&direct=true}. {@code file:///PATH} is accepted too.
 *       The size may be left out for an existing file, which then keeps its current size. The path
 *       is taken literally (no percent-decoding) and must not contain '?'.
 * </ul>
 *
 * <p>Sizes are whole numbers of bytes with an optional binary unit: {@code 4096}, {@code 64K},
 * {@code 512M}, {@code 1G}, {@code 2T} (K = 1024); the unit is case-insensitive and may be followed
 * by {@code iB} ({@code 1GiB}).
 */
public final class BlockDevices {
  private BlockDevices() {}

  private static final String SIZE_HELP =
      "expected a whole number of bytes with an optional unit K, M, G or T (powers of 1024),"
          + " e.g. 4096, 512M, 1G";

  /**
   * Opens the device a specification describes.
   *
   * @param ioExecutor runs the blocking work of file devices; memory devices do not use it
   * @throws IllegalArgumentException if the specification is malformed
   * @throws IOException if a file device cannot be opened
   */
  public static BlockDevice open(String spec, Executor ioExecutor) throws IOException {
    if (spec == null || spec.isBlank()) {
      throw new IllegalArgumentException("empty block device specification");
    }
    String trimmed = spec.strip();
    if (trimmed.startsWith("mem:")) {
      return new MemoryBlockDevice(parseSize(trimmed.substring("mem:".length())));
    }
    if (trimmed.startsWith("file:")) {
      return openFile(trimmed, ioExecutor);
    }
    throw new IllegalArgumentException(
        "unknown block device \"" + spec + "\": expected mem:SIZE or file:PATH?size=SIZE");
  }

  /**
   * Parses a size such as {@code 4096}, {@code 512M} or {@code 1G} into bytes.
   *
   * @throws IllegalArgumentException if the text is not a size, is zero, or does not fit a long
   */
  public static long parseSize(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("empty size: " + SIZE_HELP);
    }
    String s = text.strip();
    String upper = s.toUpperCase(Locale.ROOT);
    if (upper.endsWith("IB")) {
      upper = upper.substring(0, upper.length() - 2);
      if (upper.isEmpty() || Character.isDigit(upper.charAt(upper.length() - 1))) {
        throw new IllegalArgumentException("invalid size \"" + s + "\": " + SIZE_HELP);
      }
    }
    int shift = 0;
    if (!upper.isEmpty() && !Character.isDigit(upper.charAt(upper.length() - 1))) {
      shift =
          switch (upper.charAt(upper.length() - 1)) {
            case 'K' -> 10;
            case 'M' -> 20;
            case 'G' -> 30;
            case 'T' -> 40;
            default ->
                throw new IllegalArgumentException("invalid size \"" + s + "\": " + SIZE_HELP);
          };
      upper = upper.substring(0, upper.length() - 1);
    }
    if (upper.isEmpty() || !upper.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new IllegalArgumentException("invalid size \"" + s + "\": " + SIZE_HELP);
    }
    long number;
    try {
      number = Long.parseLong(upper);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("size \"" + s + "\" is too large", e);
    }
    if (number == 0) {
      throw new IllegalArgumentException("size must be positive: \"" + s + "\"");
    }
    if (number > (Long.MAX_VALUE >> shift)) {
      throw new IllegalArgumentException("size \"" + s + "\" is too large");
    }
    return number << shift;
  }

  private static BlockDevice openFile(String spec, Executor ioExecutor) throws IOException {
    String rest = spec.substring("file:".length());
    if (rest.startsWith("//")) {
      rest = rest.substring(2);
    }
    int query = rest.indexOf('?');
    String file = query < 0 ? rest : rest.substring(0, query);
    if (file.isEmpty()) {
      throw new IllegalArgumentException("no path in \"" + spec + "\"");
    }
    Long size = null;
    boolean direct = false;
    if (query >= 0) {
      for (String param : rest.substring(query + 1).split("&", -1)) {
        int eq = param.indexOf('=');
        if (eq <= 0) {
          throw new IllegalArgumentException(
              "malformed parameter \"" + param + "\" in \"" + spec + "\": expected name=value");
        }
        String name = param.substring(0, eq);
        String value = param.substring(eq + 1);
        switch (name) {
          case "size" -> size = parseSize(value);
          case "direct" -> direct = parseBoolean(name, value, spec);
          default ->
              throw new IllegalArgumentException(
                  "unknown parameter \"" + name + "\" in \"" + spec + "\": expected size, direct");
        }
      }
    }
    Path path = Path.of(file);
    if (size == null) {
      if (!Files.isRegularFile(path)) {
        throw new IllegalArgumentException(
            "\"" + spec + "\" needs ?size=SIZE because " + path + " does not exist yet");
      }
      size = Files.size(path);
    }
    return FileBlockDevice.open(path, size, direct, ioExecutor);
  }

  private static boolean parseBoolean(String name, String value, String spec) {
    return switch (value) {
      case "true" -> true;
      case "false" -> false;
      default ->
          throw new IllegalArgumentException(
              name + " must be true or false, not \"" + value + "\" in \"" + spec + "\"");
    };
  }
}
