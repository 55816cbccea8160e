package io.weft.block;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Reusable direct buffers whose address and size are multiples of an alignment, for the I/O that
 * cannot go straight to the caller's buffer (O_DIRECT with a misaligned or fragmented buffer). The
 * pool grows to the number of such I/Os in flight at once and keeps the buffers.
 */
final class AlignedBufferPool {
  private final int alignment;
  private final int bufferSize;
  private final ConcurrentLinkedQueue<ByteBuffer> free = new ConcurrentLinkedQueue<>();

  /**
   * @param alignment a power of two
   * @param minBufferSize rounded up to a multiple of {@code alignment}
   */
  AlignedBufferPool(int alignment, int minBufferSize) {
    this.alignment = alignment;
    this.bufferSize = Math.ceilDiv(minBufferSize, alignment) * alignment;
  }

  /** Size of every buffer handed out; a multiple of the alignment. */
  int bufferSize() {
    return bufferSize;
  }

  /** A cleared buffer of {@link #bufferSize()} bytes; give it back with {@link #release}. */
  ByteBuffer acquire() {
    ByteBuffer buffer = free.poll();
    if (buffer == null) {
      buffer = ByteBuffer.allocateDirect(bufferSize + alignment).alignedSlice(alignment);
    }
    // The aligned slice may be a little larger than asked; hand out exactly bufferSize bytes.
    return buffer.clear().limit(bufferSize);
  }

  void release(ByteBuffer buffer) {
    free.offer(buffer);
  }
}
