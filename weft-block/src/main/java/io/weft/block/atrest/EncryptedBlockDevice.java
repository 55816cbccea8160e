package io.weft.block.atrest;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.Recycler;
import io.weft.block.BlockDevice;
import io.weft.block.BlockStatus;
import io.weft.block.IoCallback;
import java.io.IOException;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A block device that stores XTS-AES-256 ciphertext on another one: data unit = logical block (512
 * or 4096 bytes), tweak = the unit's number (its byte offset divided by the unit size), as
 * dm-crypt's {@code aes-xts-plain64}. The layout of the device below is unchanged: unit {@code n}
 * of ciphertext sits at byte {@code n * unit}, so a volume keeps its size and its holes.
 *
 * <p><b>Where the work runs.</b> Never on the caller's thread (an event loop): a write is encrypted
 * on {@code executor} (the target's I/O workers) into a pooled buffer, then handed to the device
 * below, so the caller's buffer is only read; a read is decrypted in place in the caller's buffer
 * on the thread where the device below completes it (a file device completes on its I/O workers; a
 * device completing inline would decrypt on the caller's thread, so wrap file devices). Each thread
 * keeps its own cipher objects and scratch arrays, and requests are pooled objects, so steady-state
 * I/O allocates nothing but pooled buffers.
 *
 * <p><b>Zeros.</b> Write Zeroes and Deallocate pass through: the range below reads as zeros, and a
 * data unit whose ciphertext is all zeros reads as zeros (see {@link XtsAes#decrypt}), so unwritten
 * and deallocated ranges read as zeros and stay holes in a sparse file. Which units are holes is
 * visible to whoever sees the backing file, as with any thin volume.
 *
 * <p>Offsets and lengths must be whole data units; the target keeps I/O to whole logical blocks.
 */
public final class EncryptedBlockDevice implements BlockDevice {
  /** Scratch per thread; requests larger than this are done in several passes. */
  private static final int CHUNK_BYTES = 64 << 10;

  private final BlockDevice inner;
  private final Executor executor;
  private final int dataUnit;
  private final int unitShift;
  private final byte[] dataKey;
  private final ThreadLocal<XtsAes> ciphers;
  private final ByteBufAllocator allocator = PooledByteBufAllocator.DEFAULT;

  /**
   * Cipher work holds the read side; close() takes the write side to wipe the key, so no thread can
   * set up its ciphers from a half-wiped key.
   */
  private final ReentrantReadWriteLock keyLock = new ReentrantReadWriteLock();

  private volatile boolean closed;

  /**
   * @param inner the device that holds the ciphertext; closed with this one
   * @param dataKey the 64-byte XTS-AES-256 key (K1 then K2); copied, and the copy is wiped on close
   * @param dataUnit 512 or 4096: the namespace's logical block size
   * @param executor where writes are encrypted (the I/O workers)
   */
  public EncryptedBlockDevice(BlockDevice inner, byte[] dataKey, int dataUnit, Executor executor) {
    this.inner = Objects.requireNonNull(inner, "inner");
    this.executor = Objects.requireNonNull(executor, "executor");
    if (dataUnit != 512 && dataUnit != 4096) {
      throw new IllegalArgumentException("data unit must be 512 or 4096: " + dataUnit);
    }
    if (dataKey.length != VolumeKeyFile.DATA_KEY_LENGTH) {
      throw new IllegalArgumentException("an XTS-AES-256 key is 64 bytes, not " + dataKey.length);
    }
    if (inner.sizeBytes() % dataUnit != 0) {
      throw new IllegalArgumentException(
          "size " + inner.sizeBytes() + " is not a whole number of " + dataUnit + "-byte units");
    }
    this.dataUnit = dataUnit;
    this.unitShift = Integer.numberOfTrailingZeros(dataUnit);
    this.dataKey = dataKey.clone();
    new XtsAes(this.dataKey, dataUnit, dataUnit); // refuses a bad key now rather than per thread
    this.ciphers = ThreadLocal.withInitial(() -> new XtsAes(this.dataKey, dataUnit, CHUNK_BYTES));
  }

  /** The unit of encryption, which offsets and lengths must respect. */
  public int dataUnit() {
    return dataUnit;
  }

  @Override
  public long sizeBytes() {
    return inner.sizeBytes();
  }

  /** Grows the file beneath: new units are holes, read as zeros like every unwritten unit. */
  @Override
  public void grow(long newSizeBytes) throws IOException {
    if (newSizeBytes % dataUnit != 0) {
      throw new IllegalArgumentException(
          "size must be a whole number of " + dataUnit + "-byte units: " + newSizeBytes);
    }
    inner.grow(newSizeBytes);
  }

  @Override
  public long usedBytes() {
    return inner.usedBytes();
  }

  @Override
  public boolean volatileWriteCache() {
    return inner.volatileWriteCache();
  }

  @Override
  public void read(long offset, ByteBuf dst, int dstIndex, int length, IoCallback callback) {
    if (!admit(offset, length, callback)) {
      return;
    }
    Objects.requireNonNull(dst, "buffer");
    if (dstIndex < 0 || dstIndex > dst.capacity() - length) {
      throw new IndexOutOfBoundsException(
          "buffer slice index=" + dstIndex + " length=" + length + " capacity=" + dst.capacity());
    }
    ReadOp op = ReadOp.RECYCLER.get();
    op.start(this, offset, dst, dstIndex, length, callback);
    try {
      executor.execute(op);
    } catch (RejectedExecutionException e) {
      op.recycle();
      callback.complete(BlockStatus.CLOSED);
    }
  }

  @Override
  public void write(
      long offset, ByteBuf src, int srcIndex, int length, boolean fua, IoCallback callback) {
    if (!admit(offset, length, callback)) {
      return;
    }
    Objects.requireNonNull(src, "buffer");
    if (srcIndex < 0 || srcIndex > src.capacity() - length) {
      throw new IndexOutOfBoundsException(
          "buffer slice index=" + srcIndex + " length=" + length + " capacity=" + src.capacity());
    }
    WriteOp op = WriteOp.RECYCLER.get();
    op.start(this, offset, src, srcIndex, length, fua, callback);
    try {
      executor.execute(op);
    } catch (RejectedExecutionException e) {
      op.recycle();
      callback.complete(BlockStatus.CLOSED);
    }
  }

  @Override
  public void flush(IoCallback callback) {
    if (admit(0, 0, callback)) {
      onWorker(() -> inner.flush(callback), callback);
    }
  }

  @Override
  public void writeZeroes(long offset, long length, IoCallback callback) {
    if (admit(offset, length, callback)) {
      onWorker(() -> inner.writeZeroes(offset, length, callback), callback);
    }
  }

  @Override
  public void deallocate(long offset, long length, IoCallback callback) {
    if (admit(offset, length, callback)) {
      onWorker(() -> inner.deallocate(offset, length, callback), callback);
    }
  }

  /**
   * Closes the device below (which waits for its I/O in flight), then wipes this device's copy of
   * the data key. The expanded AES key schedules inside the JDK's cipher objects cannot be wiped;
   * they become unreachable with the threads' cipher objects.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    inner.close();
    keyLock.writeLock().lock();
    try {
      Arrays.fill(dataKey, (byte) 0);
    } finally {
      keyLock.writeLock().unlock();
    }
    ciphers.remove();
  }

  @Override
  public String toString() {
    return "EncryptedBlockDevice[aes-xts-256, unit " + dataUnit + ", " + inner + "]";
  }

  /** Runs a request on the I/O workers, for a device below that works on its caller's thread. */
  private void onWorker(Runnable request, IoCallback callback) {
    try {
      executor.execute(request);
    } catch (RejectedExecutionException e) {
      callback.complete(BlockStatus.CLOSED);
    }
  }

  /**
   * Answers at once what needs no I/O (closed, out of range) and returns false then; throws for a
   * request that is not in whole data units.
   */
  private boolean admit(long offset, long length, IoCallback callback) {
    Objects.requireNonNull(callback, "callback");
    if (closed) {
      callback.complete(BlockStatus.CLOSED);
      return false;
    }
    if (offset < 0 || length < 0 || offset > inner.sizeBytes() - length) {
      callback.complete(BlockStatus.OUT_OF_RANGE);
      return false;
    }
    checkUnits(offset, length);
    return true;
  }

  private void checkUnits(long offset, long length) {
    if (((offset | length) & (dataUnit - 1)) != 0) {
      throw new IllegalArgumentException(
          "encrypted I/O needs offset and length in whole "
              + dataUnit
              + "-byte units: offset="
              + offset
              + " length="
              + length);
    }
  }

  /** Runs on the I/O workers: encrypt into a pooled buffer, then write that below. */
  private void encryptAndWrite(WriteOp op) {
    ByteBuf ciphertext;
    Lock shared = keyLock.readLock();
    shared.lock();
    try {
      if (closed) {
        // The key may already be wiped; nothing may be encrypted with it.
        op.finish(BlockStatus.CLOSED);
        return;
      }
      ciphertext = allocator.directBuffer(op.length, op.length);
      op.ciphertext = ciphertext;
      ciphers.get().encrypt(op.src, op.srcIndex, ciphertext, 0, op.length, op.offset >> unitShift);
    } catch (RuntimeException e) {
      op.finish(BlockStatus.IO_ERROR);
      return;
    } finally {
      shared.unlock();
    }
    inner.write(op.offset, ciphertext, 0, op.length, op.fua, op);
  }

  /** Runs where the device below completed the read. */
  private int decryptInPlace(ReadOp op) {
    Lock shared = keyLock.readLock();
    shared.lock();
    try {
      if (closed) {
        return BlockStatus.CLOSED;
      }
      ciphers
          .get()
          .decrypt(op.dst, op.dstIndex, op.dst, op.dstIndex, op.length, op.offset >> unitShift);
      return BlockStatus.OK;
    } catch (RuntimeException e) {
      return BlockStatus.IO_ERROR;
    } finally {
      shared.unlock();
    }
  }

  /** One write in flight: the task that encrypts it and the callback of the write below. */
  private static final class WriteOp implements Runnable, IoCallback {
    static final Recycler<WriteOp> RECYCLER =
        new Recycler<>() {
          @Override
          protected WriteOp newObject(Handle<WriteOp> handle) {
            return new WriteOp(handle);
          }
        };

    private final Recycler.Handle<WriteOp> handle;
    EncryptedBlockDevice device;
    long offset;
    ByteBuf src;
    int srcIndex;
    int length;
    boolean fua;
    IoCallback callback;
    ByteBuf ciphertext;

    private WriteOp(Recycler.Handle<WriteOp> handle) {
      this.handle = handle;
    }

    void start(
        EncryptedBlockDevice device,
        long offset,
        ByteBuf src,
        int srcIndex,
        int length,
        boolean fua,
        IoCallback callback) {
      this.device = device;
      this.offset = offset;
      this.src = src;
      this.srcIndex = srcIndex;
      this.length = length;
      this.fua = fua;
      this.callback = callback;
    }

    @Override
    public void run() {
      device.encryptAndWrite(this);
    }

    @Override
    public void complete(int blockStatus) {
      finish(blockStatus);
    }

    void finish(int status) {
      IoCallback done = callback;
      if (ciphertext != null) {
        ciphertext.release();
      }
      recycle();
      done.complete(status);
    }

    void recycle() {
      device = null;
      src = null;
      callback = null;
      ciphertext = null;
      handle.recycle(this);
    }
  }

  /** One read in flight: the callback of the read below, which decrypts before answering. */
  private static final class ReadOp implements Runnable, IoCallback {
    static final Recycler<ReadOp> RECYCLER =
        new Recycler<>() {
          @Override
          protected ReadOp newObject(Handle<ReadOp> handle) {
            return new ReadOp(handle);
          }
        };

    private final Recycler.Handle<ReadOp> handle;
    EncryptedBlockDevice device;
    long offset;
    ByteBuf dst;
    int dstIndex;
    int length;
    IoCallback callback;

    private ReadOp(Recycler.Handle<ReadOp> handle) {
      this.handle = handle;
    }

    void start(
        EncryptedBlockDevice device,
        long offset,
        ByteBuf dst,
        int dstIndex,
        int length,
        IoCallback callback) {
      this.device = device;
      this.offset = offset;
      this.dst = dst;
      this.dstIndex = dstIndex;
      this.length = length;
      this.callback = callback;
    }

    @Override
    public void run() {
      if (device.closed) {
        complete(BlockStatus.CLOSED);
        return;
      }
      device.inner.read(offset, dst, dstIndex, length, this);
    }

    @Override
    public void complete(int blockStatus) {
      int status = blockStatus == BlockStatus.OK ? device.decryptInPlace(this) : blockStatus;
      IoCallback done = callback;
      recycle();
      done.complete(status);
    }

    void recycle() {
      device = null;
      dst = null;
      callback = null;
      handle.recycle(this);
    }
  }
}
