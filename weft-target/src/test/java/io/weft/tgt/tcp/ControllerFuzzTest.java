package io.weft.tgt.tcp;

import static io.weft.tgt.tcp.TcpTestSupport.BS;
import static io.weft.tgt.tcp.TcpTestSupport.NQN;
import static io.weft.tgt.testing.RawHost.check;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.weft.protocol.discovery.DiscoveryLogPage;
import io.weft.protocol.nvme.ControllerRegisters;
import io.weft.protocol.nvme.Opcodes;
import io.weft.protocol.nvme.Sgl;
import io.weft.protocol.nvme.Sqe;
import io.weft.protocol.tcp.Pdu;
import io.weft.protocol.tcp.PduType;
import io.weft.tgt.Target;
import io.weft.tgt.config.NamespaceConfig;
import io.weft.tgt.tcp.TcpTestSupport.Session;
import io.weft.tgt.testing.RawHost;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded fuzzing through real connections: streams built from valid PDUs (ICReq, Connect, Property
 * Get/Set, Identify, Get Log Page, Get/Set Features, Read, Write in-capsule and by R2T with its
 * H2CData, Flush, Write Zeroes, Dataset Management), then mutated: header fields, SQE fields
 * (opcodes, flags, NSIDs, LBAs, SGLs), H2CData fields, data lengths, frames duplicated, dropped,
 * swapped or replaced by garbage, streams cut short. Each connection sends its stream, half-closes
 * and reads until the target closes.
 *
 * <p>The pattern lives on NSID 1 and fuzzed capsules never address NSID 1 (it is rewritten to 2),
 * so any change to it is the target's fault. After every batch: a fresh host reads the pattern
 * byte-exact, a bystander connected from the start still works, no controller is left over, no
 * buffer leaked and nothing was logged as an unexpected error.
 *
 * <p>Reproduce a failure with {@code -Dweft.fuzz.seed=<seed>} (printed at the start and in every
 * failure message), or just the failing connection with {@code -Dweft.fuzz.case=<case seed>} (also
 * in the message).
 */
class ControllerFuzzTest {
  private static final long DEFAULT_SEED = 0x5EED_2026_0001L;
  private static final int BATCHES = 6;
  private static final int CASES_PER_BATCH = 50;

  private static final long PATTERN_SIZE = 1 << 20;
  private static final long FUZZ_NS_SIZE = 1 << 20;
  private static final long FUZZ_NS_BLOCKS = FUZZ_NS_SIZE / BS;

  /** Fill for data the fuzzer writes: not a PDU type, so a desynchronised stream stops at it. */
  private static final int FILL = 0xE5;

  @TempDir Path dir;
  private Target target;

  @BeforeAll
  static void watch() {
    LeakWatch.start();
  }

  @AfterAll
  static void unwatch() {
    LeakWatch.stop();
  }

  @AfterEach
  void stop() {
    if (target != null) {
      target.close();
    }
  }

  @Test
  void mutatedPduStreamsLoseNothing() throws Exception {
    long seed = Long.getLong("weft.fuzz.seed", DEFAULT_SEED);
    System.out.println("ControllerFuzzTest seed " + seed + " (-Dweft.fuzz.seed=" + seed + ")");
    target =
        TcpTestSupport.start(
            dir,
            TcpTestSupport.tuning(2, 2),
            NamespaceConfig.memory(1, PATTERN_SIZE),
            NamespaceConfig.memory(2, FUZZ_NS_SIZE));
    InetSocketAddress addr = TcpTestSupport.address(target);
    byte[] pattern = TcpTestSupport.pattern(seed, (int) PATTERN_SIZE);
    Random master = new Random(seed);
    Long onlyCase = Long.getLong("weft.fuzz.case");
    try (Session bystander = Session.open(addr)) {
      for (int off = 0; off < PATTERN_SIZE; off += 128 << 10) {
        byte[] chunk = new byte[128 << 10];
        System.arraycopy(pattern, off, chunk, 0, chunk.length);
        check(bystander.io.write(1, off / BS, chunk, BS, false));
      }
      int batches = onlyCase == null ? BATCHES : 1;
      int cases = onlyCase == null ? CASES_PER_BATCH : 1;
      for (int batch = 0; batch < batches; batch++) {
        for (int i = 0; i < cases; i++) {
          long caseSeed = onlyCase == null ? master.nextLong() : onlyCase;
          try {
            runCase(addr, caseSeed);
          } catch (Throwable e) {
            throw new AssertionError(
                "fuzz case failed: seed " + seed + ", batch " + batch + ", case seed " + caseSeed,
                e);
          }
        }
        String where = "seed " + seed + ", after batch " + batch;
        try {
          checkHealth(addr, bystander, pattern);
          LeakWatch.check();
        } catch (Throwable e) {
          throw new AssertionError("target unhealthy: " + where, e);
        }
      }
    }
    TcpTestSupport.awaitControllers(target, 0);
  }

