package io.weft.block;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * mmap(2), munmap(2) and madvise(2) through the FFM API, for the io_uring rings ({@link IoUring})
 * and the huge-page chunks of memory namespaces ({@link HugePageMemory}). Available where {@link
 * LinuxFile} is (its errno capture is shared); addresses are plain longs.
 */
final class LinuxMemory {
  static final int PROT_READ_WRITE = 0x3;
  static final int MAP_SHARED = 0x01;
  static final int MAP_PRIVATE = 0x02;
  static final int MAP_ANONYMOUS = 0x20;
  static final int MAP_POPULATE = 0x8000;
  static final int MADV_HUGEPAGE = 14;

  private static final MethodHandle MMAP;
  private static final MethodHandle MUNMAP;
  private static final MethodHandle MADVISE;

  static {
    MethodHandle mmap = null;
    MethodHandle munmap = null;
    MethodHandle madvise = null;
    if (LinuxFile.unavailableReason() == null) {
      try {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        Linker.Option captureErrno = Linker.Option.captureCallState("errno");
        mmap =
            linker.downcallHandle(
                libc.find("mmap").orElseThrow(),
                FunctionDescriptor.of(
                    JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG),
                captureErrno);
        munmap =
            linker.downcallHandle(
                libc.find("munmap").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
        madvise =
            linker.downcallHandle(
                libc.find("madvise").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
      } catch (RuntimeException | LinkageError e) {
        mmap = null;
      }
    }
    MMAP = mmap;
    MUNMAP = munmap;
    MADVISE = madvise;
  }

  private LinuxMemory() {}

  /** Whether the calls are here (Linux, native access allowed). */
  static boolean available() {
    return MMAP != null;
  }

  /**
   * Maps {@code length} bytes at an address the kernel chooses and returns it.
   *
   * @throws IOException with the errno if the mapping fails
   */
  static long map(long length, int prot, int flags, int fd, long offset) throws IOException {
    long at;
    int errno;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment capture = arena.allocate(LinuxFile.CAPTURE_LAYOUT);
      at = (long) MMAP.invokeExact(capture, 0L, length, prot, flags, fd, offset);
      errno = (int) LinuxFile.ERRNO.get(capture, 0L);
    } catch (Throwable t) {
      throw LinuxFile.rethrow(t);
    }
    if (at == -1L) {
      throw new IOException("mmap of " + length + " bytes failed: errno " + errno);
    }
    return at;
  }

  static void unmap(long address, long length) {
    try {
      int unused = (int) MUNMAP.invokeExact(address, length);
    } catch (Throwable t) {
      throw LinuxFile.rethrow(t);
    }
  }

  /** madvise(2); only ever a hint, so whether it took is not reported. */
  static void advise(long address, long length, int advice) {
    try {
      int ignored = (int) MADVISE.invokeExact(address, length, advice);
    } catch (Throwable t) {
      throw LinuxFile.rethrow(t);
    }
  }
}
