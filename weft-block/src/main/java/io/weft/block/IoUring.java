package io.weft.block;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Locale;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An io_uring instance driven through the FFM API: the raw {@code io_uring_setup} and {@code
 * io_uring_enter} system calls and the rings mapped into this process, no JNI and no liburing.
 *
 * <p><b>Submission</b> happens on the caller's thread (an event loop): an entry is filled in and
 * the kernel is entered at once. A read the page cache can answer completes inside that system
 * call, so the submitter looks at the completion ring right after and finishes what is there,
 * inline, without a thread hop. <b>Completions</b> that come later (the device answering an
 * O_DIRECT request) are taken by one reaper thread, which spins a configurable while watching the
 * completion ring before it sleeps in {@code io_uring_enter(GETEVENTS)}: on these VMs a thread that
 * sleeps pays about 100 µs to wake, so a busy ring is better served spinning.
 *
 * <p>Short transfers are resubmitted for the rest, and interrupted ones retried, so a completion
 * always means the whole request or an error; a FUA write is followed by an fdatasync on the same
 * operation slot before it completes. Operation slots are preallocated (one per completion-ring
 * entry): a request costs no allocation, and when every slot is taken the caller is told to use its
 * fallback (the thread pool).
 *
 * <p>Layouts and numbers are Linux's (include/uapi/linux/io_uring.h), the same on every
 * architecture; only x86_64 and aarch64 are enabled.
 */
