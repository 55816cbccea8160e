package io.weft.protocol.discovery;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;

/**
 * Discovery Log Page, LID 70h (NVMe over Fabrics 1.1): a 1024-byte header (generation counter,
 * number of records, record format) followed by 1024-byte entries.
 */
public record DiscoveryLogPage(long generation, List<DiscoveryLogEntry> entries) {
  public static final int HEADER_SIZE = 1024;
  public static final int GENCTR = 0;
  public static final int NUMREC = 8;
  public static final int RECFMT = 16;

  public static final String DISCOVERY_NQN = "nqn.2014-08.org.nvmexpress.discovery";

  public int size() {
    return HEADER_SIZE + entries.size() * DiscoveryLogEntry.SIZE;
  }

  /** Writes the whole page at the writer index. */
  public void encode(ByteBuf out) {
    int base = out.writerIndex();
    out.writeZero(size());
    out.setLongLE(base + GENCTR, generation);
    out.setLongLE(base + NUMREC, entries.size());
    out.setShortLE(base + RECFMT, 0);
    for (int i = 0; i < entries.size(); i++) {
      entries.get(i).encodeAt(out, base + HEADER_SIZE + i * DiscoveryLogEntry.SIZE);
    }
  }

  /** Decodes a page holding {@code available} bytes (entries beyond it are left out). */
  public static DiscoveryLogPage decode(ByteBuf b, int base, int available) {
    long generation = b.getLongLE(base + GENCTR);
    long numrec = b.getLongLE(base + NUMREC);
    List<DiscoveryLogEntry> entries = new ArrayList<>();
    for (long i = 0; i < numrec; i++) {
      long at = HEADER_SIZE + i * DiscoveryLogEntry.SIZE;
      if (at + DiscoveryLogEntry.SIZE > available) {
        break;
      }
      entries.add(DiscoveryLogEntry.decode(b, base + (int) at));
    }
    return new DiscoveryLogPage(generation, entries);
  }
}
