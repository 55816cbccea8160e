package io.weft.tgt.core;

import io.weft.protocol.nvme.AnaLogPage;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The ANA state of each (port, ANA group) of one subsystem, with the change counts its log page
 * reports. Every group starts optimized on every port. Reads are on the I/O hot path (one array
 * lookup, no lock, no allocation); changes are rare management calls that copy the table.
 */
public final class AnaStates {
  /** Highest ANA group ID (Identify ANAGRPMAX); a namespace's group is its NSID. */
  public static final int MAX_GROUP = Subsystem.MAX_NAMESPACES;

  private volatile byte[][] byPort = new byte[0][];
  private final AtomicLong changeCount = new AtomicLong();
  private final long[] groupChangeCounts = new long[MAX_GROUP + 1];

  /** The state of {@code group} on {@code portId}. */
  public int state(int portId, int group) {
    byte[][] table = byPort;
    if (portId < 0 || portId >= table.length || table[portId] == null) {
      return AnaLogPage.OPTIMIZED;
    }
    return table[portId][group];
  }

  /**
   * Sets a state; returns false (and changes nothing) if it already was that state.
   *
   * @throws IllegalArgumentException for an unknown state or a group outside 1..MAX_GROUP
   */
  public synchronized boolean set(int portId, int group, int state) {
    if (group < 1 || group > MAX_GROUP) {
      throw new IllegalArgumentException("ANA group must be 1.." + MAX_GROUP + ", not " + group);
    }
    if (AnaLogPage.name(state).equals("invalid")) {
      throw new IllegalArgumentException("unknown ANA state " + state);
    }
    if (portId < 1) {
      throw new IllegalArgumentException("port IDs start at 1, not " + portId);
    }
    if (state(portId, group) == state) {
      return false;
    }
    byte[][] table = Arrays.copyOf(byPort, Math.max(byPort.length, portId + 1));
    byte[] row = table[portId] == null ? fresh() : table[portId].clone();
    row[group] = (byte) state;
    table[portId] = row;
    groupChangeCounts[group] = changeCount.incrementAndGet();
    byPort = table;
    return true;
  }

  /** Increases with every state change (the log page header's Change Count). */
  public long changeCount() {
    return changeCount.get();
  }

  /** The change count when this group last changed (0: never). */
  public synchronized long groupChangeCount(int group) {
    return groupChangeCounts[group];
  }

  private static byte[] fresh() {
    byte[] row = new byte[MAX_GROUP + 1];
    Arrays.fill(row, (byte) AnaLogPage.OPTIMIZED);
    return row;
  }
}