  private void checkHealth(InetSocketAddress addr, Session bystander, byte[] pattern)
      throws Exception {
    try (Session fresh = Session.open(addr)) {
      assertPattern(fresh, pattern);
      check(fresh.admin.identify(Opcodes.CNS_CONTROLLER, 0));
    }
    assertPattern(bystander, pattern);
    check(bystander.admin.identify(Opcodes.CNS_NAMESPACE, 1));
    // Every fuzz socket is closed: the bystander's controller is the only one left.
    TcpTestSupport.awaitControllers(target, 1);
  }

  private static void assertPattern(Session s, byte[] pattern) throws IOException {
    int chunk = 256;
    for (int lba = 0; lba < pattern.length / BS; lba += chunk) {
      byte[] expected = new byte[chunk * BS];
      System.arraycopy(pattern, lba * BS, expected, 0, expected.length);
      assertArrayEquals(expected, s.read(1, lba, chunk), "pattern differs at LBA " + lba);
    }
  }

  // ---- one fuzz case ----

  private enum Mode {
    /** The whole stream, ICReq and admin Connect included, is fuzzed. */
    RAW,
    /** A valid admin queue (enabled); the admin commands after that are fuzzed. */
    ADMIN,
    /** A valid controller with I/O queue 1; the I/O queue's traffic is fuzzed. */
    IO
  }

  private void runCase(InetSocketAddress addr, long caseSeed) throws Exception {
    Random r = new Random(caseSeed);
    Mode mode = Mode.values()[r.nextInt(3)];
    boolean hd = r.nextInt(4) == 0;
    boolean dd = r.nextInt(4) == 0;
    Gen g = new Gen(r, hd, dd);
    RawHost admin = null;
    RawHost h = new RawHost(addr);
    try {
      List<byte[]> frames = new ArrayList<>();
      switch (mode) {
        case RAW -> {
          frames.add(Pdus.icReq(0, 0, (hd ? 1 : 0) | (dd ? 2 : 0), 128));
          frames.add(g.adminConnect());
          frames.add(g.capsule(Pdus.propertySetSqe(g.cid(), ControllerRegisters.CC, 0x00460001)));
          g.adminCommands(frames, 1 + r.nextInt(8));
        }
        case ADMIN -> {
          h.initialize(hd, dd);
          check(
              h.connect(
                  0,
                  r.nextInt(8) == 0 ? DiscoveryLogPage.DISCOVERY_NQN : NQN,
                  RawHost.HOST_NQN,
                  31,
                  0));
          h.enable();
          g.adminCommands(frames, 1 + r.nextInt(10));
        }
        case IO -> {
          admin = new RawHost(addr);
          admin.adminSetup(NQN, 0);
          check(admin.setFeatures(Opcodes.FEAT_NUMBER_OF_QUEUES, 0));
          h.initialize(hd, dd);
          h.cntlid = admin.cntlid;
          check(TcpTestSupport.connectIo(h, 1, 1 + r.nextInt(31), r.nextInt(4) == 0 ? 4 : 0));
          g.ioCommands(frames, 1 + r.nextInt(10));
        }
      }
      byte[] stream = new Mutator(r, hd).mutate(frames, mode == Mode.RAW ? 1 : 0);
      try {
        h.sendRaw(stream);
        h.socket().shutdownOutput();
      } catch (IOException e) {
        // The target may already have ended the connection (C2HTermReq, then close).
      }
      drainUntilClosed(h);
    } finally {
      h.close();
      if (admin != null) {
        admin.close();
      }
    }
  }

