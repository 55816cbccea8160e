package io.weft.protocol.testing;

/**
 * Builds an expected wire image of a large, mostly-zero structure (a 1024-byte Connect data block,
 * a 4096-byte Identify page) from hex snippets placed at their spec offsets. Everything not placed
 * is expected to be zero; placing a snippet over a non-zero byte is refused, so a vector cannot
 * silently contradict itself.
 */
public final class Expected {
  private final byte[] image;
  private final boolean[] placed;

  public Expected(int size) {
    image = new byte[size];
    placed = new boolean[size];
  }

  /** Places {@code hex} (as written on the wire, byte by byte) at {@code offset}. */
  public Expected at(int offset, String hex) {
    return at(offset, Hex.bytes(hex));
  }

  public Expected at(int offset, byte[] bytes) {
    for (int i = 0; i < bytes.length; i++) {
      if (placed[offset + i]) {
        throw new IllegalStateException("byte " + (offset + i) + " placed twice");
      }
      placed[offset + i] = true;
      image[offset + i] = bytes[i];
    }
    return this;
  }

  /** ASCII text padded with {@code pad} to {@code width} bytes. */
  public Expected ascii(int offset, int width, String text, char pad) {
    byte[] b = new byte[width];
    for (int i = 0; i < width; i++) {
      b[i] = (byte) (i < text.length() ? text.charAt(i) : pad);
    }
    return at(offset, b);
  }

  public byte[] bytes() {
    return image.clone();
  }
}
