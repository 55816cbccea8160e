package io.weft.protocol.discovery;

import static io.weft.protocol.testing.Hex.assertBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.protocol.testing.Expected;
import io.weft.protocol.testing.Hex;
import io.weft.protocol.testing.KernelVectors;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Discovery log page 70h (ref §5.1): a 1024-byte header, then 1024-byte entries. */
class DiscoveryLogTest {

  static final DiscoveryLogEntry NVM =
      new DiscoveryLogEntry(
          DiscoveryLogEntry.TRTYPE_TCP,
          DiscoveryLogEntry.ADRFAM_IPV4,
          DiscoveryLogEntry.SUBTYPE_NVM,
          DiscoveryLogEntry.TREQ_SECURE_CHANNEL_NOT_REQUIRED,
          1,
          0xFFFF,
          32,
          "4420",
          "nqn.2024-01.io.weft:disk1",
          "192.0.2.10",
          0);

  static final DiscoveryLogEntry SELF =
      new DiscoveryLogEntry(
          3,
          2,
          DiscoveryLogEntry.SUBTYPE_CURRENT_DISCOVERY,
          0,
          0x0102,
          0xFFFF,
          32,
          "8009",
          DiscoveryLogPage.DISCOVERY_NQN,
          "2001:db8::1",
          0);

  /** The entry {@link #NVM}, written out from ref §5.1. */
  static Expected nvmEntry(Expected e, int base) {
    return e.at(base, "03 01 02 02 0100 ffff 2000") // TRTYPE TCP, IPv4, NVM, TREQ 2, port, CNTLID,
        // ASQSZ 32; EFLAGS 0 at 10
        .ascii(base + 32, 32, "4420", '\0')
        .ascii(base + 256, 256, "nqn.2024-01.io.weft:disk1", '\0')
        .ascii(base + 512, 256, "192.0.2.10", '\0');
    // TSAS byte 0 SECTYPE 0 at 768
  }

  @Test
  void entryKnownAnswer() {
    byte[] expected = nvmEntry(new Expected(1024), 0).bytes();
    ByteBuf b = Unpooled.buffer(1024).writeZero(1024);
    NVM.encodeAt(b, 0);
    assertBytes("discovery entry", expected, Hex.readable(b));
    assertEquals(NVM, DiscoveryLogEntry.decode(Unpooled.wrappedBuffer(expected), 0));
  }

  @Test
  void pageKnownAnswer() {
    // ref §5.1 header: GENCTR (8) at 0, NUMREC (8) at 8, RECFMT (2) at 16 = 0.
    Expected e =
        new Expected(3072)
            .at(0, "0500000000000000 0200000000000000 0000")
            .at(1024, "03 02 03 00 0201 ffff 2000")
            .ascii(1024 + 32, 32, "8009", '\0')
            .ascii(1024 + 256, 256, DiscoveryLogPage.DISCOVERY_NQN, '\0')
            .ascii(1024 + 512, 256, "2001:db8::1", '\0');
    byte[] expected = nvmEntry(e, 2048).bytes();
    DiscoveryLogPage page = new DiscoveryLogPage(5, List.of(SELF, NVM));
    assertEquals(3072, page.size());
    ByteBuf b = Unpooled.buffer();
    page.encode(b);
    assertBytes("discovery page", expected, Hex.readable(b));
    assertEquals(page, DiscoveryLogPage.decode(Unpooled.wrappedBuffer(expected), 0, 3072));
  }

  @Test
  void extendedPageKnownAnswer() {
    // TP8010: DLPF bit 0 at 18, TDLPL at 20; each entry gains TEL (1032) and NUMEXAT (0).
    DiscoveryLogEntry self =
        new DiscoveryLogEntry(
            3,
            1,
            DiscoveryLogEntry.SUBTYPE_CURRENT_DISCOVERY,
            0,
            1,
            0xFFFF,
            32,
            "8009",
            DiscoveryLogPage.DISCOVERY_NQN,
            "192.0.2.1",
            0,
            DiscoveryLogEntry.EFLAGS_DUPLICATE_RETURNED_INFORMATION
                | DiscoveryLogEntry.EFLAGS_EXPLICIT_PERSISTENT_CONNECTION);
    Expected e =
        new Expected(1024 + 2 * 1032)
            .at(0, "0700000000000000 0200000000000000 0000 01 00 100c0000")
            .at(1024, "03 01 03 00 0100 ffff 2000 0300") // EFLAGS 3 at 10
            .ascii(1024 + 32, 32, "8009", '\0')
            .ascii(1024 + 256, 256, DiscoveryLogPage.DISCOVERY_NQN, '\0')
            .ascii(1024 + 512, 256, "192.0.2.1", '\0')
            .at(2048, "08040000 0000 0000");
    nvmEntry(e, 2056).at(2056 + 1024, "08040000 0000 0000");
    DiscoveryLogPage page = new DiscoveryLogPage(7, List.of(self, NVM));
    assertEquals(1024 + 2 * 1032, page.size(true));
    ByteBuf b = Unpooled.buffer();
    page.encode(b, true);
    assertBytes("extended discovery page", e.bytes(), Hex.readable(b));
  }

