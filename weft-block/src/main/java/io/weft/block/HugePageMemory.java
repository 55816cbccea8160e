package io.weft.block;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

/**
 * Memory for a memory namespace's chunks, backed by transparent huge pages where the kernel gives
 * them. Random 4 KiB reads from a large namespace each touch a page nothing has touched lately:
 * with 4 KiB pages every one also misses the TLB, and the kernel's copy of the data into the socket
 * was 42% of the target's CPU at 4 KiB randread QD32 (perf, docs/benchmarks.md). SPDK's malloc bdev
 * lives in 2 MiB huge pages and pays none of that.
 *
 * <p>Each chunk is an anonymous mapping aligned to 2 MiB and marked {@code MADV_HUGEPAGE} before
 * anything touches it, so its first write faults in huge pages (this machine's THP mode is
 * "madvise": nothing gets them unasked). Anonymous memory comes zeroed, as a chunk must. The
 * mapping belongs to an automatic arena and is unmapped once the collector finds no chunk table or
 * in-flight copy referring to it, the same lifetime the chunks had with {@code Arena.ofAuto()}.
 * Where the calls are missing (not Linux) or a mapping fails, chunks come from {@code
 * Arena.ofAuto().allocate} as before.
 */
final class HugePageMemory {
  static final long HUGE_PAGE = 2L << 20;

  private static final int PROT_READ_WRITE = 0x3;
  private static final int MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20;
  private static final int MADV_HUGEPAGE = 14;
  private static final long MAP_FAILED = -1L;

  private static final MethodHandle MMAP;
  private static final MethodHandle MUNMAP;
  private static final MethodHandle MADVISE;

  static {
    MethodHandle mmap = null;
    MethodHandle munmap = null;
    MethodHandle madvise = null;
    try {
      if (System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")) {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        mmap =
            linker.downcallHandle(
                libc.find("mmap").orElseThrow(),
                FunctionDescriptor.of(
                    JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
        munmap =
            linker.downcallHandle(
                libc.find("munmap").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
        madvise =
            linker.downcallHandle(
                libc.find("madvise").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
      }
    } catch (RuntimeException | LinkageError e) {
      mmap = null;
    }
    MMAP = mmap;
    MUNMAP = munmap;
    MADVISE = madvise;
  }

  private HugePageMemory() {}

  /** Whether chunks can be mapped here (Linux, with the calls found). */
  static boolean available() {
    return MMAP != null;
  }

  /**
   * {@code length} zeroed bytes, 2 MiB aligned and asked to be huge pages when {@code length} is a
   * multiple of 2 MiB; freed by the collector.
   */
  static MemorySegment allocate(long length) {
    if (MMAP == null || length % HUGE_PAGE != 0) {
      return Arena.ofAuto().allocate(length, 4096);
    }
    try {
      // Map one huge page more than asked, keep the aligned part, give the slack back.
      long mapped = length + HUGE_PAGE;
      long start =
          (long) MMAP.invokeExact(0L, mapped, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0L);
      if (start == MAP_FAILED) {
        return Arena.ofAuto().allocate(length, 4096);
      }
      long aligned = (start + HUGE_PAGE - 1) & -HUGE_PAGE;
      if (aligned > start) {
        int unused = (int) MUNMAP.invokeExact(start, aligned - start);
      }
      long end = aligned + length;
      if (start + mapped > end) {
        int unused = (int) MUNMAP.invokeExact(end, start + mapped - end);
      }
      // Only a hint: without it (or if it fails) the chunk is ordinary 4 KiB pages.
      int advised = (int) MADVISE.invokeExact(aligned, length, MADV_HUGEPAGE);
      return MemorySegment.ofAddress(aligned)
          .reinterpret(length, Arena.ofAuto(), unmapper(aligned, length));
    } catch (Throwable t) {
      return Arena.ofAuto().allocate(length, 4096);
    }
  }

  /** The arena's cleanup: it must hold the address and length only, never the segment. */
  private static java.util.function.Consumer<MemorySegment> unmapper(long address, long length) {
    return ignored -> {
      try {
        int unused = (int) MUNMAP.invokeExact(address, length);
      } catch (Throwable t) {
        // Nothing to do: the memory stays mapped until the process ends.
      }
    };
  }
}
