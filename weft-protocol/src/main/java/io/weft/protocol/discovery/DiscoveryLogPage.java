package io.weft.protocol.discovery;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
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
    encodeWindow(out, 0, size());
  }

  /**
   * Writes bytes [{@code offset}, {@code offset + length}) of the page at the writer index, zero
   * past its end: what a Get Log Page at that offset returns. Only the records in the window are
   * encoded, so a host reading the header first (as nvme-cli and the Linux host do) costs one
   * header, not the whole page.
   */
  public void encodeWindow(ByteBuf out, long offset, int length) {
    int base = out.writerIndex();
    out.writeZero(length);
    long end = offset + length;
    // The header and the entries are all 1024-byte records: record 0 is the header.
    int records = entries.size() + 1;
    ByteBuf partial = null;
    for (long r = offset / HEADER_SIZE; r < records && r * HEADER_SIZE < end; r++) {
      long start = r * HEADER_SIZE;
      if (start >= offset && start + HEADER_SIZE <= end) {
        encodeRecord((int) r, out, base + (int) (start - offset));
        continue;
      }
      // A record cut by the window: encode it aside and copy the part inside.
      if (partial == null) {
        partial = Unpooled.buffer(HEADER_SIZE, HEADER_SIZE);
      }
      partial.setZero(0, HEADER_SIZE);
      encodeRecord((int) r, partial, 0);
      long from = Math.max(offset, start);
      long to = Math.min(end, start + HEADER_SIZE);
      out.setBytes(base + (int) (from - offset), partial, (int) (from - start), (int) (to - from));
    }
  }

  /** Record 0 (the header) or entry r - 1 at {@code at}, over zeroes. */
  private void encodeRecord(int r, ByteBuf b, int at) {
    if (r == 0) {
      b.setLongLE(at + GENCTR, generation);
      b.setLongLE(at + NUMREC, entries.size());
      b.setShortLE(at + RECFMT, 0);
    } else {
      entries.get(r - 1).encodeAt(b, at);
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
