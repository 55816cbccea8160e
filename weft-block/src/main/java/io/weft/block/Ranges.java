package io.weft.block;

import io.netty.buffer.ByteBuf;

/** Argument checks shared by the backends. */
final class Ranges {
  private Ranges() {}

  /**
   * Whether {@code [offset, offset + length)} lies inside a device of {@code size} bytes. Written
   * as {@code offset <= size - length} so that a huge offset or length cannot overflow into a range
   * that looks valid.
   */
  static boolean inDevice(long offset, long length, long size) {
    return offset >= 0 && length >= 0 && length <= size && offset <= size - length;
  }

  /**
   * Rejects a buffer slice that does not fit the buffer. This is a caller bug rather than an I/O
   * outcome, so it throws instead of completing: the backends check it before doing anything so
   * that the exception reaches the caller instead of dying on a backend thread.
   */
  static void checkBuffer(ByteBuf buf, int index, int length) {
    if (buf == null) {
      throw new NullPointerException("buffer");
    }
    if (index < 0 || length < 0 || index > buf.capacity() - length) {
      throw new IndexOutOfBoundsException(
          "buffer slice index="
              + index
              + " length="
              + length
              + " does not fit capacity "
              + buf.capacity());
    }
  }

  static void checkCallback(IoCallback callback) {
    if (callback == null) {
      throw new NullPointerException("callback");
    }
  }
}
