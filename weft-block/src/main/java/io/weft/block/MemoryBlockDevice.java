package io.weft.block;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A sparse, thin-provisioned block device held in memory outside the Java heap.
 *
 * <p>The capacity is split into fixed chunks (1 MiB by default) that are allocated on the first
 * write touching them; a chunk that was never written reads as zeros and costs nothing. {@link
 * #deallocate} and {@link #writeZeroes} drop every chunk the range covers completely and zero-fill
 * the partial chunks at its ends.
 *
 * <p>Every call completes synchronously: the callback runs on the caller's thread before the method
 * returns. Apart from the lazy chunk allocation, an I/O allocates nothing. Nothing is volatile
 * beyond memory itself, so {@link #volatileWriteCache()} is false and {@link #flush} completes at
 * once. Requests may come from several threads: chunks are installed with a compare-and-set, so two
 * writers racing to create the same chunk agree on one. As on a real device, the outcome of
 * concurrent requests to overlapping ranges is unspecified.
 */
public final class MemoryBlockDevice implements BlockDevice {

  /** Default chunk size: big enough to keep the chunk table small, small enough to stay thin. */
  public static final int DEFAULT_CHUNK_SIZE = 2 << 20;

  private final long size;
  private final int chunkShift;
  private final int chunkSize;
  private final AtomicReferenceArray<ByteBuf> chunks;
  private final AtomicLong allocatedBytes = new AtomicLong();
  private volatile boolean closed;

  /** A device of {@code sizeBytes} bytes with {@link #DEFAULT_CHUNK_SIZE} chunks. */
  public MemoryBlockDevice(long sizeBytes) {
    this(sizeBytes, DEFAULT_CHUNK_SIZE);
  }

  /**
   * A device of {@code sizeBytes} bytes stored in chunks of {@code chunkSize} bytes.
   *
   * @param chunkSize a power of two; the allocation and deallocation granularity
   * @throws IllegalArgumentException if the size is not positive, the chunk size not a power of
   *     two, or the device would need more chunks than an array can hold
   */
  public MemoryBlockDevice(long sizeBytes, int chunkSize) {
    if (sizeBytes <= 0) {
      throw new IllegalArgumentException("size must be positive: " + sizeBytes);
    }
    if (chunkSize <= 0 || Integer.bitCount(chunkSize) != 1) {
      throw new IllegalArgumentException("chunk size must be a power of two: " + chunkSize);
    }
    long chunkCount = (sizeBytes + chunkSize - 1) / chunkSize;
    if (chunkCount > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "size " + sizeBytes + " needs too many chunks of " + chunkSize + " bytes");
    }
    this.size = sizeBytes;
    this.chunkSize = chunkSize;
    this.chunkShift = Integer.numberOfTrailingZeros(chunkSize);
    this.chunks = new AtomicReferenceArray<>((int) chunkCount);
  }

  @Override
  public long sizeBytes() {
    return size;
  }

  /** Bytes held by allocated chunks; the last chunk counts only up to the device size. */
  @Override
  public long usedBytes() {
    return allocatedBytes.get();
  }

  @Override
  public boolean volatileWriteCache() {
    return false;
  }

  /** The allocation granularity in bytes. */
  public int chunkSize() {
    return chunkSize;
  }

  @Override
  public void read(long offset, ByteBuf dst, int dstIndex, int length, IoCallback callback) {
    Ranges.checkCallback(callback);
    int status = precheck(offset, length);
    if (status == BlockStatus.OK) {
      Ranges.checkBuffer(dst, dstIndex, length);
      copyOut(offset, dst, dstIndex, length);
    }
    callback.complete(status);
  }

  /**
   * A slice of the chunk that holds the whole range, retained, so a read goes from the chunk to the
   * socket without a copy. Null when the range crosses a chunk boundary, lies in a chunk never
   * written (which reads as zeros without memory to lend), or is not a valid read: {@link #read}
   * handles those. A chunk that is dropped while lent stays alive until the loan is released (its
   * memory is freed by the collector, as in {@link #chunkFor}).
   */
  @Override
  public ByteBuf lend(long offset, int length) {
    if (length <= 0 || precheck(offset, length) != BlockStatus.OK) {
      return null;
    }
    int inChunk = (int) (offset & (chunkSize - 1));
    if (inChunk + length > chunkSize) {
      return null;
    }
    ByteBuf chunk = chunks.get((int) (offset >>> chunkShift));
    return chunk == null ? null : chunk.retainedSlice(inChunk, length);
  }

  @Override
  public void write(
      long offset, ByteBuf src, int srcIndex, int length, boolean fua, IoCallback callback) {
    Ranges.checkCallback(callback);
    int status = precheck(offset, length);
    if (status == BlockStatus.OK) {
      Ranges.checkBuffer(src, srcIndex, length);
      copyIn(offset, src, srcIndex, length);
    }
    // fua needs nothing more: a completed write is already as durable as this device gets.
    callback.complete(status);
  }

  @Override
  public void flush(IoCallback callback) {
    Ranges.checkCallback(callback);
    callback.complete(closed ? BlockStatus.CLOSED : BlockStatus.OK);
  }

  @Override
  public void writeZeroes(long offset, long length, IoCallback callback) {
    // Dropping chunks is the cheapest way to make them read as zeros, so both are the same here.
    deallocate(offset, length, callback);
  }

  @Override
  public void deallocate(long offset, long length, IoCallback callback) {
    Ranges.checkCallback(callback);
    int status = precheck(offset, length);
    if (status == BlockStatus.OK) {
      release(offset, length);
    }
    callback.complete(status);
  }

  /** Drops all chunks; later calls complete with {@link BlockStatus#CLOSED}. Idempotent. */
  @Override
  public void close() {
    closed = true;
    // Let the garbage collector have the data even if someone keeps a reference to the device.
    for (int i = 0; i < chunks.length(); i++) {
      dropChunk(i);
    }
  }

  private int precheck(long offset, long length) {
    if (closed) {
      return BlockStatus.CLOSED;
    }
    return Ranges.inDevice(offset, length, size) ? BlockStatus.OK : BlockStatus.OUT_OF_RANGE;
  }

  private void copyOut(long offset, ByteBuf dst, int dstIndex, int length) {
    while (length > 0) {
      int chunkIndex = (int) (offset >>> chunkShift);
      int inChunk = (int) (offset & (chunkSize - 1));
      int n = Math.min(length, chunkSize - inChunk);
      ByteBuf chunk = chunks.get(chunkIndex);
      if (chunk == null) {
        dst.setZero(dstIndex, n);
      } else {
        dst.setBytes(dstIndex, chunk, inChunk, n);
      }
      offset += n;
      dstIndex += n;
      length -= n;
    }
  }

  private void copyIn(long offset, ByteBuf src, int srcIndex, int length) {
    while (length > 0) {
      int chunkIndex = (int) (offset >>> chunkShift);
      int inChunk = (int) (offset & (chunkSize - 1));
      int n = Math.min(length, chunkSize - inChunk);
      src.getBytes(srcIndex, chunkFor(chunkIndex), inChunk, n);
      offset += n;
      srcIndex += n;
      length -= n;
    }
  }

  private void release(long offset, long length) {
    long end = offset + length;
    while (offset < end) {
      int chunkIndex = (int) (offset >>> chunkShift);
      long chunkStart = (long) chunkIndex << chunkShift;
      long chunkEnd = Math.min(chunkStart + chunkSize, size);
      long n = Math.min(end, chunkEnd) - offset;
      if (offset == chunkStart && offset + n == chunkEnd) {
        dropChunk(chunkIndex);
      } else {
        ByteBuf chunk = chunks.get(chunkIndex);
        if (chunk != null) {
          chunk.setZero((int) (offset - chunkStart), (int) n);
        }
      }
      offset += n;
    }
  }

  private ByteBuf chunkFor(int chunkIndex) {
    ByteBuf fresh = null;
    while (true) {
      ByteBuf chunk = chunks.get(chunkIndex);
      if (chunk != null) {
        return chunk;
      }
      if (fresh == null) {
        // Off the Java heap, so the collector never copies or scans gigabytes of volume data;
        // freed by the collector once no chunk table or in-flight copy refers to it (an
        // automatic arena), so a concurrent deallocate can never free memory under a reader.
        // Zeroed by the allocator. The Netty view (never released: it does not own the memory)
        // gives absolute-index copies, so an I/O allocates nothing.
        fresh =
            Unpooled.wrappedBuffer(HugePageMemory.allocate(chunkLength(chunkIndex)).asByteBuffer());
      }
      // A writer that loses the race uses the winner's chunk so that neither write is lost. The
      // loop covers a deallocate dropping the chunk again in between.
      if (chunks.compareAndSet(chunkIndex, null, fresh)) {
        allocatedBytes.addAndGet(fresh.capacity());
        return fresh;
      }
    }
  }

  private void dropChunk(int chunkIndex) {
    ByteBuf old = chunks.getAndSet(chunkIndex, null);
    if (old != null) {
      allocatedBytes.addAndGet(-old.capacity());
    }
  }

  /** Chunks are full size except the last one, which stops at the device size. */
  private int chunkLength(int chunkIndex) {
    long start = (long) chunkIndex << chunkShift;
    return (int) Math.min(chunkSize, size - start);
  }
}