@SuppressWarnings("restricted")
public final class IoUring implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(IoUring.class.getName());

  // System call numbers: the same on x86_64 and aarch64 since io_uring came after the unified
  // table.
  private static final long SYS_IO_URING_SETUP = 425;
  private static final long SYS_IO_URING_ENTER = 426;

  private static final int IORING_ENTER_GETEVENTS = 1;
  private static final int IORING_FEAT_SINGLE_MMAP = 1;
  private static final long IORING_OFF_SQ_RING = 0;
  private static final long IORING_OFF_CQ_RING = 0x8000000L;
  private static final long IORING_OFF_SQES = 0x10000000L;

  static final byte IORING_OP_NOP = 0;
  static final byte IORING_OP_FSYNC = 3;
  static final byte IORING_OP_READ = 22;
  static final byte IORING_OP_WRITE = 23;
  private static final int IORING_FSYNC_DATASYNC = 1;

  private static final int EINTR = 4;
  private static final int EAGAIN = 11;
  private static final int ENOSPC = 28;

  /** struct io_uring_params: 120 bytes; the ring offsets start at 40 (SQ) and 80 (CQ). */
  private static final long PARAMS_SIZE = 120;

  private static final int SQE_SIZE = 64;
  private static final int CQE_SIZE = 16;

  /** user_data of the entry that wakes the reaper to stop. */
  private static final long WAKE = -1;

  private static final MethodHandle SYSCALL;
  private static final MethodHandle SYSCALL_SETUP;
  private static final String UNAVAILABLE;
  private static final VarHandle INT = JAVA_INT.varHandle();

  static {
    MethodHandle syscall = null;
    MethodHandle setup = null;
    String why = null;
    try {
      String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
      String arch = System.getProperty("os.arch", "");
      if (!os.startsWith("linux") || !(arch.equals("amd64") || arch.equals("aarch64"))) {
        throw new UnsupportedOperationException("io_uring needs Linux on x86_64 or aarch64");
      }
      if (LinuxFile.unavailableReason() != null) {
        // errno capture, close(2) and the ring's own descriptors of files come from LinuxFile.
        throw new UnsupportedOperationException(LinuxFile.unavailableReason());
      }
      Linker linker = Linker.nativeLinker();
      SymbolLookup libc = linker.defaultLookup();
      // long syscall(long number, ...): every argument after the number is variadic, so each
      // call shape has its own handle: io_uring_setup(entries, params) ...
      setup =
          linker.downcallHandle(
              libc.find("syscall").orElseThrow(),
              FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS),
              Linker.Option.captureCallState("errno"),
              Linker.Option.firstVariadicArg(1));
      // ... and io_uring_enter(fd, to_submit, min_complete, flags, sig, sigsz).
      syscall =
          linker.downcallHandle(
              libc.find("syscall").orElseThrow(),
              FunctionDescriptor.of(
                  JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG),
              Linker.Option.captureCallState("errno"),
              Linker.Option.firstVariadicArg(1));
    } catch (RuntimeException | LinkageError e) {
      why = e.toString();
      syscall = null;
    }
    SYSCALL = syscall;
    SYSCALL_SETUP = setup;
    UNAVAILABLE = why;
  }

  /** What an operation slot reports to: the device that submitted it. */
  interface Owner {
    /** The operation finished with a {@link BlockStatus}; called once per submitted operation. */
    void finished(IoCallback callback, int status);
  }

  /** One submitted request, kept in its slot until its last completion. */
  private static final class Op {
    final int slot;
    byte opcode;
    int fd;
    long offset;
    long address;
    int length;
    int done;
    boolean fsyncAfter;
    Owner owner;
    IoCallback callback;

    Op(int slot) {
      this.slot = slot;
    }
  }

  private final String name;
  private final int ringFd;
  private final long spinNanos;
  private final MemorySegment sqRing;
  private final MemorySegment cqRing;
  private final MemorySegment sqes;
  private final long sqRingSize;
  private final long cqRingSize;
  private final boolean sharedRing;
  private final int sqEntries;
  private final int sqMask;
  private final int cqMask;
  private final long sqTail;
  private final long sqArray;
  private final long cqHead;
  private final long cqTail;
  private final long cqes;
  private final Op[] ops;
  private final int[] freeSlots;
  private int freeCount;
  private int localTail;

  /** Guards the submission ring and the free slots. */
  private final ReentrantLock submitLock = new ReentrantLock();

  /** Guards the completion ring's head: one consumer at a time. */
  private final ReentrantLock reapLock = new ReentrantLock();

  private final Thread reaper;
  private volatile boolean closing;

  /** Why io_uring cannot be used here, or {@code null} if it can. */
  public static String unavailableReason() {
    return UNAVAILABLE;
  }

  /**
   * Sets up a ring of {@code entries} submission entries (a power of two; the completion ring is
   * twice that) and starts its reaper thread.
   *
   * @throws IOException if the kernel refuses (no io_uring, disabled, out of memory)
   */
  public static IoUring open(int entries, long spinNanos, String name) throws IOException {
    if (UNAVAILABLE != null) {
      throw new IOException("io_uring is unavailable: " + UNAVAILABLE);
    }
    return new IoUring(entries, spinNanos, name);
  }

  private IoUring(int entries, long spinNanos, String name) throws IOException {
    this.name = name;
    this.spinNanos = spinNanos;
    MemorySegment params;
    try (Arena arena = Arena.ofConfined()) {
      params = arena.allocate(PARAMS_SIZE, 8);
      long fd = setup(arena.allocate(LinuxFile.CAPTURE_LAYOUT), entries, params);
      if (fd < 0) {
        throw new IOException("io_uring_setup failed: errno " + -fd);
      }
      this.ringFd = (int) fd;
      this.sqEntries = params.get(JAVA_INT, 0);
      int cqEntries = params.get(JAVA_INT, 4);
      int features = params.get(JAVA_INT, 20);
      // struct io_sqring_offsets at 40, struct io_cqring_offsets at 80.
      int sqTailOff = params.get(JAVA_INT, 44);
      int sqMaskOff = params.get(JAVA_INT, 48);
      int sqArrayOff = params.get(JAVA_INT, 64);
      int cqHeadOff = params.get(JAVA_INT, 80);
      int cqTailOff = params.get(JAVA_INT, 84);
      int cqMaskOff = params.get(JAVA_INT, 88);
      int cqesOff = params.get(JAVA_INT, 100);
      this.sharedRing = (features & IORING_FEAT_SINGLE_MMAP) != 0;
      long sqSize = sqArrayOff + (long) sqEntries * 4;
      long cqSize = cqesOff + (long) cqEntries * CQE_SIZE;
      if (sharedRing) {
        sqSize = cqSize = Math.max(sqSize, cqSize);
      }
      this.sqRingSize = sqSize;
      this.cqRingSize = cqSize;
      try {
        this.sqRing = map(sqSize, IORING_OFF_SQ_RING);
        this.cqRing = sharedRing ? sqRing : map(cqSize, IORING_OFF_CQ_RING);
        this.sqes = map((long) sqEntries * SQE_SIZE, IORING_OFF_SQES);
      } catch (IOException e) {
        LinuxFile.closeFd(ringFd);
        throw e;
      }
      this.sqMask = sqRing.get(JAVA_INT, sqMaskOff);
      this.cqMask = cqRing.get(JAVA_INT, cqMaskOff);
      this.sqTail = sqTailOff;
      this.sqArray = sqArrayOff;
      this.cqHead = cqHeadOff;
      this.cqTail = cqTailOff;
      this.cqes = cqesOff;
      this.localTail = (int) INT.getAcquire(sqRing, sqTail);
      // An operation has at most one entry queued and one completion pending at a time, so with
      // fewer operations than submission entries neither ring can overflow. One entry stays back
      // for the one that wakes the reaper at close.
      this.ops = new Op[sqEntries];
      this.freeSlots = new int[sqEntries];
      for (int i = 0; i < sqEntries; i++) {
        ops[i] = new Op(i);
        freeSlots[i] = sqEntries - 1 - i;
      }
      this.freeCount = sqEntries - 1;
    }
    reaper = new Thread(this::reap, name + "-reaper");
    reaper.setDaemon(true);
    reaper.start();
  }

  /** Reads {@code length} bytes at {@code offset} of {@code fd} into native memory. */
  boolean read(Owner owner, IoCallback callback, int fd, long offset, long address, int length) {
    return submit(owner, callback, IORING_OP_READ, fd, offset, address, length, false);
  }

  /** Writes, then with {@code fua} makes the data durable before completing. */
  boolean write(
      Owner owner,
      IoCallback callback,
      int fd,
      long offset,
      long address,
      int length,
      boolean fua) {
    return submit(owner, callback, IORING_OP_WRITE, fd, offset, address, length, fua);
  }

  /** fdatasync. */
  boolean fdatasync(Owner owner, IoCallback callback, int fd) {
    return submit(owner, callback, IORING_OP_FSYNC, fd, 0, 0, 0, false);
  }

  /**
   * Queues one operation and enters the kernel; false (nothing done) if every slot is taken or the
   * ring is closing, and the caller should use its fallback.
   */
  private boolean submit(
      Owner owner,
      IoCallback callback,
      byte opcode,
      int fd,
      long offset,
      long address,
      int length,
      boolean fsyncAfter) {
    Op op;
    submitLock.lock();
    try {
      if (closing || freeCount == 0) {
        return false;
      }
      op = ops[freeSlots[--freeCount]];
      op.owner = owner;
      op.callback = callback;
      op.opcode = opcode;
      op.fd = fd;
      op.offset = offset;
      op.address = address;
      op.length = length;
      op.done = 0;
      op.fsyncAfter = fsyncAfter;
      queue(op);
    } finally {
      submitLock.unlock();
    }
    enter(0, 0);
    reapReady();
    return true;
  }

  /** Fills the next submission entry for what is left of {@code op}. Holds the submit lock. */
  private void queue(Op op) {
    int index = localTail & sqMask;
    long e = clearEntry(index);
    sqes.set(JAVA_BYTE, e, op.opcode);
    sqes.set(JAVA_INT, e + 4, op.fd);
    if (op.opcode == IORING_OP_FSYNC) {
      // The whole file (offset and length 0); the kernel refuses a fsync that names an address.
      sqes.set(JAVA_INT, e + 28, IORING_FSYNC_DATASYNC);
    } else {
      sqes.set(JAVA_LONG, e + 8, op.offset + op.done);
      sqes.set(JAVA_LONG, e + 16, op.address + op.done);
      sqes.set(JAVA_INT, e + 24, op.length - op.done);
    }
    sqes.set(JAVA_LONG, e + 32, op.slot);
    publish(index);
  }

  /** Zeroes submission entry {@code index}; returns its offset. */
  private long clearEntry(int index) {
    long e = (long) index * SQE_SIZE;
    for (int i = 0; i < SQE_SIZE; i += 8) {
      sqes.set(JAVA_LONG, e + i, 0L);
    }
    return e;
  }

  /** Makes entry {@code index} the kernel's: its index in the array, then the new tail. */
  private void publish(int index) {
    sqRing.set(JAVA_INT, sqArray + (long) index * 4, index);
    localTail++;
    // The entry and its index are written before the kernel may see the new tail.
    INT.setRelease(sqRing, sqTail, localTail);
  }

  /**
   * io_uring_enter, submitting whatever is queued (the kernel takes at most what there is); retried
   * when interrupted. Returns the result, a negative errno on failure.
   */
  private long enter(int minComplete, int flags) {
    MemorySegment capture = CAPTURE_BUFFER.get();
    while (true) {
      long rc =
          syscall(
              capture,
              SYS_IO_URING_ENTER,
              ringFd,
              sqEntries,
              minComplete,
              flags,
              MemorySegment.NULL,
              0);
      if (rc != -EINTR) {
        return rc;
      }
    }
  }

  private boolean completionsReady() {
    return (int) INT.getAcquire(cqRing, cqHead) != (int) INT.getAcquire(cqRing, cqTail);
  }

  /**
   * Finishes every completion there is now, one at a time: the ring's head moves under the lock and
   * the operation's callback runs outside it. Returns whether the wake entry was seen.
   */
  private boolean reapReady() {
    boolean woken = false;
    while (true) {
      long userData;
      int res;
      reapLock.lock();
      try {
        int head = (int) INT.getAcquire(cqRing, cqHead);
        if (head == (int) INT.getAcquire(cqRing, cqTail)) {
          return woken;
        }
        long c = cqes + (long) (head & cqMask) * CQE_SIZE;
        userData = cqRing.get(JAVA_LONG, c);
        res = cqRing.get(JAVA_INT, c + 8);
        INT.setRelease(cqRing, cqHead, head + 1);
      } finally {
        reapLock.unlock();
      }
      if (userData == WAKE) {
        woken = true;
      } else {
        completed(ops[(int) userData], res);
      }
    }
  }

  /**
   * One completion of an operation: more to do (queued again), or its end (slot freed, owner told).
   * The operation's fields are read and changed under the submit lock, which the submitter held
   * when it wrote them.
   */
  private void completed(Op op, int res) {
    Owner owner = null;
    IoCallback callback = null;
    int status;
    submitLock.lock();
    try {
      status = outcome(op, res);
      if (status < 0) {
        queue(op);
      } else {
        owner = op.owner;
        callback = op.callback;
        op.owner = null;
        op.callback = null;
        freeSlots[freeCount++] = op.slot;
      }
    } finally {
      submitLock.unlock();
    }
    if (status < 0) {
      enter(0, 0);
      return;
    }
    owner.finished(callback, status);
  }

  /** The {@link BlockStatus} an operation ends with, or -1 if it was set up to go again. */
  private int outcome(Op op, int res) {
    if (res == -EINTR || res == -EAGAIN) {
      return -1;
    }
    if (res < 0) {
      if (res == -ENOSPC) {
        return BlockStatus.NO_SPACE;
      }
      LOG.log(System.Logger.Level.WARNING, name + ": io_uring operation failed: errno " + -res);
      return BlockStatus.IO_ERROR;
    }
    if (op.opcode == IORING_OP_FSYNC) {
      return BlockStatus.OK;
    }
    if (res == 0 && op.done < op.length) {
      // End of file inside the device: the file was truncated underneath it.
      LOG.log(System.Logger.Level.WARNING, name + ": unexpected end of file");
      return BlockStatus.IO_ERROR;
    }
    op.done += res;
    if (op.done < op.length) {
      return -1; // a short transfer: the rest goes next
    }
    if (op.fsyncAfter) {
      op.fsyncAfter = false;
      op.opcode = IORING_OP_FSYNC;
      op.length = 0;
      op.done = 0;
      return -1;
    }
    return BlockStatus.OK;
  }

  /** The reaper: spin on the completion ring while it is busy, sleep in the kernel when idle. */
  private void reap() {
    while (true) {
      long spinUntil = System.nanoTime() + spinNanos;
      while (!completionsReady() && System.nanoTime() < spinUntil) {
        Thread.onSpinWait();
      }
      if (!completionsReady()) {
        long rc = enter(1, IORING_ENTER_GETEVENTS);
        if (rc < 0 && rc != -EAGAIN) {
          // Not expected (the rings cannot overflow); keep serving rather than strand requests.
          LOG.log(System.Logger.Level.ERROR, name + ": io_uring_enter failed: errno " + -rc);
          java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
      }
      if (reapReady() && closing) {
        return;
      }
    }
  }

  /**
   * Stops the reaper once every operation has finished and unmaps the rings. The devices using the
   * ring must be closed first (they wait for their own operations).
   */
  @Override
  public void close() {
    submitLock.lock();
    try {
      if (closing) {
        return;
      }
      closing = true;
    } finally {
      submitLock.unlock();
    }
    // A no-op entry with the wake marker: the reaper sees it and stops. A submitter draining the
    // ring at that moment may take the marker instead, so post it again until the reaper is gone.
    for (int i = 0; i < 100 && reaper.isAlive(); i++) {
      submitLock.lock();
      try {
        int index = localTail & sqMask;
        long e = clearEntry(index);
        sqes.set(JAVA_BYTE, e, IORING_OP_NOP);
        sqes.set(JAVA_LONG, e + 32, WAKE);
        publish(index);
      } finally {
        submitLock.unlock();
      }
      enter(0, 0);
      try {
        reaper.join(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (reaper.isAlive()) {
      LOG.log(System.Logger.Level.WARNING, name + ": reaper did not stop; the ring stays mapped");
      return;
    }
    unmap(sqes, (long) sqEntries * SQE_SIZE);
    unmap(sqRing, sqRingSize);
    if (!sharedRing) {
      unmap(cqRing, cqRingSize);
    }
    LinuxFile.closeFd(ringFd);
  }

  // ---- native calls ----

  /** Each thread's errno capture buffer, so a system call allocates nothing. */
  private static final ThreadLocal<MemorySegment> CAPTURE_BUFFER =
      ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(LinuxFile.CAPTURE_LAYOUT));

  private static long setup(MemorySegment capture, int entries, MemorySegment params) {
    try {
      long rc = (long) SYSCALL_SETUP.invokeExact(capture, SYS_IO_URING_SETUP, entries, params);
      return rc < 0 ? -(int) LinuxFile.ERRNO.get(capture, 0L) : rc;
    } catch (Throwable t) {
      throw LinuxFile.rethrow(t);
    }
  }

  private static long syscall(
      MemorySegment capture, long number, int a, int b, int c, int d, MemorySegment p, long e) {
    try {
      long rc = (long) SYSCALL.invokeExact(capture, number, a, b, c, d, p, e);
      return rc < 0 ? -(int) LinuxFile.ERRNO.get(capture, 0L) : rc;
    } catch (Throwable t) {
      throw LinuxFile.rethrow(t);
    }
  }

  private MemorySegment map(long size, long offset) throws IOException {
    long at =
        LinuxMemory.map(
            size,
            LinuxMemory.PROT_READ_WRITE,
            LinuxMemory.MAP_SHARED | LinuxMemory.MAP_POPULATE,
            ringFd,
            offset);
    return MemorySegment.ofAddress(at).reinterpret(size);
  }

  private static void unmap(MemorySegment segment, long size) {
    LinuxMemory.unmap(segment.address(), size);
  }
}
