package io.weft.block;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * A second descriptor on a file, opened with libc through the FFM API, for the two things {@code
 * java.nio} cannot do: punch holes (fallocate) and report the space the file really occupies
 * (fstat's {@code st_blocks}).
 *
 * <p>Everything here is best effort: {@link #open} returns {@code null} when the platform or the
 * JVM does not allow it, and callers fall back to portable behaviour. The owner must make sure no
 * call is in flight when it calls {@link #close()}, because a closed descriptor number can be
 * reused by an unrelated file.
 *
 * <p>The flag values, errno numbers and struct layout below are those of x86_64, aarch64 and
 * riscv64 Linux, the only platforms where this is enabled. Calling restricted FFM methods is the
 * point of this class, hence the suppressed warning; the JVM needs {@code
 * --enable-native-access=ALL-UNNAMED} to call them silently.
 */
@SuppressWarnings("restricted")
final class LinuxFile implements AutoCloseable {

  static final int EINTR = 4;
  static final int ENOSPC = 28;
  static final int ENOSYS = 38;
  static final int EOPNOTSUPP = 95;

  private static final Set<String> SUPPORTED_ARCHS =
      Set.of("amd64", "x86_64", "aarch64", "riscv64");

  private static final int O_RDWR = 2;
  private static final int O_CLOEXEC = 0x80000;

  /** O_DIRECT: 0x4000 on x86_64 and riscv64, 0x10000 on aarch64. */
  private static final int O_DIRECT =
      System.getProperty("os.arch", "").equals("aarch64") ? 0x10000 : 0x4000;

  private static final int FALLOC_FL_KEEP_SIZE = 0x01;
  private static final int FALLOC_FL_PUNCH_HOLE = 0x02;

  /*
   * struct stat on x86_64 and the generic layout of aarch64 and riscv64 differ in the middle but
   * all keep st_size at byte 48 and st_blocks (in 512-byte units) at byte 64. open() also checks
   * st_size against the real size before relying on the layout.
   */
  private static final long STAT_SIZE_OFFSET = 48;
  private static final long STAT_BLOCKS_OFFSET = 64;
  private static final long STAT_BUFFER_BYTES = 256;

  private static final MethodHandle OPEN;
  private static final MethodHandle CLOSE;
  private static final MethodHandle FALLOCATE;
  private static final MethodHandle FSTAT;
  private static final MethodHandle FTRUNCATE;
  private static final MethodHandle IOCTL;

  /** FICLONE, _IOW(0x94, 9, int): share all of another file's extents (reflink). */
  private static final long FICLONE = 0x40049409L;

  /** The errno capture of downcalls, shared with {@link IoUring}. */
  static final StructLayout CAPTURE_LAYOUT;

  static final VarHandle ERRNO;
  private static final String UNAVAILABLE_REASON;

  static {
    MethodHandle open = null;
    MethodHandle close = null;
    MethodHandle fallocate = null;
    MethodHandle fstat = null;
    MethodHandle ftruncate = null;
    MethodHandle ioctl = null;
    StructLayout captureLayout = null;
    VarHandle errno = null;
    String reason = null;
    try {
      String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
      String arch = System.getProperty("os.arch", "");
      if (!os.startsWith("linux") || !SUPPORTED_ARCHS.contains(arch)) {
        throw new UnsupportedOperationException(
            "needs Linux on one of " + SUPPORTED_ARCHS + ", not " + os + "/" + arch);
      }
      Linker linker = Linker.nativeLinker();
      SymbolLookup libc = linker.defaultLookup();
      Linker.Option captureErrno = Linker.Option.captureCallState("errno");
      captureLayout = Linker.Option.captureStateLayout();
      errno = captureLayout.varHandle(MemoryLayout.PathElement.groupElement("errno"));
      // open(2) is variadic: the mode argument must be passed the way varargs are.
      open =
          linker.downcallHandle(
              symbol(libc, "open"),
              FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
              captureErrno,
              Linker.Option.firstVariadicArg(2));
      close =
          linker.downcallHandle(symbol(libc, "close"), FunctionDescriptor.of(JAVA_INT, JAVA_INT));
      fallocate =
          linker.downcallHandle(
              symbol(libc, "fallocate"),
              FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG),
              captureErrno);
      ftruncate =
          linker.downcallHandle(
              symbol(libc, "ftruncate"),
              FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG),
              captureErrno);
      // ioctl(2) is variadic: its third argument is passed the way varargs are.
      ioctl =
          linker.downcallHandle(
              symbol(libc, "ioctl"),
              FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT),
              captureErrno,
              Linker.Option.firstVariadicArg(2));
      // Older glibc exports only __fxstat; then usedBytes() falls back to the file size.
      fstat =
          libc.find("fstat")
              .map(
                  s -> linker.downcallHandle(s, FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS)))
              .orElse(null);
    } catch (RuntimeException | LinkageError e) {
      open = null;
      close = null;
      fallocate = null;
      fstat = null;
      ftruncate = null;
      ioctl = null;
      reason = e.toString();
    }
    OPEN = open;
    CLOSE = close;
    FALLOCATE = fallocate;
    FSTAT = fstat;
    FTRUNCATE = ftruncate;
    IOCTL = ioctl;
    CAPTURE_LAYOUT = captureLayout;
    ERRNO = errno;
    UNAVAILABLE_REASON = reason;
  }

  private final int fd;
  private final boolean statUsable;

  private LinuxFile(int fd, boolean statUsable) {
    this.fd = fd;
    this.statUsable = statUsable;
  }

  /** Why native access is off, or {@code null} if it is available. */
  static String unavailableReason() {
    return UNAVAILABLE_REASON;
  }

  /**
   * Opens {@code path} read-write, or returns {@code null} if native access is unavailable.
   *
   * @throws IOException if open(2) itself fails
   */
  static LinuxFile open(Path path) throws IOException {
    return open(path, false);
  }

  /** As {@link #open(Path)}, with O_DIRECT if {@code direct} (for io_uring's own descriptor). */
  static LinuxFile open(Path path, boolean direct) throws IOException {
    if (OPEN == null) {
      return null;
    }
    int fd;
    int errno;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment capture = arena.allocate(CAPTURE_LAYOUT);
      MemorySegment cPath = arena.allocateFrom(path.toAbsolutePath().toString());
      fd = (int) OPEN.invokeExact(capture, cPath, O_RDWR | O_CLOEXEC | (direct ? O_DIRECT : 0), 0);
      errno = (int) ERRNO.get(capture, 0L);
    } catch (Throwable t) {
      throw rethrow(t);
    }
    if (fd < 0) {
      throw new IOException("open(" + path + ") failed: errno " + errno);
    }
    try {
      return new LinuxFile(fd, statMatches(fd, Files.size(path)));
    } catch (IOException | RuntimeException e) {
      closeFd(fd);
      throw e;
    }
  }

  /**
   * Deallocates {@code [offset, offset + length)} while keeping the file size; the range then reads
   * as zeros, partial blocks at the ends included.
   *
   * @return 0 on success, otherwise the errno
   */
  int punchHole(long offset, long length) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment capture = arena.allocate(CAPTURE_LAYOUT);
      while (true) {
        int rc =
            (int)
                FALLOCATE.invokeExact(
                    capture, fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length);
        if (rc == 0) {
          return 0;
        }
        int errno = (int) ERRNO.get(capture, 0L);
        if (errno != EINTR) {
          return errno;
        }
      }
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /**
   * Sets the file's size (ftruncate(2)): growing leaves a hole.
   *
   * @return 0 on success, otherwise the errno
   */
  int truncate(long sizeBytes) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment capture = arena.allocate(CAPTURE_LAYOUT);
      while (true) {
        int rc = (int) FTRUNCATE.invokeExact(capture, fd, sizeBytes);
        if (rc == 0) {
          return 0;
        }
        int errno = (int) ERRNO.get(capture, 0L);
        if (errno != EINTR) {
          return errno;
        }
      }
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /**
   * Makes this (empty) file share every extent of {@code source} (FICLONE, a reflink): at once,
   * taking no space, whatever the size; later writes to either copy only what they change.
   *
   * @return 0 on success, otherwise the errno (EOPNOTSUPP, EXDEV, EINVAL: the file system cannot)
   */
  int cloneFrom(int sourceFd) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment capture = arena.allocate(CAPTURE_LAYOUT);
      while (true) {
        int rc = (int) IOCTL.invokeExact(capture, fd, FICLONE, sourceFd);
        if (rc == 0) {
          return 0;
        }
        int errno = (int) ERRNO.get(capture, 0L);
        if (errno != EINTR) {
          return errno;
        }
      }
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** The descriptor, for io_uring. Valid until {@link #close()}. */
  int fd() {
    return fd;
  }

  /** Bytes allocated to the file on disk, or -1 if that cannot be determined here. */
  long allocatedBytes() {
    if (!statUsable) {
      return -1;
    }
    long blocks = stat(fd, STAT_BLOCKS_OFFSET);
    return blocks < 0 ? -1 : blocks * 512;
  }

  @Override
  public void close() {
    closeFd(fd);
  }

  /** Whether fstat works here and reports {@code size} where the assumed layout puts st_size. */
  private static boolean statMatches(int fd, long size) {
    return FSTAT != null && stat(fd, STAT_SIZE_OFFSET) == size;
  }

  /** close(2), for any descriptor opened natively (here or by {@link IoUring}). */
  static void closeFd(int fd) {
    try {
      // The result is ignored on purpose: Linux releases the descriptor even when close fails.
      int unused = (int) CLOSE.invokeExact(fd);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** One long field of this descriptor's struct stat, or -1 if fstat fails. */
  private static long stat(int fd, long fieldOffset) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buf = arena.allocate(STAT_BUFFER_BYTES, 8);
      int rc = (int) FSTAT.invokeExact(fd, buf);
      return rc == 0 ? buf.get(JAVA_LONG, fieldOffset) : -1;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  private static MemorySegment symbol(SymbolLookup lookup, String name) {
    return lookup
        .find(name)
        .orElseThrow(() -> new UnsupportedOperationException("libc has no " + name));
  }

  /** Downcalls declare Throwable; only unchecked ones can actually happen. */
  static RuntimeException rethrow(Throwable t) {
    if (t instanceof RuntimeException e) {
      throw e;
    }
    if (t instanceof Error e) {
      throw e;
    }
    throw new IllegalStateException(t);
  }
}
