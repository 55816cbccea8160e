package io.weft.protocol.testing;

import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.Random;

/**
 * Seeded mutations of a valid message for the decoders' fuzz tests: bit flips, a length or count
 * field (one of {@code fields}) set to a small or a random value, truncation, bytes appended, one
 * byte at random. Harmful mostly, harmless sometimes: a decoder must tell which.
 */
public final class Mutations {
  private Mutations() {}

  public static byte[] mutate(Random r, byte[] seed, int[] fields) {
    byte[] d = Arrays.copyOf(seed, seed.length);
    int field = fields[r.nextInt(fields.length)];
    switch (r.nextInt(7)) {
      case 0 -> {
        for (int n = 1 + r.nextInt(4); n > 0; n--) {
          int at = r.nextInt(d.length);
          d[at] ^= (byte) (1 << r.nextInt(8));
        }
      }
      case 1 -> {
        if (field < d.length) {
          d[field] = (byte) (r.nextBoolean() ? r.nextInt(8) : r.nextInt());
        }
      }
      case 2 -> {
        if (field + 2 <= d.length) {
          Unpooled.wrappedBuffer(d)
              .setShortLE(field, r.nextBoolean() ? r.nextInt(0x1000) : r.nextInt());
        }
      }
      case 3 -> {
        if (field + 4 <= d.length) {
          Unpooled.wrappedBuffer(d)
              .setIntLE(field, r.nextBoolean() ? r.nextInt(4096) : r.nextInt());
        }
      }
      case 4 -> d = Arrays.copyOf(d, r.nextInt(d.length));
      case 5 -> {
        d = Arrays.copyOf(d, d.length + 1 + r.nextInt(64));
        for (int i = seed.length; i < d.length; i++) {
          d[i] = (byte) r.nextInt();
        }
      }
      default -> d[r.nextInt(d.length)] = (byte) r.nextInt();
    }
    return d;
  }
}
