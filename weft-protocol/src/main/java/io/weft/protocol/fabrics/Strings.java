package io.weft.protocol.fabrics;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/** Fixed-width string fields: NUL-terminated NQNs and space-padded ASCII identity fields. */
public final class Strings {
  private Strings() {}

  /** Reads up to {@code max} bytes, stopping at the first NUL. */
  public static String readNulTerminated(ByteBuf b, int index, int max) {
    int end = index;
    int limit = index + max;
    while (end < limit && b.getByte(end) != 0) {
      end++;
    }
    return b.toString(index, end - index, StandardCharsets.UTF_8);
  }

  /** Reads a space- or NUL-padded field and trims the padding. */
  public static String readPadded(ByteBuf b, int index, int width) {
    return b.toString(index, width, StandardCharsets.US_ASCII).replace('\0', ' ').strip();
  }

  /**
   * Writes {@code value} at {@code index}, truncated to {@code width} bytes and padded with {@code
   * pad}.
   */
  public static void writePadded(ByteBuf b, int index, int width, String value, byte pad) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    int n = Math.min(bytes.length, width);
    b.setBytes(index, bytes, 0, n);
    if (pad == 0) {
      // One bulk fill: NQN and address fields are mostly padding, and a discovery log page writes
      // three of them per entry (byte by byte this was most of a boot storm's CPU time).
      b.setZero(index + n, width - n);
      return;
    }
    for (int i = n; i < width; i++) {
      b.setByte(index + i, pad);
    }
  }
}
