package io.weft.block;

import static java.lang.System.Logger.Level.INFO;
import static java.lang.System.Logger.Level.WARNING;

import com.sun.nio.file.ExtendedOpenOption;
import io.netty.buffer.ByteBuf;
import java.io.EOFException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A block device backed by a regular file, normally sparse: a new file is created as one big hole
 * and only the blocks written to occupy space.
 *
 * <p><b>Threading.</b> Every operation that touches the file runs on the {@code ioExecutor} given
 * to {@link #open}, and its callback runs there too, never on the caller's thread. Requests that
 * are answered without touching the file - {@link BlockStatus#OUT_OF_RANGE}, {@link
 * BlockStatus#CLOSED} - complete synchronously on the caller's thread, as the {@link BlockDevice}
 * contract allows, and so does a request the executor rejects (answered {@link
 * BlockStatus#CLOSED}). The executor belongs to the caller, who shuts it down after {@link
 * #close()}. Its threads must not be interrupted while I/O runs: an interrupt closes a {@link
 * FileChannel} for good, and every later request then fails with {@link BlockStatus#IO_ERROR}.
 *
 * <p><b>Exclusive use.</b> The file is locked (an advisory whole-file lock) while the device is
 * open, so a second device on the same file, in this JVM or another process, fails to open.
 *
 * <p><b>Durability.</b> Completed writes may still sit in the OS page cache, so {@link
 * #volatileWriteCache()} is true; {@link #flush} and FUA writes call {@code fdatasync} (via {@link
 * FileChannel#force(boolean) force(false)}) before they complete.
 *
 * <p><b>Zeroing.</b> {@link #writeZeroes} and {@link #deallocate} punch a hole ({@code
 * fallocate(PUNCH_HOLE|KEEP_SIZE)}, through the FFM API) so the range reads as zeros and its space
 * is released. Where that is unavailable (not Linux, native access denied, file system without hole
 * punching) they write zeros instead. The JVM should run with {@code
 * --enable-native-access=ALL-UNNAMED} to avoid a warning on first use.
 *
 * <p><b>Direct I/O.</b> Opened with {@code direct = true} the file bypasses the page cache
 * (O_DIRECT). The offset and length of every request must then be multiples of {@link
 * #ioAlignment()} (the file system block size), otherwise the call throws {@link
 * IllegalArgumentException}; buffers may have any address and layout, misaligned ones are copied
 * through an internal aligned buffer.
 *
 * <p><b>io_uring.</b> Opened with an {@link IoUring}, reads, writes and flushes go to the ring from
 * the caller's thread instead of a pool thread (the ring has a descriptor of its own, with O_DIRECT
 * when the device has it); a page-cache hit then completes inside the submitting call. What the
 * ring cannot take - a buffer that is not one run of native memory, or a full ring - and all
 * zeroing take the thread pool as before.
 */
public final class FileBlockDevice implements BlockDevice {
  private static final System.Logger LOG = System.getLogger(FileBlockDevice.class.getName());

  /** Largest file system block size accepted for O_DIRECT; also the zero buffer's alignment. */
  private static final int MAX_DIRECT_ALIGNMENT = 1 << 16;

  /** Bytes per system call when writing zeros; a multiple of {@link #MAX_DIRECT_ALIGNMENT}. */
  private static final int ZERO_CHUNK = 1 << 20;

  private static final int BOUNCE_BUFFER_SIZE = 1 << 17;

  /** Holder so the shared zero buffer exists only once some file system needs it. */
  private static final class Zeros {
    static final ByteBuffer BUFFER =
        ByteBuffer.allocateDirect(ZERO_CHUNK + MAX_DIRECT_ALIGNMENT)
            .alignedSlice(MAX_DIRECT_ALIGNMENT)
            .limit(ZERO_CHUNK)
            .slice()
            .asReadOnlyBuffer();
  }

  /** One blocking operation; returns a {@link BlockStatus}. */
  private interface IoTask {
    int run() throws IOException;
  }

  private final Path path;
  private final FileChannel channel;
  private final LinuxFile linux;

  /** Grows (only) with {@link #grow}; every I/O checks its range against it. */
  private volatile long size;

  private final int alignment;
  private final Executor executor;
  private final AlignedBufferPool bounceBuffers;

  /**
   * I/O holds the read side while it uses the channel and the native descriptor; close() takes the
   * write side, so it waits for I/O in flight and no I/O can use a closed (and possibly reused)
   * descriptor.
   */
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

  private volatile boolean closed;
  private volatile boolean punchHoles;

  /** The ring, its descriptor of the file, and its operations in flight (close waits for them). */
  private final IoUring ring;

  private final LinuxFile ringFile;
  private final java.util.concurrent.atomic.AtomicInteger ringOps =
      new java.util.concurrent.atomic.AtomicInteger();
  private final IoUring.Owner ringOwner =
      (callback, status) -> {
        try {
          callback.complete(status);
        } finally {
          // After the answer, so a close() that saw none in flight left none unanswered.
          ringOps.decrementAndGet();
        }
      };

  private FileBlockDevice(
      Path path,
      FileChannel channel,
      LinuxFile linux,
      long size,
      int alignment,
      Executor executor,
      IoUring ring,
      LinuxFile ringFile) {
    this.ring = ring;
    this.ringFile = ringFile;
    this.path = path;
    this.channel = channel;
    this.linux = linux;
    this.size = size;
    this.alignment = alignment;
    this.executor = executor;
    this.bounceBuffers = new AlignedBufferPool(alignment, BOUNCE_BUFFER_SIZE);
    this.punchHoles = linux != null;
  }

  /**
   * Opens the device file, creating it if missing. A new or shorter file is extended to {@code
   * sizeBytes} with a hole, so it occupies no space; an existing file keeps its data.
   *
   * @param path the backing file; its parent directory must exist
   * @param sizeBytes capacity of the device; with {@code direct} a multiple of the file system
   *     block size
   * @param direct whether to bypass the page cache (O_DIRECT); fails if the file system cannot
   * @param ioExecutor runs all blocking work and the callbacks; owned by the caller
   * @throws IOException if the file cannot be opened or created, is not a regular file, is in use
   *     by another device, or is already larger than {@code sizeBytes} (it is never truncated)
   * @throws IllegalArgumentException if {@code sizeBytes} is not positive, or not aligned for
   *     direct I/O
   */
  public static FileBlockDevice open(Path path, long sizeBytes, boolean direct, Executor ioExecutor)
      throws IOException {
    return open(path, sizeBytes, direct, ioExecutor, null);
  }

  /**
   * As {@link #open(Path, long, boolean, Executor)}, with reads, writes and flushes through {@code
   * ring} when it is not null.
   *
   * @throws IOException also if the ring's own descriptor of the file cannot be opened
   */
  public static FileBlockDevice open(
      Path path, long sizeBytes, boolean direct, Executor ioExecutor, IoUring ring)
      throws IOException {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(ioExecutor, "ioExecutor");
    if (sizeBytes <= 0) {
      throw new IllegalArgumentException("size must be positive: " + sizeBytes);
    }
    if (Files.exists(path) && !Files.isRegularFile(path)) {
      throw new IOException(path + " is not a regular file");
    }
    int alignment = direct ? directAlignment(path, sizeBytes) : 1;
    boolean created = !Files.exists(path);
    // Before locking: closing any descriptor of a file drops this process's POSIX locks on it.
    ensureSize(path, sizeBytes);
    FileChannel channel;
    try {
      channel =
          direct
              ? FileChannel.open(
                  path,
                  StandardOpenOption.READ,
                  StandardOpenOption.WRITE,
                  ExtendedOpenOption.DIRECT)
              : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
    } catch (IOException | RuntimeException e) {
      // Typically a file system without O_DIRECT: do not leave behind a file we just made.
      if (created) {
        Files.deleteIfExists(path);
      }
      throw e;
    }
    LinuxFile ringFile = null;
    try {
      lockExclusively(channel, path);
      if (ring != null) {
        ringFile = LinuxFile.open(path, direct);
        if (ringFile == null) {
          throw new IOException(
              "io_uring needs native file access: " + LinuxFile.unavailableReason());
        }
      }
      return new FileBlockDevice(
          path, channel, openNative(path), sizeBytes, alignment, ioExecutor, ring, ringFile);
    } catch (IOException | RuntimeException e) {
      channel.close();
      if (ringFile != null) {
        ringFile.close();
      }
      throw e;
    }
  }

  /** The backing file. */
  public Path path() {
    return path;
  }

  /** Whether the file was opened with O_DIRECT. */
  public boolean isDirect() {
    return alignment > 1;
  }

  /**
   * The granularity that offsets and lengths must respect: the file system block size with direct
   * I/O, otherwise 1.
   */
  public int ioAlignment() {
    return alignment;
  }

  @Override
  public long sizeBytes() {
    return size;
  }

  /**
   * Makes {@code target} an instant, thin copy of this device's file as it is now ({@link
   * Reflinks}): writes already completed are in it, so the caller stops writes first when the copy
   * must be a point in time (a snapshot).
   */
  public void copyTo(Path target) throws IOException {
    lock.readLock().lock();
    try {
      if (closed) {
        throw new IOException("device closed: " + path);
      }
      if (linux == null) {
        throw new IOException("reflinks need native access: " + LinuxFile.unavailableReason());
      }
      channel.force(false); // what the page cache holds goes with the copy
      Reflinks.copyFrom(linux.fd(), target);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Grows the file with a hole (ftruncate on the device's own descriptor: opening and closing
   * another one would drop the device's lock on the file). Without native access it writes one zero
   * byte at the new end instead, which allocates that last block.
   */
  @Override
  public synchronized void grow(long newSizeBytes) throws IOException {
    if (newSizeBytes < size) {
      throw new IllegalArgumentException(
          "a device never shrinks: " + newSizeBytes + " < " + size + " bytes");
    }
    if (newSizeBytes % alignment != 0) {
      throw new IllegalArgumentException(
          "size must be a multiple of " + alignment + " bytes: " + newSizeBytes);
    }
    if (newSizeBytes == size) {
      return;
    }
    lock.readLock().lock();
    try {
      if (closed) {
        throw new IOException("device closed: " + path);
      }
      int errno = linux != null ? linux.truncate(newSizeBytes) : -1;
      if (errno > 0) {
        throw new IOException(
            "ftruncate(" + path + ", " + newSizeBytes + ") failed: errno " + errno);
      }
      if (errno < 0 && channel.size() < newSizeBytes) {
        channel.write(java.nio.ByteBuffer.allocate(1), newSizeBytes - 1);
      }
      size = newSizeBytes;
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Space the file occupies on disk (fstat's {@code st_blocks}), capped at {@link #sizeBytes()};
   * {@link #sizeBytes()} itself where that cannot be read natively, and 0 after {@link #close()}.
   */
  @Override
  public long usedBytes() {
    Lock shared = lock.readLock();
    shared.lock();
    try {
      if (closed) {
        return 0;
      }
      long allocated = linux == null ? -1 : linux.allocatedBytes();
      return allocated < 0 ? size : Math.min(allocated, size);
    } finally {
      shared.unlock();
    }
  }

  /** True: completed writes may be in the OS page cache until {@link #flush}. */
  @Override
  public boolean volatileWriteCache() {
    return true;
  }

  @Override
  public void read(long offset, ByteBuf dst, int dstIndex, int length, IoCallback callback) {
    if (admit(offset, length, callback)) {
      Ranges.checkBuffer(dst, dstIndex, length);
      checkAligned(offset, length);
      if (ring != null
          && ringIo(IoUring.IORING_OP_READ, offset, dst, dstIndex, length, false, callback)) {
        return;
      }
      submit(() -> readNow(offset, dst, dstIndex, length), callback);
    }
  }

  @Override
  public void write(
      long offset, ByteBuf src, int srcIndex, int length, boolean fua, IoCallback callback) {
    if (admit(offset, length, callback)) {
      Ranges.checkBuffer(src, srcIndex, length);
      checkAligned(offset, length);
      if (ring != null
          && ringIo(IoUring.IORING_OP_WRITE, offset, src, srcIndex, length, fua, callback)) {
        return;
      }
      submit(() -> writeNow(offset, src, srcIndex, length, fua), callback);
    }
  }

  @Override
  public void flush(IoCallback callback) {
    if (admit(0, 0, callback)) {
      if (ring != null && ringIo(IoUring.IORING_OP_FSYNC, 0, null, 0, 0, false, callback)) {
        return;
      }
      submit(this::flushNow, callback);
    }
  }

  @Override
  public void writeZeroes(long offset, long length, IoCallback callback) {
    if (admit(offset, length, callback)) {
      checkAligned(offset, length);
      submit(() -> zeroNow(offset, length), callback);
    }
  }

  /** Same as {@link #writeZeroes}: a punched hole both releases the space and reads as zeros. */
  @Override
  public void deallocate(long offset, long length, IoCallback callback) {
    writeZeroes(offset, length, callback);
  }

  /**
   * Waits for I/O in flight, flushes the file to stable storage and closes it. Requests issued
   * afterwards complete with {@link BlockStatus#CLOSED}. Idempotent. A failing flush is logged,
   * since there is nobody left to report it to.
   */
  @Override
  public void close() {
    Lock exclusive = lock.writeLock();
    exclusive.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      awaitRingOps();
      try {
        channel.force(false);
      } catch (IOException e) {
        LOG.log(WARNING, "flush on close of " + path + " failed", e);
      } finally {
        try {
          channel.close();
        } catch (IOException e) {
          LOG.log(WARNING, "closing " + path + " failed", e);
        }
        if (linux != null) {
          linux.close();
        }
        if (ringFile != null) {
          ringFile.close();
        }
      }
    } finally {
      exclusive.unlock();
    }
  }

  /** Waits (bounded) for the ring's operations on this file, so its descriptor is not reused. */
  private void awaitRingOps() {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    while (ringOps.get() > 0 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
      java.util.concurrent.locks.LockSupport.parkNanos(100_000);
    }
    if (ringOps.get() > 0) {
      LOG.log(WARNING, "{0}: io_uring operations still in flight at close", path);
    }
  }

  /** Makes zeroing write zeros from now on, as on a file system that cannot punch holes. */
  void disableHolePunching() {
    punchHoles = false;
  }

  @Override
  public String toString() {
    return "FileBlockDevice[" + path + ", " + size + " bytes" + (isDirect() ? ", direct]" : "]");
  }

  // ---- request admission and dispatch (caller's thread) ----

  /** Completes at once and returns false if the request is answered without I/O. */
  private boolean admit(long offset, long length, IoCallback callback) {
    Ranges.checkCallback(callback);
    if (closed) {
      callback.complete(BlockStatus.CLOSED);
      return false;
    }
    if (!Ranges.inDevice(offset, length, size)) {
      callback.complete(BlockStatus.OUT_OF_RANGE);
      return false;
    }
    return true;
  }

  private void checkAligned(long offset, long length) {
    if (((offset | length) & (alignment - 1)) != 0) {
      throw new IllegalArgumentException(
          "direct I/O on "
              + path
              + " needs offset and length aligned to "
              + alignment
              + " bytes: offset="
              + offset
              + " length="
              + length);
    }
  }

  private void submit(IoTask task, IoCallback callback) {
    try {
      executor.execute(() -> callback.complete(runGuarded(task)));
    } catch (RejectedExecutionException e) {
      // The executor is shutting down, so this device can do no more I/O; nothing was touched.
      callback.complete(BlockStatus.CLOSED);
    }
  }

  // ---- io_uring (caller's thread) ----

  /**
   * Hands the request to the ring; false if the ring cannot take it (then the pool does). Under the
   * read lock, so close() cannot slip between the check and the submission; the completion may
   * already have run when this returns.
   */
  private boolean ringIo(
      byte opcode,
      long offset,
      ByteBuf buffer,
      int index,
      int length,
      boolean fua,
      IoCallback callback) {
    long address = 0;
    ByteBuffer bounce = null;
    IoCallback done = callback;
    if (buffer != null) {
      address = nativeAddress(buffer, index, length);
      if (address == 0) {
        if (length > bounceBuffers.bufferSize()) {
          return false;
        }
        bounce = bounceBuffers.acquire();
        address = MemorySegment.ofBuffer(bounce).address();
        if (opcode == IoUring.IORING_OP_WRITE) {
          buffer.getBytes(index, bounce.duplicate().limit(length));
        }
        done =
            new BounceCompletion(
                bounce, opcode == IoUring.IORING_OP_READ ? buffer : null, index, length, callback);
      }
    }
    Lock shared = lock.readLock();
    shared.lock();
    try {
      if (!closed) {
        ringOps.incrementAndGet();
        int fd = ringFile.fd();
        boolean taken =
            switch (opcode) {
              case IoUring.IORING_OP_READ ->
                  ring.read(ringOwner, done, fd, offset, address, length);
              case IoUring.IORING_OP_WRITE ->
                  ring.write(ringOwner, done, fd, offset, address, length, fua);
              default -> ring.fdatasync(ringOwner, done, fd);
            };
        if (taken) {
          return true;
        }
        ringOps.decrementAndGet();
      }
    } finally {
      shared.unlock();
    }
    if (bounce != null) {
      bounceBuffers.release(bounce);
    }
    return false;
  }

  /**
   * The address of {@code length} bytes at {@code index} if they are one run of native memory the
   * ring may use as is (aligned, with O_DIRECT), else 0.
   */
  private long nativeAddress(ByteBuf buffer, int index, int length) {
    if (!buffer.isDirect() || buffer.nioBufferCount() != 1) {
      return 0;
    }
    long address =
        buffer.hasMemoryAddress()
            ? buffer.memoryAddress() + index
            : MemorySegment.ofBuffer(buffer.internalNioBuffer(index, length)).address();
    return (address & (alignment - 1)) == 0 ? address : 0;
  }

  /** A ring request through an aligned bounce buffer: copies a read out, then frees the buffer. */
  private final class BounceCompletion implements IoCallback {
    private final ByteBuffer bounce;
    private final ByteBuf readInto;
    private final int index;
    private final int length;
    private final IoCallback callback;

    BounceCompletion(
        ByteBuffer bounce, ByteBuf readInto, int index, int length, IoCallback callback) {
      this.bounce = bounce;
      this.readInto = readInto;
      this.index = index;
      this.length = length;
      this.callback = callback;
    }

    @Override
    public void complete(int status) {
      try {
        if (status == BlockStatus.OK && readInto != null) {
          readInto.setBytes(index, bounce.duplicate().limit(length));
        }
      } finally {
        bounceBuffers.release(bounce);
      }
      callback.complete(status);
    }
  }

  // ---- blocking work (executor threads) ----

  private int runGuarded(IoTask task) {
    Lock shared = lock.readLock();
    shared.lock();
    try {
      return closed ? BlockStatus.CLOSED : task.run();
    } catch (IOException e) {
      return statusOf(e);
    } catch (RuntimeException e) {
      // For instance a buffer released before completion: still answer exactly once.
      LOG.log(WARNING, "I/O on " + path + " failed", e);
      return BlockStatus.IO_ERROR;
    } finally {
      shared.unlock();
    }
  }

  private int statusOf(IOException e) {
    if (e instanceof ClosedChannelException) {
      // We hold the read lock and checked `closed`, so the channel was closed underneath us.
      LOG.log(WARNING, path + " was closed by an interrupt of an I/O thread", e);
      return BlockStatus.IO_ERROR;
    }
    String message = e.getMessage();
    if (message != null && message.contains("No space")) {
      return BlockStatus.NO_SPACE;
    }
    LOG.log(WARNING, "I/O on " + path + " failed", e);
    return BlockStatus.IO_ERROR;
  }

  private int readNow(long offset, ByteBuf dst, int index, int length) throws IOException {
    int parts = dst.nioBufferCount();
    if (parts == 1) {
      ByteBuffer target = dst.nioBuffer(index, length);
      if (usableAsIs(target)) {
        readFully(target, offset);
        return BlockStatus.OK;
      }
    } else if (parts > 1 && alignment == 1) {
      for (ByteBuffer part : dst.nioBuffers(index, length)) {
        int n = part.remaining();
        readFully(part, offset);
        offset += n;
      }
      return BlockStatus.OK;
    }
    ByteBuffer bounce = bounceBuffers.acquire();
    try {
      while (length > 0) {
        int n = Math.min(length, bounceBuffers.bufferSize());
        bounce.clear().limit(n);
        readFully(bounce, offset);
        dst.setBytes(index, bounce.flip());
        offset += n;
        index += n;
        length -= n;
      }
    } finally {
      bounceBuffers.release(bounce);
    }
    return BlockStatus.OK;
  }

  private int writeNow(long offset, ByteBuf src, int index, int length, boolean fua)
      throws IOException {
    writeData(offset, src, index, length);
    if (fua) {
      channel.force(false);
    }
    return BlockStatus.OK;
  }

  private void writeData(long offset, ByteBuf src, int index, int length) throws IOException {
    int parts = src.nioBufferCount();
    if (parts == 1) {
      ByteBuffer source = src.nioBuffer(index, length);
      if (usableAsIs(source)) {
        writeFully(source, offset);
        return;
      }
    } else if (parts > 1 && alignment == 1) {
      for (ByteBuffer part : src.nioBuffers(index, length)) {
        int n = part.remaining();
        writeFully(part, offset);
        offset += n;
      }
      return;
    }
    ByteBuffer bounce = bounceBuffers.acquire();
    try {
      while (length > 0) {
        int n = Math.min(length, bounceBuffers.bufferSize());
        bounce.clear().limit(n);
        src.getBytes(index, bounce);
        writeFully(bounce.flip(), offset);
        offset += n;
        index += n;
        length -= n;
      }
    } finally {
      bounceBuffers.release(bounce);
    }
  }

  private int flushNow() throws IOException {
    channel.force(false);
    return BlockStatus.OK;
  }

  private int zeroNow(long offset, long length) throws IOException {
    if (length == 0) {
      return BlockStatus.OK;
    }
    if (punchHoles) {
      int errno = linux.punchHole(offset, length);
      if (errno == 0) {
        return BlockStatus.OK;
      }
      if (errno == LinuxFile.EOPNOTSUPP || errno == LinuxFile.ENOSYS) {
        punchHoles = false;
        LOG.log(INFO, "{0} cannot punch holes; writing zeros instead", path);
      } else if (errno == LinuxFile.ENOSPC) {
        return BlockStatus.NO_SPACE;
      } else {
        LOG.log(WARNING, "fallocate(PUNCH_HOLE) on {0} failed with errno {1}", path, errno);
        return BlockStatus.IO_ERROR;
      }
    }
    while (length > 0) {
      int n = (int) Math.min(length, ZERO_CHUNK);
      writeFully(Zeros.BUFFER.duplicate().limit(n), offset);
      offset += n;
      length -= n;
    }
    return BlockStatus.OK;
  }

  /**
   * Whether the channel can take the buffer directly. Without O_DIRECT any buffer can; with it the
   * JDK copies heap buffers through an aligned buffer of its own but rejects misaligned direct
   * ones.
   */
  private boolean usableAsIs(ByteBuffer buffer) {
    return alignment == 1
        || !buffer.isDirect()
        || (MemorySegment.ofBuffer(buffer).address() & (alignment - 1)) == 0;
  }

  private void readFully(ByteBuffer dst, long position) throws IOException {
    while (dst.hasRemaining()) {
      int n = channel.read(dst, position);
      if (n < 0) {
        // open() sized the file, so someone else has truncated it.
        throw new EOFException(path + " ends before offset " + position + "; was it truncated?");
      }
      position += n;
    }
  }

  private void writeFully(ByteBuffer src, long position) throws IOException {
    while (src.hasRemaining()) {
      position += channel.write(src, position);
    }
  }

  // ---- opening ----

  /** The alignment O_DIRECT needs here: the JDK enforces the file system block size. */
  private static int directAlignment(Path path, long sizeBytes) throws IOException {
    Path existing = Files.exists(path) ? path : path.toAbsolutePath().getParent();
    long blockSize = Files.getFileStore(existing).getBlockSize();
    if (blockSize <= 0 || blockSize > MAX_DIRECT_ALIGNMENT || Long.bitCount(blockSize) != 1) {
      throw new IOException(
          "direct I/O is not supported with the block size " + blockSize + " of " + path);
    }
    if (sizeBytes % blockSize != 0) {
      throw new IllegalArgumentException(
          "with direct I/O the size must be a multiple of the file system block size "
              + blockSize
              + ": "
              + sizeBytes);
    }
    return (int) blockSize;
  }

  /**
   * Creates or grows the file to {@code sizeBytes}. RandomAccessFile because FileChannel cannot
   * grow a file without writing to it, while setLength (ftruncate) grows it with a hole. A file
   * that already has the right size is not opened here at all, so that probing a file in use does
   * not close a descriptor of it (which would drop the user's lock).
   */
  private static void ensureSize(Path path, long sizeBytes) throws IOException {
    if (Files.exists(path)) {
      long existing = Files.size(path);
      checkNotLarger(path, existing, sizeBytes);
      if (existing == sizeBytes) {
        return;
      }
    }
    try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
      long existing = file.length();
      checkNotLarger(path, existing, sizeBytes);
      if (existing < sizeBytes) {
        file.setLength(sizeBytes);
      }
    }
  }

  private static void checkNotLarger(Path path, long existing, long sizeBytes) throws IOException {
    if (existing > sizeBytes) {
      throw new IOException(
          path
              + " holds "
              + existing
              + " bytes, more than the requested size of "
              + sizeBytes
              + " bytes; refusing to truncate it (ask for a size of at least "
              + existing
              + " bytes)");
    }
  }

  /**
   * Two devices writing one file would corrupt each other's data, so the whole file is locked for
   * as long as the channel is open (closing the channel releases the lock). A file system that
   * cannot lock at all does not stop the device from opening.
   */
  private static void lockExclusively(FileChannel channel, Path path) throws IOException {
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null; // held by another device in this JVM
    } catch (IOException e) {
      LOG.log(WARNING, "cannot lock " + path + "; not guarding against a second user", e);
      return;
    }
    if (lock == null) {
      throw new IOException(path + " is already in use by another block device");
    }
  }

  /** The native side is optional: without it zeroing writes zeros and usedBytes is the size. */
  private static LinuxFile openNative(Path path) {
    try {
      LinuxFile file = LinuxFile.open(path);
      if (file == null) {
        LOG.log(
            INFO,
            "no native file access ({0}); {1} will write zeros instead of punching holes",
            LinuxFile.unavailableReason(),
            path);
      }
      return file;
    } catch (IOException | RuntimeException e) {
      LOG.log(WARNING, "cannot open " + path + " natively; zeroing will write zeros", e);
      return null;
    }
  }
}
