package io.weft.tgt.core;

import static io.weft.tgt.core.Harness.HOST;
import static io.weft.tgt.core.Harness.HOST2;
import static io.weft.tgt.core.Harness.MIB;
import static io.weft.tgt.core.Harness.adminQueue;
import static io.weft.tgt.core.Harness.allZero;
import static io.weft.tgt.core.Harness.assertStatus;
import static io.weft.tgt.core.Harness.assertSuccess;
import static io.weft.tgt.core.Harness.memory;
import static io.weft.tgt.core.Harness.newQueue;
import static io.weft.tgt.core.Harness.subsystem;
import static io.weft.tgt.core.Harness.wrap;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.weft.protocol.discovery.DiscoveryLogEntry;
import io.weft.protocol.discovery.DiscoveryLogPage;
import io.weft.protocol.nvme.IdentifyController;
import io.weft.protocol.nvme.Opcodes;
import io.weft.protocol.nvme.Status;
import io.weft.tgt.Target;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.testing.RawHost;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The discovery controller and its log page (LID 70h), as nvme-cli / libnvme read it. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DiscoveryTest {
  private static final String DISCOVERY = DiscoveryLogPage.DISCOVERY_NQN;
  private static final String OPEN = "nqn.2026-11.io.weft.test:open";
  private static final String ONLY_HOST = "nqn.2026-11.io.weft.test:only-host";
  private static final String ONLY_HOST2 = "nqn.2026-11.io.weft.test:only-host2";

  private Target target;

  @BeforeAll
  void start() throws IOException {
    target =
        Harness.start(
            null,
            Harness.tuning(),
            List.of(
                new ListenerConfig("127.0.0.1", 0, "192.0.2.10", 4420),
                new ListenerConfig("127.0.0.1", 0, "2001:db8::10", 4421),
                ListenerConfig.of("127.0.0.1", 0)),
            List.of(
                subsystem(OPEN, List.of(), memory(1, MIB, 512)),
                subsystem(ONLY_HOST, List.of(HOST), memory(1, MIB, 512)),
                subsystem(ONLY_HOST2, List.of(HOST2), memory(1, MIB, 512))));
  }

  @AfterAll
  void stop() {
    target.close();
  }

  /** An entry as the host uses it to connect. */
  private record Where(String subnqn, int adrfam, String traddr, String trsvcid) {}

  private Set<Where> expected(String... subsystems) {
    String plainPort = Integer.toString(target.listenAddresses().get(2).getPort());
    Set<Where> out = new HashSet<>();
    for (String s : subsystems) {
      out.add(new Where(s, DiscoveryLogEntry.ADRFAM_IPV4, "192.0.2.10", "4420"));
      out.add(new Where(s, DiscoveryLogEntry.ADRFAM_IPV6, "2001:db8::10", "4421"));
      out.add(new Where(s, DiscoveryLogEntry.ADRFAM_IPV4, "127.0.0.1", plainPort));
    }
    return out;
  }

  private static byte[] read(RawHost h, int bytes, long offset, boolean rae) throws IOException {
    return assertSuccess(h.getLogPage(Opcodes.LOG_DISCOVERY, 0, bytes, offset, rae)).data();
  }

  /** Reads the page the way libnvme does: the header, then the whole page in 4 KiB chunks. */
  private static byte[] readLikeLibnvme(RawHost h) throws IOException {
    byte[] header = read(h, 1024, 0, true);
    long numrec = wrap(header).getLongLE(DiscoveryLogPage.NUMREC);
    int size = (int) (1024 + numrec * 1024);
    byte[] page = new byte[size];
    for (int off = 0; off < size; off += 4096) {
      int n = Math.min(4096, size - off);
      System.arraycopy(read(h, n, off, off + n < size), 0, page, off, n);
    }
    return page;
  }

  private static DiscoveryLogPage decode(byte[] page) {
    return DiscoveryLogPage.decode(wrap(page), 0, page.length);
  }

  @Test
  void discoveryControllerIdentifiesAsOne() throws IOException {
    try (RawHost h = adminQueue(target, DISCOVERY)) {
      byte[] raw = assertSuccess(h.identify(Opcodes.CNS_CONTROLLER, 0)).data();
      IdentifyController id = IdentifyController.decode(wrap(raw), 0);
      assertEquals(IdentifyController.CONTROLLER_TYPE_DISCOVERY, id.controllerType());
      assertEquals(DISCOVERY, id.subsystemNqn());
      assertEquals(h.cntlid, id.cntlid());
      assertEquals(0, id.cmic(), "CMIC 0: no multipath on a discovery controller");
      assertEquals(1, id.oaes() >>> 31 & 1, "OAES bit 31: discovery log change notices");
      assertEquals(1, id.lpa() >>> 2 & 1, "LPA bit 2: log page offsets");
      assertEquals(1, id.sgls() & 3, "SGLS");
      assertNotEquals(0, id.maxcmd());
      assertEquals(0x00010300, id.version());
    }
  }

  @Test
  void logPageListsTheAllowedSubsystemsOnEveryListener() throws IOException {
    try (RawHost h = adminQueue(target, DISCOVERY, HOST, 0)) {
      byte[] raw = readLikeLibnvme(h);
      DiscoveryLogPage page = decode(raw);
      assertEquals(6, page.entries().size(), "2 subsystems x 3 listeners");
      assertEquals(0, wrap(raw).getShortLE(DiscoveryLogPage.RECFMT), "RECFMT 0");
      assertTrue(page.generation() != 0);
      Set<Where> seen = new HashSet<>();
      Set<Integer> portIds = new HashSet<>();
      for (int i = 0; i < page.entries().size(); i++) {
        DiscoveryLogEntry e = page.entries().get(i);
        assertEquals(DiscoveryLogEntry.TRTYPE_TCP, e.trtype());
        assertEquals(DiscoveryLogEntry.SUBTYPE_NVM, e.subtype());
        assertEquals(0, e.treq() & 3, "TREQ secure channel unspecified (else libnvme adds tls)");
        assertEquals(0, e.secType(), "TSAS SECTYPE none");
        assertEquals(0xFFFF, e.cntlid(), "dynamic controller model");
        assertTrue(e.asqsz() >= 32, "ASQSZ >= 32");
        portIds.add(e.portId());
        seen.add(new Where(e.subsystemNqn(), e.adrfam(), e.traddr(), e.trsvcid()));
        // Text fields are NUL padded.
        int base = DiscoveryLogPage.HEADER_SIZE + i * DiscoveryLogEntry.SIZE;
        int svc = base + DiscoveryLogEntry.TRSVCID;
        assertTrue(allZero(raw, svc + e.trsvcid().length(), svc + 32), "TRSVCID padding");
      }
      assertEquals(expected(OPEN, ONLY_HOST), seen);
      assertEquals(Set.of(1, 2, 3), portIds, "one port ID per listener");
    }
  }

  @Test
  void aHostNotOnTheAllowListDoesNotSeeTheSubsystem() throws IOException {
    try (RawHost h = adminQueue(target, DISCOVERY, HOST2, 0)) {
      DiscoveryLogPage page = decode(readLikeLibnvme(h));
      Set<String> nqns =
          page.entries().stream().map(DiscoveryLogEntry::subsystemNqn).collect(Collectors.toSet());
      assertEquals(Set.of(OPEN, ONLY_HOST2), nqns);
      Set<Where> seen =
          page.entries().stream()
              .map(e -> new Where(e.subsystemNqn(), e.adrfam(), e.traddr(), e.trsvcid()))
              .collect(Collectors.toSet());
      assertEquals(expected(OPEN, ONLY_HOST2), seen);
    }
  }

  @Test
  void chunkedReadsAtOffsetsGiveTheSameBytesAsOneRead() throws IOException {
    try (RawHost h = adminQueue(target, DISCOVERY)) {
      byte[] whole = read(h, 7 * 1024, 0, false);
      assertEquals(6, decode(whole).entries().size());
      assertArrayEquals(whole, readLikeLibnvme(h), "4 KiB chunks");
      byte[] joined = new byte[whole.length];
      for (int off = 0; off < whole.length; off += 1024) {
        System.arraycopy(read(h, 1024, off, true), 0, joined, off, 1024);
      }
      assertArrayEquals(whole, joined, "1 KiB chunks");
      assertArrayEquals(
          Arrays.copyOfRange(whole, 1024 + 512, 1024 + 512 + 64),
          read(h, 64, 1024 + 512, true),
          "an unaligned window inside an entry");
      // More than the page: the rest is zeros.
      byte[] longer = read(h, 8 * 1024, 0, true);
      assertArrayEquals(whole, Arrays.copyOf(longer, whole.length));
      assertTrue(allZero(longer, whole.length, longer.length));
    }
  }

  @Test
  void offsetsTheSpecForbidsAreRefusedAndTheConnectionServesOn() throws IOException {
    try (RawHost h = adminQueue(target, DISCOVERY)) {
      // LPO must be a multiple of 4 and within the page.
      assertStatus(
          Status.INVALID_FIELD | Status.DNR, h.getLogPage(Opcodes.LOG_DISCOVERY, 0, 1024, 2, true));
      assertStatus(
          Status.INVALID_FIELD | Status.DNR,
          h.getLogPage(Opcodes.LOG_DISCOVERY, 0, 1024, 1L << 32, true));
      // The window may end anywhere: past the last entry it is zero-filled.
      byte[] whole = read(h, 7 * 1024, 0, true);
      byte[] tail = read(h, 2048, 7 * 1024 - 1000, true);
      assertArrayEquals(
          Arrays.copyOfRange(whole, 7 * 1024 - 1000, 7 * 1024), Arrays.copyOf(tail, 1000));
      assertTrue(allZero(tail, 1000, 2048));
      assertArrayEquals(whole, read(h, 7 * 1024, 0, false), "served on, unchanged");
    }
  }

  /** LSP bit 0 (TP8010): extended entries, each the basic one with TEL 1032 and no attributes. */
  @Test
  void extendedEntriesWhenTheHostAsksForThem() throws IOException {
    try (RawHost h = adminQueue(target, DISCOVERY)) {
      byte[] basic = read(h, 7 * 1024, 0, true);
      int size = 1024 + 6 * 1032;
      int numd = size / 4 - 1;
      byte[] extended =
          assertSuccess(
                  h.adminData(
                      Opcodes.ADMIN_GET_LOG_PAGE,
                      0,
                      Opcodes.LOG_DISCOVERY | 1 << 8 | numd << 16,
                      0,
                      0,
                      0,
                      size))
              .data();
      ByteBuf b = wrap(extended);
      assertEquals(DiscoveryLogPage.DLPF_EXTENDED, b.getByte(DiscoveryLogPage.DLPF));
      assertEquals(size, b.getIntLE(DiscoveryLogPage.TDLPL));
      assertEquals(6, b.getLongLE(DiscoveryLogPage.NUMREC));
      for (int i = 0; i < 6; i++) {
        int at = 1024 + i * 1032;
        assertArrayEquals(
            Arrays.copyOfRange(basic, 1024 + i * 1024, 2048 + i * 1024),
            Arrays.copyOfRange(extended, at, at + 1024),
            "entry " + i);
        assertEquals(1032, b.getIntLE(at + DiscoveryLogEntry.TEL));
        assertEquals(0, b.getShortLE(at + DiscoveryLogEntry.NUMEXAT));
      }
    }
  }

  @Test
  void nvmOnlyAdminCommandsAreRefused() throws IOException {
    try (RawHost h = adminQueue(target, DISCOVERY)) {
      // Abort, Format NVM, Namespace Management: not part of the discovery service.
      for (int opcode : new int[] {Opcodes.ADMIN_ABORT, 0x80, 0x0D}) {
        assertStatus(Status.INVALID_OPCODE | Status.DNR, h.simple(opcode, 0, 0, 0, 0));
      }
      // Identify: only the controller data structure exists here.
      for (int cns :
          new int[] {
            Opcodes.CNS_NAMESPACE, Opcodes.CNS_ACTIVE_NAMESPACES, Opcodes.CNS_NS_DESCRIPTORS
          }) {
        assertStatus(Status.INVALID_FIELD | Status.DNR, h.identify(cns, 1));
      }
      assertStatus(
          Status.INVALID_LOG_PAGE | Status.DNR, h.getLogPage(Opcodes.LOG_SMART, -1, 512, 0));
      assertStatus(
          Status.INVALID_FIELD | Status.DNR,
          h.setFeatures(Opcodes.FEAT_NUMBER_OF_QUEUES, 0x00010001));
      // No I/O queues on a discovery controller.
      try (RawHost io = newQueue(target, h)) {
        assertStatus(
            Status.CONNECT_INVALID_PARAMETERS | Status.DNR, io.connect(1, DISCOVERY, HOST, 31, 0));
      }
      // Discovery keeps working.
      assertSuccess(h.getLogPage(Opcodes.LOG_DISCOVERY, 0, 1024, 0));
    }
  }

  @Test
  void theGenerationCounterIsStableWhileNothingChanges() throws IOException {
    try (RawHost h = adminQueue(target, DISCOVERY)) {
      long first = wrap(read(h, 1024, 0, true)).getLongLE(DiscoveryLogPage.GENCTR);
      try (RawHost other = adminQueue(target, DISCOVERY, HOST2, 0)) {
        ByteBuf header = wrap(read(other, 1024, 0, true));
        assertEquals(first, header.getLongLE(DiscoveryLogPage.GENCTR));
      }
      assertEquals(first, wrap(read(h, 1024, 0, false)).getLongLE(DiscoveryLogPage.GENCTR));
    }
  }
}
