package io.weft.block;

import io.netty.buffer.ByteBuf;
import java.io.IOException;

/**
 * An asynchronous byte-addressed block device: the storage behind one namespace.
 *
 * <p>Threading contract: every method may be called from any thread, concurrently; methods never
 * block the caller on storage (a backend that must block hands the work to its own threads). Each
 * call completes exactly once by invoking its {@link IoCallback} with a {@link BlockStatus} value,
 * possibly before the method returns (memory backend) or later on a backend thread (file backend).
 * Callers pass a preallocated callback object so that no allocation happens per I/O.
 *
 * <p>Offsets and lengths are in bytes; callers keep them within {@link #sizeBytes()} and aligned to
 * their logical block size. A backend still checks the range and answers {@link
 * BlockStatus#OUT_OF_RANGE} rather than touch anything outside it.
 *
 * <p>Programming errors - a null argument, a buffer slice outside the buffer, or a request a
 * backend documents as unsupported (such as unaligned I/O on a direct file) - throw from the call
 * itself and do not invoke the callback.
 */
public interface BlockDevice extends AutoCloseable {

  /** Capacity in bytes. */
  long sizeBytes();

  /**
   * Grows the device to {@code newSizeBytes} while I/O goes on: what was there stays, the new range
   * reads as zeros, and I/O within the new size is accepted once this returns. A device never
   * shrinks (data would be lost); asking for its present size changes nothing.
   *
   * @throws IOException if the backing store cannot grow (no space for the metadata, a failure)
   * @throws IllegalArgumentException if {@code newSizeBytes} is smaller, or not aligned as the
   *     device needs
   * @throws UnsupportedOperationException if this kind of device cannot grow (the default)
   */
  default void grow(long newSizeBytes) throws IOException {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot grow");
  }

  /** Bytes actually backed by storage (for thin/sparse backends), at most {@link #sizeBytes()}. */
  long usedBytes();

  /**
   * Whether completed writes may sit in a volatile cache until {@link #flush}: if true the target
   * reports a volatile write cache and hosts send Flush and FUA.
   */
  boolean volatileWriteCache();

  /**
   * Reads {@code length} bytes at {@code offset} into {@code dst} at absolute index {@code
   * dstIndex} (the buffer's indices are not moved). The buffer stays owned by the caller and must
   * stay valid until the callback runs.
   */
  void read(long offset, ByteBuf dst, int dstIndex, int length, IoCallback callback);

  /**
   * Lends the device's own memory holding {@code [offset, offset + length)}, so that a read needs
   * no copy: a retained buffer of {@code length} readable bytes that the caller releases once it
   * has sent them, or null when this device cannot lend that range (the caller then uses {@link
   * #read}). The buffer shows the data as of now and goes on showing later writes to the range:
   * callers send it at once, and as for concurrent reads and writes on a real device, a read that
   * overlaps a write in flight may see either. A range the device cannot serve (out of range,
   * closed) gives null too, and {@link #read} then reports the error. The default lends nothing.
   */
  default ByteBuf lend(long offset, int length) {
    return null;
  }

  /**
   * Writes {@code length} bytes from {@code src} at absolute index {@code srcIndex} to {@code
   * offset}. With {@code fua} the data is on stable storage before the callback runs.
   */
  void write(long offset, ByteBuf src, int srcIndex, int length, boolean fua, IoCallback callback);

  /** Makes every completed write durable, then calls back. */
  void flush(IoCallback callback);

  /** Makes the range read as zeros. */
  void writeZeroes(long offset, long length, IoCallback callback);

  /** Releases the range's storage where the backend can; afterwards the range reads as zeros. */
  void deallocate(long offset, long length, IoCallback callback);

  /** Flushes and releases the backend. Idempotent. */
  @Override
  void close();
}