  /** Reads and discards whatever the target sends until it closes the connection. */
  private static void drainUntilClosed(RawHost h) throws IOException {
    InputStream in = h.input();
    byte[] sink = new byte[64 << 10];
    try {
      while (in.read(sink) >= 0) {
        // discard
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the target did not close a connection after the host's FIN", e);
    } catch (SocketException e) {
      // reset: closed too
    }
  }

  // ---- valid PDUs to start from ----

  /** Builds valid capsules and H2CData PDUs with the connection's digests. */
  private static final class Gen {
    private final Random r;
    private final boolean hd;
    private final boolean dd;
    private int nextCid = 0x100;

    Gen(Random r, boolean hd, boolean dd) {
      this.r = r;
      this.hd = hd;
      this.dd = dd;
    }

    int cid() {
      return nextCid++;
    }

    byte[] capsule(byte[] sqe) {
      return Pdus.capsule(sqe, null, hd, dd);
    }

    byte[] capsule(byte[] sqe, byte[] data) {
      return Pdus.capsule(sqe, data, hd, dd);
    }

    byte[] adminConnect() {
      String nqn = r.nextInt(6) == 0 ? DiscoveryLogPage.DISCOVERY_NQN : NQN;
      int kato = r.nextInt(4) == 0 ? r.nextInt(10_000) : 0;
      return capsule(Pdus.connectSqe(cid(), 0, 31, 0, kato), Pdus.connectData(0xFFFF, nqn));
    }

    void adminCommands(List<byte[]> out, int n) {
      for (int i = 0; i < n; i++) {
        int cid = cid();
        switch (r.nextInt(12)) {
          case 0 -> {
            int[] cns = {0, 1, 2, 3, r.nextInt(256)};
            byte[] s = Pdus.sqe(Opcodes.ADMIN_IDENTIFY, cid, pick(0, 2, 3, -1), 0x5A, 4096);
            Pdus.putInt(s, Sqe.CDW10, cns[r.nextInt(cns.length)]);
            out.add(capsule(s));
          }
          case 1 -> {
            int[] lids = {1, 2, 3, 4, 5, 0x70, r.nextInt(256)};
            int bytes = 4 * (1 + r.nextInt(1024));
            byte[] s = Pdus.sqe(Opcodes.ADMIN_GET_LOG_PAGE, cid, pick(0, -1, 2), 0x5A, bytes);
            int numd = bytes / 4 - 1;
            Pdus.putInt(s, Sqe.CDW10, lids[r.nextInt(lids.length)] | (numd & 0xFFFF) << 16);
            Pdus.putInt(s, Sqe.CDW12, r.nextInt(3) == 0 ? r.nextInt(8192) : 0);
            out.add(capsule(s));
          }
          case 2 -> {
            int[] fids = {4, 5, 6, 7, 8, 0x0A, 0x0B, 0x0F, r.nextInt(256)};
            byte[] s = Pdus.sqe(Opcodes.ADMIN_SET_FEATURES, cid, 0, 0x5A, 0);
            Pdus.putInt(s, Sqe.CDW10, fids[r.nextInt(fids.length)]);
            Pdus.putInt(s, Sqe.CDW11, r.nextInt());
            out.add(capsule(s));
          }
          case 3 -> {
            byte[] s = Pdus.sqe(Opcodes.ADMIN_GET_FEATURES, cid, 0, 0x5A, 0);
            Pdus.putInt(s, Sqe.CDW10, r.nextInt(256) | r.nextInt(4) << 8);
            out.add(capsule(s));
          }
          case 4 -> out.add(capsule(Pdus.sqe(Opcodes.ADMIN_KEEP_ALIVE, cid, 0, 0x5A, 0)));
          case 5 -> out.add(capsule(Pdus.sqe(Opcodes.ADMIN_ASYNC_EVENT_REQUEST, cid, 0, 0x5A, 0)));
          case 6 -> {
            byte[] s = Pdus.sqe(Opcodes.ADMIN_ABORT, cid, 0, 0x5A, 0);
            Pdus.putInt(s, Sqe.CDW10, r.nextInt());
            out.add(capsule(s));
          }
          case 7 ->
              out.add(
                  capsule(Pdus.propertyGetSqe(cid, pick(0, 8, 0x14, 0x1C, 3), r.nextBoolean())));
          case 8 ->
              out.add(
                  capsule(
                      Pdus.propertySetSqe(cid, 0x14, r.nextBoolean() ? 0x00460001 : r.nextInt())));
          case 9 -> out.add(adminConnect());
          case 10 -> {
            // A write-direction admin command with data, by R2T, and its data.
            byte[] s = Pdus.sqe(Opcodes.ADMIN_SET_FEATURES, cid, 0, 0x5A, 512);
            Pdus.putInt(s, Sqe.CDW10, 0x0E);
            out.add(capsule(s));
            out.add(h2c(cid, 0, 0, 512, true));
          }
          default -> {
            byte[] s =
                Pdus.sqe(
                    r.nextInt(256),
                    cid,
                    pick(0, 2, -1),
                    r.nextBoolean() ? 0x5A : 0x01,
                    r.nextInt(3) * 512);
            byte[] data =
                (s[Sqe.DPTR + Sgl.IDENTIFIER] & 0xFF) == 0x01
                    ? Pdus.filled(Pdus.getInt(s, Sqe.DPTR + Sgl.LENGTH), FILL)
                    : null;
            out.add(capsule(s, data));
          }
        }
      }
    }

    void ioCommands(List<byte[]> out, int n) {
      for (int i = 0; i < n; i++) {
        int cid = cid();
        int blocks = 1 + r.nextInt(r.nextInt(4) == 0 ? 128 : 16);
        long slba = lba(blocks);
        switch (r.nextInt(9)) {
          case 0, 1 ->
              out.add(
                  capsule(
                      Pdus.rw(
                          Opcodes.NVM_READ, cid, 2, slba, blocks, BS, Sgl.TRANSPORT_DATA_BLOCK)));
          case 2 -> {
            int b = Math.min(blocks, 16);
            out.add(
                capsule(
                    Pdus.rw(Opcodes.NVM_WRITE, cid, 2, slba, b, BS, Sgl.DATA_BLOCK_OFFSET),
                    Pdus.filled(b * BS, FILL)));
          }
          case 3, 4 -> {
            out.add(
                capsule(
                    Pdus.rw(
                        Opcodes.NVM_WRITE, cid, 2, slba, blocks, BS, Sgl.TRANSPORT_DATA_BLOCK)));
            // The first free slot is the transfer tag the target is likely to pick.
            int ttag = r.nextInt(3) == 0 ? r.nextInt(4) : 0;
            int total = blocks * BS;
            int parts = 1 + r.nextInt(3);
            int at = 0;
            for (int p = 0; p < parts && at < total; p++) {
              int len = p == parts - 1 ? total - at : Math.max(4, (total - at) / 2 & ~3);
              out.add(h2c(cid, ttag, at, len, at + len == total));
              at += len;
            }
          }
          case 5 -> {
            int nsid = r.nextBoolean() ? 2 : -1;
            out.add(capsule(Pdus.sqe(Opcodes.NVM_FLUSH, cid, nsid, 0x5A, 0)));
          }
          case 6 -> {
            byte[] s = Pdus.rw(Opcodes.NVM_WRITE_ZEROES, cid, 2, slba, blocks, BS, 0x5A);
            Pdus.putInt(s, Sqe.DPTR + Sgl.LENGTH, 0);
            out.add(capsule(s));
          }
          case 7 -> {
            int ranges = 1 + r.nextInt(4);
            byte[] data = new byte[16 * ranges];
            for (int k = 0; k < ranges; k++) {
              int nlb = 1 + r.nextInt(64);
              Pdus.putInt(data, 16 * k + 4, nlb);
              Pdus.putLong(data, 16 * k + 8, lba(nlb));
            }
            byte[] s =
                Pdus.sqe(
                    Opcodes.NVM_DATASET_MANAGEMENT, cid, 2, Sgl.DATA_BLOCK_OFFSET, data.length);
            Pdus.putInt(s, Sqe.CDW10, ranges - 1);
            Pdus.putInt(s, Sqe.CDW11, 1 << 2);
            out.add(capsule(s, data));
          }
          default -> {
            // Fabrics on an I/O queue: another Connect, a Property Get.
            if (r.nextBoolean()) {
              out.add(capsule(Pdus.propertyGetSqe(cid, 0, true)));
            } else {
              out.add(capsule(Pdus.connectSqe(cid, 1, 31, 0, 0), Pdus.connectData(1, NQN)));
            }
          }
        }
      }
    }

    byte[] h2c(int cid, int ttag, int offset, int len, boolean last) {
      return Pdus.h2cData(cid, ttag, offset, Pdus.filled(len, FILL), last, hd, dd);
    }

    /** Mostly inside NSID 2, sometimes at or past its end. */
    long lba(int blocks) {
      return switch (r.nextInt(8)) {
        case 0 -> FUZZ_NS_BLOCKS - blocks;
        case 1 -> FUZZ_NS_BLOCKS - blocks + 1 + r.nextInt(4);
        case 2 -> r.nextLong() >>> r.nextInt(64);
        default -> r.nextInt((int) FUZZ_NS_BLOCKS - blocks + 1);
      };
    }

    int pick(int... values) {
      return values[r.nextInt(values.length)];
    }
  }

  // ---- mutations ----

  /** Mutates a list of PDUs into a byte stream; never lets a capsule address NSID 1. */
  private static final class Mutator {
    private static final int[] INTERESTING_32 = {
      0,
      1,
      2,
      3,
      4,
      7,
      8,
      16,
      24,
      28,
      72,
      76,
      127,
      128,
      255,
      256,
      511,
      512,
      513,
      4095,
      4096,
      8192,
      8193,
      65535,
      65536,
      131072,
      1 << 20,
      (1 << 20) + 1,
      0x7FFFFFFF,
      0x80000000,
      0xFFFFFFFE,
      0xFFFFFFFF
    };

    private final Random r;
    private final boolean hd;

    Mutator(Random r, boolean hd) {
      this.r = r;
      this.hd = hd;
    }

    /** {@code keep} leading frames are left alone (a RAW stream's ICReq, usually). */
    byte[] mutate(List<byte[]> frames, int keep) {
      List<byte[]> f = new ArrayList<>();
      for (byte[] b : frames) {
        f.add(b.clone());
      }
      int ops = r.nextInt(5) == 0 ? 0 : 1 + r.nextInt(4);
      if (keep > 0 && r.nextInt(5) == 0) {
        keep = 0; // sometimes the ICReq too
      }
      for (int op = 0; op < ops && f.size() > keep; op++) {
        int i = keep + r.nextInt(f.size() - keep);
        // Weighted towards fields a command-level check must catch: header damage mostly ends
        // the connection at the first PDU, which explores little.
        switch (r.nextInt(20)) {
          case 0, 1 -> flipBytes(f.get(i));
          case 2, 3 -> headerField(f.get(i));
          case 4, 5, 6, 7, 8, 9, 10, 11 -> sqeField(f.get(i));
          case 12, 13, 14 -> dataField(f.get(i));
          case 15, 16 -> f.set(i, resize(f.get(i)));
          case 17, 18 -> structure(f, i, keep);
          default -> {
            byte[] junk = new byte[1 + r.nextInt(200)];
            r.nextBytes(junk);
            f.add(i, junk);
          }
        }
      }
      boolean rehash = r.nextInt(4) != 0;
      for (byte[] b : f) {
        guardNsid(b);
        if (hd && rehash) {
          rehashHeader(b);
        }
      }
      byte[] stream = Pdus.concat(f.toArray(new byte[0][]));
      if (r.nextInt(10) == 0 && stream.length > 1) {
        stream = Pdus.head(stream, r.nextInt(stream.length)); // cut short
      }
      return stream;
    }

    private void flipBytes(byte[] b) {
      for (int k = 1 + r.nextInt(3); k > 0; k--) {
        b[r.nextInt(b.length)] ^= (byte) (1 + r.nextInt(255));
      }
    }

    private void headerField(byte[] b) {
      if (b.length < 8) {
        return;
      }
      switch (r.nextInt(5)) {
        case 0 -> b[Pdu.TYPE] = (byte) (r.nextBoolean() ? r.nextInt(10) : r.nextInt(256));
        case 1 -> b[Pdu.FLAGS] ^= (byte) (1 << r.nextInt(8));
        case 2 -> b[Pdu.HLEN] = (byte) pickSmall(0, 8, 23, 24, 25, 71, 72, 73, 128);
        case 3 -> b[Pdu.PDO] = (byte) pickSmall(0, 4, 24, 28, 72, 76, 80, 255);
        default -> Pdus.putInt(b, Pdu.PLEN, plen(b.length));
      }
    }

    private int plen(int actual) {
      return switch (r.nextInt(4)) {
        case 0 -> actual + (r.nextInt(9) - 4);
        case 1 -> actual + 4096 * (1 + r.nextInt(4));
        case 2 -> r.nextInt(actual + 1);
        default -> INTERESTING_32[r.nextInt(INTERESTING_32.length)];
      };
    }

    private void sqeField(byte[] b) {
      if (b.length < Pdu.CAPSULE_SQE + Sqe.SIZE || b[0] != PduType.CAPSULE_CMD.code) {
        dataField(b);
        return;
      }
      int s = Pdu.CAPSULE_SQE;
      switch (r.nextInt(9)) {
        case 0 ->
            b[s + Sqe.OPCODE] =
                (byte)
                    pickSmall(
                        0x00, 0x01, 0x02, 0x06, 0x08, 0x09, 0x0A, 0x0C, 0x18, 0x7F, r.nextInt(256));
        case 1 ->
            b[s + Sqe.FLAGS] =
                (byte) pickSmall(0x00, 0x01, 0x02, 0x40, 0x41, 0x80, 0xC0, r.nextInt(256));
        case 2 -> Pdus.putShort(b, s + Sqe.CID, r.nextInt(65536));
        case 3 ->
            Pdus.putInt(
                b, s + Sqe.NSID, pickSmall(0, 2, 3, 0xFFFF, 0xFFFFFFFE, 0xFFFFFFFF, r.nextInt()));
        case 4 -> b[s + Sqe.FCTYPE] = (byte) pickSmall(0, 1, 4, 5, 6, r.nextInt(256));
        case 5, 6 ->
            Pdus.putInt(
                b,
                s + Sqe.CDW10 + 4 * r.nextInt(6),
                r.nextBoolean() ? r.nextInt() : INTERESTING_32[r.nextInt(INTERESTING_32.length)]);
        case 7 ->
            b[s + Sqe.DPTR + Sgl.IDENTIFIER] =
                (byte) pickSmall(0x00, 0x01, 0x02, 0x30, 0x5A, 0x5B, 0xFF, r.nextInt(256));
        default -> {
          if (r.nextBoolean()) {
            Pdus.putInt(
                b, s + Sqe.DPTR + Sgl.LENGTH, INTERESTING_32[r.nextInt(INTERESTING_32.length)]);
          } else {
            Pdus.putLong(
                b,
                s + Sqe.DPTR + Sgl.ADDRESS,
                r.nextBoolean() ? r.nextLong() : 1 + r.nextInt(4096));
          }
        }
      }
    }

    private void dataField(byte[] b) {
      if (b.length < 24 || b[0] != PduType.H2C_DATA.code) {
        flipBytes(b);
        return;
      }
      switch (r.nextInt(5)) {
        case 0 -> Pdus.putShort(b, Pdu.DATA_CCCID, r.nextInt(65536));
        case 1 ->
            Pdus.putShort(
                b, Pdu.DATA_TTAG, pickSmall(0, 1, 2, 31, 32, 63, 64, 0xFFFF, r.nextInt(65536)));
        case 2 -> Pdus.putInt(b, Pdu.DATA_OFFSET, INTERESTING_32[r.nextInt(INTERESTING_32.length)]);
        case 3 -> Pdus.putInt(b, Pdu.DATA_LENGTH, INTERESTING_32[r.nextInt(INTERESTING_32.length)]);
        default -> b[Pdu.FLAGS] ^= (byte) Pdu.FLAG_LAST_PDU;
      }
    }

    /** Changes how much data the PDU carries; PLEN follows most of the time. */
    private byte[] resize(byte[] b) {
      int n =
          r.nextBoolean()
              ? r.nextInt(b.length + 1)
              : b.length + 1 + r.nextInt(r.nextBoolean() ? 64 : 9000);
      byte[] out = new byte[n];
      System.arraycopy(b, 0, out, 0, Math.min(n, b.length));
      for (int k = b.length; k < n; k++) {
        out[k] = (byte) FILL;
      }
      if (n >= 8 && r.nextInt(3) != 0) {
        Pdus.putInt(out, Pdu.PLEN, n);
      }
      return out;
    }

    private void structure(List<byte[]> f, int i, int keep) {
      switch (r.nextInt(3)) {
        case 0 -> f.add(i, f.get(i).clone());
        case 1 -> f.remove(i);
        default -> {
          int j = keep + r.nextInt(f.size() - keep);
          byte[] t = f.get(i);
          f.set(i, f.get(j));
          f.set(j, t);
        }
      }
    }

    /** A capsule must not reach NSID 1, where the pattern lives. */
    private static void guardNsid(byte[] b) {
      int at = Pdu.CAPSULE_SQE + Sqe.NSID;
      if (b.length >= at + 4 && b[0] == PduType.CAPSULE_CMD.code && Pdus.getInt(b, at) == 1) {
        Pdus.putInt(b, at, 2);
      }
    }

    /** Makes the header digest right again, so that the fields behind it get looked at. */
    private static void rehashHeader(byte[] b) {
      PduType t = PduType.of(b[0]);
      if (t != null && t.hasHeaderDigest() && b.length >= t.headerLength + 4) {
        Pdus.rehash(b, t.headerLength);
      }
    }

    private int pickSmall(int... values) {
      return values[r.nextInt(values.length)];
    }
  }
}
