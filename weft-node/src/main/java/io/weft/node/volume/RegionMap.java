package io.weft.node.volume;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Per-region bookkeeping of a volume's writes, in {@link #REGION} units: which regions were written
 * (a set of bits, safe to mark from any thread) and, while a rebuild copies, how many writes are in
 * flight in each. Used as a change map (what a replica missed while it was out of sync), as a
 * copy's guard against copying a region under a concurrent write (each copy has its own, so two
 * copies never clear each other's marks), and as the owner's count of writes in flight per region.
 */
final class RegionMap {
  /** 1 MiB regions: a 1 TiB volume needs 128 KiB of bits. */
  static final int REGION_SHIFT = 20;

  static final long REGION = 1L << REGION_SHIFT;

  private final int regions;
  private final AtomicLongArray bits;
  private final AtomicIntegerArray inFlight;

  /** Marks only (a change map, a copy's guard). */
  RegionMap(long sizeBytes) {
    this(sizeBytes, false);
  }

  /** Marks, and in-flight counts if {@code counts} (the owner's one count of writes in flight). */
  RegionMap(long sizeBytes, boolean counts) {
    this.regions = (int) ((sizeBytes + REGION - 1) >>> REGION_SHIFT);
    this.bits = new AtomicLongArray((regions + 63) >>> 6);
    this.inFlight = counts ? new AtomicIntegerArray(regions) : null;
  }

  int regions() {
    return regions;
  }

  /** Marks every region the byte range touches. */
  void mark(long offset, long length) {
    if (length <= 0) {
      return;
    }
    int first = (int) (offset >>> REGION_SHIFT);
    int last = (int) Math.min(regions - 1, (offset + length - 1) >>> REGION_SHIFT);
    for (int r = first; r <= last; r++) {
      int word = r >>> 6;
      long bit = 1L << (r & 63);
      bits.getAndAccumulate(word, bit, RegionMap::or);
    }
  }

  /** Marks everything (a full copy). */
  void markAll() {
    mark(0, (long) regions << REGION_SHIFT);
  }

  boolean isMarked(int region) {
    return (bits.get(region >>> 6) & (1L << (region & 63))) != 0;
  }

  /** Clears a region's mark; true if it was marked. */
  boolean clear(int region) {
    long bit = 1L << (region & 63);
    return (bits.getAndAccumulate(region >>> 6, bit, RegionMap::andNot) & bit) != 0;
  }

  int countMarked() {
    int n = 0;
    for (int i = 0; i < bits.length(); i++) {
      n += Long.bitCount(bits.get(i));
    }
    return n;
  }

  void begin(long offset, long length) {
    addInFlight(offset, length, 1);
  }

  void end(long offset, long length) {
    addInFlight(offset, length, -1);
  }

  int inFlight(int region) {
    return inFlight.get(region);
  }

  /** The marked regions, in order. */
  java.util.List<Integer> marked() {
    java.util.List<Integer> out = new java.util.ArrayList<>();
    for (int r = 0; r < regions; r++) {
      if (isMarked(r)) {
        out.add(r);
      }
    }
    return out;
  }

  /** Copies every mark of {@code other} into this map. */
  void addAll(RegionMap other) {
    for (int i = 0; i < bits.length(); i++) {
      long w = other.bits.get(i);
      bits.getAndAccumulate(i, w, RegionMap::or);
    }
  }

  // Marking and counting run for every write on the owner: plain loops and non-capturing method
  // references, so nothing is allocated per write.
  private void addInFlight(long offset, long length, int delta) {
    if (length <= 0) {
      return;
    }
    int first = (int) (offset >>> REGION_SHIFT);
    int last = (int) Math.min(regions - 1, (offset + length - 1) >>> REGION_SHIFT);
    for (int r = first; r <= last; r++) {
      inFlight.addAndGet(r, delta);
    }
  }

  private static long or(long word, long bits) {
    return word | bits;
  }

  private static long andNot(long word, long bits) {
    return word & ~bits;
  }
}
