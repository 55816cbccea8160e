package io.weft.tgt.core;

import io.netty.buffer.ByteBuf;
import io.weft.protocol.discovery.DiscoveryLogEntry;
import io.weft.protocol.nvme.ErrorLogEntry;

/**
 * The Error Information log of one controller: the newest {@link #ENTRIES} command errors, each
 * with a unique increasing error count. Errors are rare and come from several queues, so a lock is
 * fine here.
 */
final class ErrorLog {
  /** Entries kept; Identify Controller ELPE reports this minus one. */
  static final int ENTRIES = 64;

  private final ErrorLogEntry[] ring = new ErrorLogEntry[ENTRIES];
  private long count;

  synchronized void add(int sqid, int cid, int status, int location, long lba, int nsid) {
    count++;
    ring[(int) (count % ENTRIES)] =
        new ErrorLogEntry(
            count, sqid, cid, status, location, lba, nsid, DiscoveryLogEntry.TRTYPE_TCP);
  }

  /** Writes the full page (ENTRIES × 64 bytes, newest first, unused entries zero). */
  synchronized void encode(ByteBuf page) {
    int base = page.writerIndex();
    page.writeZero(ENTRIES * ErrorLogEntry.SIZE);
    for (int i = 0; i < ENTRIES && count - i > 0; i++) {
      ErrorLogEntry e = ring[(int) ((count - i) % ENTRIES)];
      e.encodeAt(page, base + i * ErrorLogEntry.SIZE);
    }
  }
}
