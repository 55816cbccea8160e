package io.weft.tgt.tcp;

/**
 * A queue's free command slots, taken in the order they were freed (a ring): a slot freed by an
 * answer that still waits for its read batch's flush is the last one taken again, so its header
 * buffers ({@link io.weft.protocol.tcp.SlotBuffers}) are usually back by the time it is reused.
 * Event-loop confined.
 */
final class FreeSlots {
  private final int[] ring;
  private int head;
  private int count;

  /** All of slots {@code 0..n-1} free, taken in ascending order first. */
  FreeSlots(int n) {
    ring = new int[n];
    for (int i = 0; i < n; i++) {
      ring[i] = i;
    }
    count = n;
  }

  int count() {
    return count;
  }

  /** The slot freed longest ago; the caller checks {@link #count} first. */
  int take() {
    int slot = ring[head];
    head = head + 1 == ring.length ? 0 : head + 1;
    count--;
    return slot;
  }

  void put(int slot) {
    int tail = head + count;
    ring[tail < ring.length ? tail : tail - ring.length] = slot;
    count++;
  }
}
