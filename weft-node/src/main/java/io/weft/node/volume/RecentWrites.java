package io.weft.node.volume;

import java.util.List;
import java.util.TreeSet;

/**
 * The regions a replica was written in lately, through its replica subsystem (that is, by an
 * owner). When ownership changes without a hand-over, the old owner's last writes may have reached
 * some replicas and not others; each replica reports what it was written in lately, and the new
 * owner copies those regions from its own replica to the others, so replicas that stay in sync are
 * identical again (see {@link VolumeAgent}). Two windows: a region stays reported for at least one
 * window after its last write, and a window is longer than a lease TTL takes to end in a takeover.
 */
final class RecentWrites {
  private final long windowNanos;
  private volatile long sizeBytes;
  private volatile RegionMap current;
  private volatile RegionMap previous;
  private volatile long windowStart = System.nanoTime();

  RecentWrites(long sizeBytes, java.time.Duration window) {
    this.sizeBytes = sizeBytes;
    this.windowNanos = window.toNanos();
    this.current = new RegionMap(sizeBytes);
    this.previous = new RegionMap(sizeBytes);
  }

  void mark(long offset, long length) {
    rotateIfDue();
    RegionMap m = current;
    m.mark(offset, length);
    if (m != current) {
      // swapped meanwhile (a rotation or a growth): the mark may have missed the copy
      current.mark(offset, length);
    }
  }

  /**
   * The volume grew: maps of the new size from now on, with every mark of the old ones (a mark that
   * lands on an old map meanwhile marks the new one too, see {@link #mark}).
   */
  synchronized void grow(long newSizeBytes) {
    if (newSizeBytes <= sizeBytes) {
      return;
    }
    RegionMap oldCurrent = current;
    RegionMap oldPrevious = previous;
    sizeBytes = newSizeBytes;
    RegionMap newCurrent = new RegionMap(newSizeBytes);
    RegionMap newPrevious = new RegionMap(newSizeBytes);
    current = newCurrent;
    previous = newPrevious;
    oldCurrent.marked().forEach(r -> newCurrent.mark((long) r << RegionMap.REGION_SHIFT, 1));
    oldPrevious.marked().forEach(r -> newPrevious.mark((long) r << RegionMap.REGION_SHIFT, 1));
  }

  /** The regions written in the last one to two windows. */
  List<Integer> regions() {
    rotateIfDue();
    TreeSet<Integer> all = new TreeSet<>(previous.marked());
    all.addAll(current.marked());
    return List.copyOf(all);
  }

  private void rotateIfDue() {
    long now = System.nanoTime();
    if (now - windowStart < windowNanos) {
      return;
    }
    synchronized (this) {
      long elapsed = now - windowStart;
      if (elapsed < windowNanos) {
        return;
      }
      // A write that marked the old current map is still reported: it becomes the previous one.
      previous = elapsed < 2 * windowNanos ? current : new RegionMap(sizeBytes);
      current = new RegionMap(sizeBytes);
      windowStart = now;
    }
  }
}
