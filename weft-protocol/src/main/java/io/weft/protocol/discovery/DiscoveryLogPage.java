package io.weft.protocol.discovery;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;

/**
 * Discovery Log Page, LID 70h (NVMe over Fabrics 1.1): a 1024-byte header (generation counter,
 * number of records, record format) followed by 1024-byte entries; or, when the host asks for
 * extended entries (TP8010, LSP bit 0), by 1032-byte extended entries, with the header's flags and
 * total length set.
 */
public record DiscoveryLogPage(long generation, List<DiscoveryLogEntry> entries) {
  public static final int HEADER_SIZE = 1024;
  public static final int GENCTR = 0;
  public static final int NUMREC = 8;
  public static final int RECFMT = 16;
  public static final int DLPF = 18;
  public static final int TDLPL = 20;

  /** DLPF bit 0: the entries are extended. */
  public static final int DLPF_EXTENDED = 1;

  /** Get Log Page LSP bit 0 (CDW10 bit 8): return extended entries. */
  public static final int LSP_EXTENDED_ENTRIES = 1;

  public static final String DISCOVERY_NQN = "nqn.2014-08.org.nvmexpress.discovery";

  public int size() {
    return size(false);
  }

  public int size(boolean extended) {
    int entry = extended ? DiscoveryLogEntry.EXTENDED_SIZE : DiscoveryLogEntry.SIZE;
    return HEADER_SIZE + entries.size() * entry;
  }

  /** Writes the whole page, basic entries, at the writer index. */
  public void encode(ByteBuf out) {
    encodeWindow(out, 0, size());
  }

  /**
   * Writes the whole page at the writer index, with extended entries if asked (TP8010: each entry
   * followed by TEL and NUMEXAT, the header's flags and total length set).
   */
  public void encode(ByteBuf out, boolean extended) {
    if (!extended) {
      encode(out);
      return;
    }
    int base = out.writerIndex();
    int size = size(true);
    out.writeZero(size);
    out.setLongLE(base + GENCTR, generation);
    out.setLongLE(base + NUMREC, entries.size());
    out.setShortLE(base + RECFMT, 0);
    out.setByte(base + DLPF, DLPF_EXTENDED);
    out.setIntLE(base + TDLPL, size);
    int at = base + HEADER_SIZE;
    for (DiscoveryLogEntry e : entries) {
      e.encodeExtendedAt(out, at);
      at += DiscoveryLogEntry.EXTENDED_SIZE;
    }
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