  @Test
  void partialPageKeepsOnlyWholeEntries() {
    ByteBuf b = Unpooled.buffer();
    new DiscoveryLogPage(9, List.of(SELF, NVM)).encode(b);
    // The host may read fewer bytes than NUMREC implies (ref §5.1, chunked reads).
    assertEquals(List.of(SELF), DiscoveryLogPage.decode(b, 0, 2048).entries());
    assertEquals(List.of(), DiscoveryLogPage.decode(b, 0, 2047).entries());
    assertEquals(9, DiscoveryLogPage.decode(b, 0, 1024).generation());
  }

  /**
   * A window of the page is the same bytes as the whole page encoded and cut there, zero past its
   * end: the header alone, whole entries, records cut at dword offsets, a window past the end.
   */
  @Test
  void aWindowIsTheSameBytesAsThePageCutThere() {
    DiscoveryLogPage page = new DiscoveryLogPage(7, List.of(SELF, NVM, NVM));
    ByteBuf whole = Unpooled.buffer();
    page.encode(whole);
    byte[] full = Hex.readable(whole);
    long[][] windows = {
      {0, 1024},
      {0, 4096},
      {1024, 2048},
      {4, 16},
      {1020, 8},
      {1500, 2000},
      {3072, 1024},
      {2048, 4096},
      {4096, 512}
    };
    for (long[] w : windows) {
      int offset = (int) w[0];
      int length = (int) w[1];
      byte[] expected = new byte[length];
      if (offset < full.length) {
        System.arraycopy(full, offset, expected, 0, Math.min(length, full.length - offset));
      }
      ByteBuf b = Unpooled.buffer().writeBytes(new byte[] {9, 9});
      b.readerIndex(2);
      page.encodeWindow(b, offset, length);
      assertBytes("window " + offset + "+" + length, expected, Hex.readable(b));
    }
  }

  @Test
  void nvmetDiscoveryLogAsCaptured() {
    // "nvme discover" against the 6.1 nvmet: the second Get Log Page 70h read 3072 bytes.
    List<KernelVectors.Captured> c2h = KernelVectors.load("kernel61-discovery-c2h.hex");
    KernelVectors.Captured data = KernelVectors.find(c2h, "datal=3072 for Get Log Page LID 0x70");
    byte[] page = Arrays.copyOfRange(data.bytes(), 24, 24 + 3072);

    DiscoveryLogPage p = DiscoveryLogPage.decode(Unpooled.wrappedBuffer(page), 0, page.length);
    assertEquals(2, p.generation());
    assertEquals(2, p.entries().size());
    DiscoveryLogEntry self = p.entries().get(0);
    DiscoveryLogEntry subsystem = p.entries().get(1);
    // nvmet reports TREQ 0x04 (no secure channel requirement, SQ flow control disable supported).
    assertEquals(
        new DiscoveryLogEntry(
            3, 1, 3, 0x04, 1, 0xFFFF, 32, "4420", DiscoveryLogPage.DISCOVERY_NQN, "10.0.2.15", 0),
        self);
    assertEquals(
        new DiscoveryLogEntry(
            3,
            1,
            2,
            0x04,
            1,
            0xFFFF,
            32,
            "4420",
            "nqn.2014-08.org.example:linux-peer-target",
            "10.0.2.15",
            0),
        subsystem);

    ByteBuf again = Unpooled.buffer();
    p.encode(again);
    assertBytes("re-encoded nvmet discovery log", page, Hex.readable(again));
  }
}
