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
  private final long sizeBytes;
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
    current.mark(offset, length);
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
