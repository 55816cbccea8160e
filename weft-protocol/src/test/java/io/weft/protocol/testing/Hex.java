package io.weft.protocol.testing;

import static org.junit.jupiter.api.Assertions.fail;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.util.HexFormat;

/**
 * Hex strings for expected wire bytes, and byte comparison that names the first differing offset.
 */
public final class Hex {
  private Hex() {}

  /** Parses hex digits; spaces, newlines, '_' and '|' are ignored so vectors can be grouped. */
  public static byte[] bytes(String hex) {
    StringBuilder digits = new StringBuilder(hex.length());
    for (int i = 0; i < hex.length(); i++) {
      char c = hex.charAt(i);
      if (Character.digit(c, 16) >= 0) {
        digits.append(c);
      } else if (!Character.isWhitespace(c) && c != '_' && c != '|') {
        throw new IllegalArgumentException("not hex: '" + c + "' in " + hex);
      }
    }
    if (digits.length() % 2 != 0) {
      throw new IllegalArgumentException("odd number of hex digits: " + hex);
    }
    return HexFormat.of().parseHex(digits);
  }

  public static String of(byte[] b) {
    return HexFormat.of().formatHex(b);
  }

  /** The readable bytes of {@code buf}, without moving its indexes. */
  public static byte[] readable(ByteBuf buf) {
    return ByteBufUtil.getBytes(buf, buf.readerIndex(), buf.readableBytes());
  }

  /** Fails with the first differing offset and the bytes around it. */
  public static void assertBytes(String what, byte[] expected, byte[] actual) {
    int n = Math.min(expected.length, actual.length);
    for (int i = 0; i < n; i++) {
      if (expected[i] != actual[i]) {
        fail(
            String.format(
                "%s: first difference at byte %d (0x%x): expected %02x, got %02x%n"
                    + "  expected[%d..]: %s%n  actual  [%d..]: %s",
                what,
                i,
                i,
                expected[i] & 0xFF,
                actual[i] & 0xFF,
                Math.max(0, i - 4),
                window(expected, i),
                Math.max(0, i - 4),
                window(actual, i)));
      }
    }
    if (expected.length != actual.length) {
      fail(what + ": expected " + expected.length + " bytes, got " + actual.length);
    }
  }

  private static String window(byte[] b, int at) {
    int from = Math.max(0, at - 4);
    int to = Math.min(b.length, at + 12);
    byte[] w = new byte[to - from];
    System.arraycopy(b, from, w, 0, w.length);
    return of(w);
  }
}
