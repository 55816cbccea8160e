package io.weft.protocol.discovery;

import io.netty.buffer.ByteBuf;
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
    encode(out, false);
  }

  /** Writes the whole page at the writer index, with extended entries if asked. */
  public void encode(ByteBuf out, boolean extended) {
    int base = out.writerIndex();
    int size = size(extended);
    out.writeZero(size);
    out.setLongLE(base + GENCTR, generation);
    out.setLongLE(base + NUMREC, entries.size());
    out.setShortLE(base + RECFMT, 0);
    if (extended) {
      out.setByte(base + DLPF, DLPF_EXTENDED);
      out.setIntLE(base + TDLPL, size);
    }
    int at = base + HEADER_SIZE;
    for (DiscoveryLogEntry e : entries) {
      if (extended) {
        e.encodeExtendedAt(out, at);
        at += DiscoveryLogEntry.EXTENDED_SIZE;
      } else {
        e.encodeAt(out, at);
        at += DiscoveryLogEntry.SIZE;
      }
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
