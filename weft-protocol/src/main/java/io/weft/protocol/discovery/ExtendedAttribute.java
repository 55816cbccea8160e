package io.weft.protocol.discovery;

import java.util.Arrays;

/**
 * One extended attribute of a TP8010 entry (in Discovery Information Management data and in
 * extended discovery log entries): EXATTYPE (2 bytes), EXATLEN (2 bytes, the value's length, a
 * multiple of 4), then the value.
 */
public record ExtendedAttribute(int type, byte[] value) {
  public static final int EXATTYPE = 0;
  public static final int EXATLEN = 2;
  public static final int EXATVAL = 4;

  /** The host's 16-byte Host Identifier, as in the Connect data. */
  public static final int HOST_ID = 1;

  /** A symbolic name (an administrative label, ASCII). */
  public static final int SYMBOLIC_NAME = 2;

  public ExtendedAttribute {
    value = value.clone();
  }

  /** Bytes on the wire: the 4-byte header and the value padded to a multiple of 4. */
  public int wireSize() {
    return EXATVAL + paddedLength(value.length);
  }

  static int paddedLength(int length) {
    return (length + 3) & ~3;
  }

  @Override
  public byte[] value() {
    return value.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ExtendedAttribute a && a.type == type && Arrays.equals(a.value, value);
  }

  @Override
  public int hashCode() {
    return type * 31 + Arrays.hashCode(value);
  }

  @Override
  public String toString() {
    return "ExtendedAttribute[type=" + type + ", " + value.length + " bytes]";
  }
}
