package io.weft.protocol.fabrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Fixed-width fields overwrite whatever the buffer held: value, then padding to the width. */
class StringsTest {
  private static byte[] field(String value, int width, byte pad) {
    ByteBuf b = Unpooled.buffer(width + 2).writeBytes(filled(width + 2, (byte) 0x5A));
    Strings.writePadded(b, 1, width, value, pad);
    assertEquals(0x5A, b.getByte(0), "the byte before the field is untouched");
    assertEquals(0x5A, b.getByte(width + 1), "the byte after the field is untouched");
    byte[] out = new byte[width];
    b.getBytes(1, out);
    return out;
  }

  private static byte[] filled(int n, byte value) {
    byte[] a = new byte[n];
    Arrays.fill(a, value);
    return a;
  }

  @Test
  void nulPaddingClearsTheRestOfTheField() {
    byte[] expected = new byte[256];
    byte[] nqn = "nqn.2014-08.org.example:a".getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(nqn, 0, expected, 0, nqn.length);
    assertArrayEquals(expected, field("nqn.2014-08.org.example:a", 256, (byte) 0));
  }

  @Test
  void spacePaddingAndTruncation() {
    assertArrayEquals("WEFT    ".getBytes(StandardCharsets.US_ASCII), field("WEFT", 8, (byte) ' '));
    assertArrayEquals("0123".getBytes(StandardCharsets.US_ASCII), field("0123456789", 4, (byte) 0));
    assertArrayEquals(new byte[3], field("", 3, (byte) 0));
  }
}
