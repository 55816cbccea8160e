package io.weft.block;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.Consumer;

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
 * Where the calls are missing ({@link LinuxMemory#available}) or a mapping fails, chunks come from
 * {@code Arena.ofAuto().allocate} as before.
 */
@SuppressWarnings("restricted")
final class HugePageMemory {
  static final long HUGE_PAGE = 2L << 20;

  private HugePageMemory() {}

  /** Whether chunks can be mapped here. */
  static boolean available() {
    return LinuxMemory.available();
  }

  /**
   * {@code length} zeroed bytes, 2 MiB aligned and asked to be huge pages when {@code length} is a
   * multiple of 2 MiB; freed by the collector.
   */
  static MemorySegment allocate(long length) {
    if (available() && length % HUGE_PAGE == 0) {
      try {
        return mapAligned(length);
      } catch (IOException e) {
        // No mapping: ordinary memory, below.
      }
    }
    return Arena.ofAuto().allocate(length, 4096);
  }

  /** An anonymous mapping of {@code length} bytes at a 2 MiB boundary, advised huge pages. */
  private static MemorySegment mapAligned(long length) throws IOException {
    // Map one huge page more than asked, keep the aligned part, give the slack back.
    long mapped = length + HUGE_PAGE;
    long start =
        LinuxMemory.map(
            mapped,
            LinuxMemory.PROT_READ_WRITE,
            LinuxMemory.MAP_PRIVATE | LinuxMemory.MAP_ANONYMOUS,
            -1,
            0);
    long aligned = (start + HUGE_PAGE - 1) & -HUGE_PAGE;
    if (aligned > start) {
      LinuxMemory.unmap(start, aligned - start);
    }
    long end = aligned + length;
    if (start + mapped > end) {
      LinuxMemory.unmap(end, start + mapped - end);
    }
    // Only a hint: without it the chunk is ordinary 4 KiB pages.
    LinuxMemory.advise(aligned, length, LinuxMemory.MADV_HUGEPAGE);
    return MemorySegment.ofAddress(aligned)
        .reinterpret(length, Arena.ofAuto(), unmapper(aligned, length));
  }

  /** The arena's cleanup: it must hold the address and length only, never the segment. */
  private static Consumer<MemorySegment> unmapper(long address, long length) {
    return ignored -> LinuxMemory.unmap(address, length);
  }
}
