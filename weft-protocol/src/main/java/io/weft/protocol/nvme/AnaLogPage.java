package io.weft.protocol.nvme;

import io.netty.buffer.ByteBuf;
import java.util.List;

/**
 * Asymmetric Namespace Access log page, LID 0Ch (NVMe Base 2.0, "Asymmetric Namespace Access"): a
 * 16-byte header (change count, number of group descriptors), then per ANA group a 32-byte
 * descriptor (group ID, number of NSIDs, change count, state) followed by its NSIDs, 4 bytes each.
 * With RGO (Return Groups Only, LSP bit 0) the NSID lists are left out and every NNSID is 0.
 */
public record AnaLogPage(long changeCount, List<Group> groups) {
  public static final int HEADER_SIZE = 16;
  public static final int DESCRIPTOR_SIZE = 32;

  /** ANA states (descriptor byte 16, bits 3:0). */
  public static final int OPTIMIZED = 0x01;

  public static final int NON_OPTIMIZED = 0x02;
  public static final int INACCESSIBLE = 0x03;
  public static final int PERSISTENT_LOSS = 0x04;
  public static final int CHANGE = 0x0F;

  /** One ANA group as this controller sees it. */
  public record Group(int groupId, long changeCount, int state, int[] nsids) {}

  public AnaLogPage {
    groups = List.copyOf(groups);
  }

  /** Bytes the page takes, with or without the NSID lists. */
  public int size(boolean groupsOnly) {
    int size = HEADER_SIZE + groups.size() * DESCRIPTOR_SIZE;
    if (!groupsOnly) {
      for (Group g : groups) {
        size += 4 * g.nsids().length;
      }
    }
    return size;
  }

  public void encode(ByteBuf page, boolean groupsOnly) {
    int base = page.writerIndex();
    page.writeZero(size(groupsOnly));
    page.setLongLE(base, changeCount);
    page.setShortLE(base + 8, groups.size());
    int at = base + HEADER_SIZE;
    for (Group g : groups) {
      page.setIntLE(at, g.groupId());
      page.setIntLE(at + 4, groupsOnly ? 0 : g.nsids().length);
      page.setLongLE(at + 8, g.changeCount());
      page.setByte(at + 16, g.state() & 0x0F);
      at += DESCRIPTOR_SIZE;
      if (!groupsOnly) {
        for (int nsid : g.nsids()) {
          page.setIntLE(at, nsid);
          at += 4;
        }
      }
    }
  }

  /** Reads a page as {@link #encode} lays it out (with or without NSID lists). */
  public static AnaLogPage decode(ByteBuf page, int base) {
    long changeCount = page.getLongLE(base);
    int n = page.getUnsignedShortLE(base + 8);
    java.util.List<Group> groups = new java.util.ArrayList<>(n);
    int at = base + HEADER_SIZE;
    for (int i = 0; i < n; i++) {
      int nnsid = page.getIntLE(at + 4);
      if (nnsid < 0 || nnsid > 1 << 20) {
        throw new IllegalArgumentException("ANA group descriptor with " + nnsid + " NSIDs");
      }
      int[] nsids = new int[nnsid];
      for (int k = 0; k < nnsid; k++) {
        nsids[k] = page.getIntLE(at + DESCRIPTOR_SIZE + 4 * k);
      }
      groups.add(
          new Group(
              page.getIntLE(at),
              page.getLongLE(at + 8),
              page.getUnsignedByte(at + 16) & 0xF,
              nsids));
      at += DESCRIPTOR_SIZE + 4 * nnsid;
    }
    return new AnaLogPage(changeCount, groups);
  }

  /** The state of {@code groupId}, or -1 if the page does not list it. */
  public int stateOf(int groupId) {
    for (Group g : groups) {
      if (g.groupId() == groupId) {
        return g.state();
      }
    }
    return -1;
  }

  /** Whether I/O may be executed on a path in this state. */
  public static boolean accessible(int state) {
    return state == OPTIMIZED || state == NON_OPTIMIZED;
  }

  /** The path-related status an I/O gets on a path in an inaccessible state (no DNR). */
  public static int ioStatus(int state) {
    return switch (state) {
      case PERSISTENT_LOSS -> Status.ANA_PERSISTENT_LOSS;
      case CHANGE -> Status.ANA_TRANSITION;
      default -> Status.ANA_INACCESSIBLE;
    };
  }

  /** The name nvme-cli prints for a state, as management APIs take it. */
  public static String name(int state) {
    return switch (state) {
      case OPTIMIZED -> "optimized";
      case NON_OPTIMIZED -> "non-optimized";
      case INACCESSIBLE -> "inaccessible";
      case PERSISTENT_LOSS -> "persistent-loss";
      case CHANGE -> "change";
      default -> "invalid";
    };
  }

  /** The state for a name of {@link #name}; -1 if unknown. */
  public static int parse(String name) {
    return switch (name) {
      case "optimized" -> OPTIMIZED;
      case "non-optimized" -> NON_OPTIMIZED;
      case "inaccessible" -> INACCESSIBLE;
      case "persistent-loss" -> PERSISTENT_LOSS;
      case "change" -> CHANGE;
      default -> -1;
    };
  }
}
