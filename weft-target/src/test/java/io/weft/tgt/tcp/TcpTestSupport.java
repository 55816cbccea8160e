package io.weft.tgt.tcp;

import static io.weft.tgt.testing.RawHost.check;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.netty.buffer.ByteBuf;
import io.weft.protocol.nvme.Cqe;
import io.weft.protocol.nvme.Opcodes;
import io.weft.protocol.nvme.Sgl;
import io.weft.protocol.nvme.Sqe;
import io.weft.protocol.nvme.Status;
import io.weft.protocol.tcp.Pdu;
import io.weft.protocol.tcp.PduType;
import io.weft.protocol.tcp.TermReqPdu;
import io.weft.tgt.ControllerInfo;
import io.weft.tgt.Target;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.NamespaceConfig;
import io.weft.tgt.config.SubsystemConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import io.weft.tgt.testing.RawHost;
import io.weft.tgt.testing.TargetFixture;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Shared pieces of the transport tests: targets, connected hosts, patterns and TermReq checks. */
final class TcpTestSupport {
  private TcpTestSupport() {}

  static final String NQN = TargetFixture.NQN;
  static final int BS = 512;

  /** Where the bystander's pattern lives on NSID 1, and how long it is. */
  static final long PATTERN_LBA = 2048;

  static final int PATTERN_BLOCKS = 128;

  /** Event loop threads, backend worker threads; everything else as the defaults, no spinning. */
  static TuningConfig tuning(int ioThreads, int ioWorkers) {
    TuningConfig d = TuningConfig.defaults();
    return new TuningConfig(
        ioThreads,
        0,
        d.mdts(),
        d.inCapsuleDataSize(),
        d.maxQueueEntries(),
        d.maxIoQueues(),
        d.maxH2cData(),
        ioWorkers,
        d.ioEngine(),
        d.c2hSuccessAlways());
  }

  static Target start(Path dir, TuningConfig tuning, NamespaceConfig... namespaces)
      throws IOException {
    return Target.start(
        new TargetConfig(
            dir,
            List.of(ListenerConfig.of("127.0.0.1", 0)),
            List.of(
                new SubsystemConfig(
                    NQN, "WEFTTEST0001", "Weft test target", null, List.of(), List.of(namespaces))),
            null,
            tuning));
  }

  static InetSocketAddress address(Target t) {
    return t.listenAddresses().get(0);
  }

  static byte[] pattern(long seed, int length) {
    byte[] b = new byte[length];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** One controller: an enabled admin queue and I/O queue 1. */
  static final class Session implements AutoCloseable {
    final RawHost admin;
    final RawHost io;

    private Session(RawHost admin, RawHost io) {
      this.admin = admin;
      this.io = io;
    }

    static Session open(InetSocketAddress target) throws IOException {
      return open(target, false, false, 31, 0);
    }

    /**
     * Admin setup (KATO 0: no keep-alive timer to race with), one I/O queue granted, then I/O queue
     * 1 with the digests asked for, 0's based {@code sqsize} and Connect attributes.
     */
    static Session open(
        InetSocketAddress target, boolean hdgst, boolean ddgst, int sqsize, int cattr)
        throws IOException {
      RawHost admin = new RawHost(target);
      RawHost io = null;
      try {
        admin.adminSetup(NQN, 0);
        check(admin.setFeatures(Opcodes.FEAT_NUMBER_OF_QUEUES, 0));
        io = new RawHost(target);
        io.initialize(hdgst, ddgst);
        io.cntlid = admin.cntlid;
        check(connectIo(io, 1, sqsize, cattr));
        return new Session(admin, io);
      } catch (IOException | RuntimeException | Error e) {
        admin.close();
        if (io != null) {
          io.close();
        }
        throw e;
      }
    }

    byte[] read(int nsid, long slba, int blocks) throws IOException {
      return check(io.read(nsid, slba, blocks, BS)).data();
    }

    @Override
    public void close() throws IOException {
      io.close();
      admin.close();
    }
  }

  /** I/O queue Connect on an initialized host, with Connect attributes (CATTR). */
  static RawHost.Completion connectIo(RawHost io, int qid, int sqsize, int cattr)
      throws IOException {
    byte[] data = Pdus.connectData(io.cntlid, NQN);
    return io.command(
        sqe -> {
          sqe.setByte(Sqe.OPCODE, Opcodes.FABRICS);
          sqe.setByte(Sqe.FCTYPE, Opcodes.FCTYPE_CONNECT);
          sqe.setIntLE(Sqe.CDW10, qid << 16);
          sqe.setIntLE(Sqe.CDW11, sqsize | cattr << 16);
        },
        data,
        0);
  }

  /** Reads the next PDU and asserts it is a C2HTermReq as described, then that EOF follows. */
  static void assertTermReq(RawHost h, int fes, int fei, byte[] offending, int errorDataLength)
      throws IOException {
    ByteBuf p = h.readPdu();
    assertEquals(PduType.C2H_TERM_REQ.code, Pdu.type(p, 0), "PDU type (expected C2HTermReq)");
    assertEquals(0, Pdu.flags(p, 0), "TermReq flags");
    assertEquals(TermReqPdu.HEADER_SIZE, Pdu.hlen(p, 0), "TermReq HLEN");
    assertEquals(0, Pdu.pdo(p, 0), "TermReq PDO");
    assertEquals(fes, TermReqPdu.fes(p, 0), "FES");
    assertEquals(fei, TermReqPdu.fei(p, 0), "FEI");
    byte[] errorData = new byte[p.readableBytes() - TermReqPdu.HEADER_SIZE];
    p.getBytes(TermReqPdu.HEADER_SIZE, errorData);
    assertArrayEquals(
        Arrays.copyOf(offending, errorDataLength), errorData, "TermReq error data (PDU header)");
    assertTrue(h.closedByPeer(), "the target must close the connection after a C2HTermReq");
  }

  /** Waits (briefly) until the target lists exactly {@code expected} controllers. */
  static List<ControllerInfo> awaitControllers(Target t, int expected) throws InterruptedException {
    List<ControllerInfo> now = t.controllers();
    for (int i = 0; i < 250 && now.size() != expected; i++) {
      Thread.sleep(20);
      now = t.controllers();
    }
    assertEquals(expected, now.size(), "controllers: " + now);
    return now;
  }

  /** Waits (briefly) until controller {@code cntlid} lists {@code expected} I/O queues. */
  static void awaitIoQueues(Target t, int cntlid, int expected) throws InterruptedException {
    for (int i = 0; i < 250; i++) {
      for (ControllerInfo c : t.controllers()) {
        if (c.cntlid() == cntlid && c.ioQueues() == expected) {
          return;
        }
      }
      Thread.sleep(20);
    }
    fail("expected controller " + cntlid + " with " + expected + " I/O queues: " + t.controllers());
  }

  /** A bad host's attack; it opens its own connections. */
  interface Attack {
    void run(InetSocketAddress target) throws Exception;
  }

  /**
   * "Bad input loses nothing": host A writes a pattern; the attack runs on other connections; A
   * must still work on both of its queues, the pattern must read back intact, and once the attack
   * is over only A's controller is left.
   */
  static void withBystander(Target t, Attack attack) throws Exception {
    InetSocketAddress addr = address(t);
    byte[] pattern = pattern(PATTERN_LBA, PATTERN_BLOCKS * BS);
    try (Session a = Session.open(addr)) {
      check(a.io.write(1, PATTERN_LBA, pattern, BS, false));
      attack.run(addr);
      assertArrayEquals(pattern, a.read(1, PATTERN_LBA, PATTERN_BLOCKS), "pattern changed");
      check(a.admin.identify(Opcodes.CNS_CONTROLLER, 0));
      awaitControllers(t, 1);
    }
    awaitControllers(t, 0);
    try (Session b = Session.open(addr)) {
      assertArrayEquals(pattern, b.read(1, PATTERN_LBA, PATTERN_BLOCKS), "pattern changed");
    }
  }

  /**
   * Reads PDUs until some command completes, whatever its CID: C2HData is collected per CCCID and
   * returned with the CapsuleResp (or the C2HData carrying SUCCESS).
   */
  static final class Responses {
    private final RawHost host;
    private final Map<Integer, ByteArrayOutputStream> data = new HashMap<>();

    Responses(RawHost host) {
      this.host = host;
    }

    RawHost.Completion next() throws IOException {
      while (true) {
        ByteBuf pdu = host.readPdu();
        int type = Pdu.type(pdu, 0);
        int dataStart = Pdu.hlen(pdu, 0) + (host.headerDigest() ? 4 : 0);
        if (type == PduType.CAPSULE_RESP.code) {
          int cid = Cqe.cid(pdu, Pdu.CAPSULE_CQE);
          return new RawHost.Completion(
              cid,
              Cqe.status(pdu, Pdu.CAPSULE_CQE),
              Cqe.result(pdu, Pdu.CAPSULE_CQE),
              Cqe.sqhd(pdu, Pdu.CAPSULE_CQE),
              Cqe.sqid(pdu, Pdu.CAPSULE_CQE),
              take(cid));
        } else if (type == PduType.C2H_DATA.code) {
          int cid = pdu.getUnsignedShortLE(Pdu.DATA_CCCID);
          int len = pdu.getIntLE(Pdu.DATA_LENGTH);
          byte[] d = new byte[len];
          pdu.getBytes(dataStart, d);
          data.computeIfAbsent(cid, k -> new ByteArrayOutputStream()).write(d);
          if ((Pdu.flags(pdu, 0) & Pdu.FLAG_SUCCESS) != 0) {
            return new RawHost.Completion(cid, Status.SUCCESS, 0, -1, -1, take(cid));
          }
        } else {
          throw new IOException("unexpected PDU type " + type);
        }
      }
    }

    private byte[] take(int cid) {
      ByteArrayOutputStream b = data.remove(cid);
      return b == null ? new byte[0] : b.toByteArray();
    }
  }

  /** Reads one PDU and checks that it is an R2T for {@code cid}; returns {TTAG, R2TO, R2TL}. */
  static int[] expectR2t(RawHost h, int cid) throws IOException {
    ByteBuf p = h.readPdu();
    assertEquals(PduType.R2T.code, Pdu.type(p, 0), "expected an R2T");
    assertEquals(cid, p.getUnsignedShortLE(Pdu.DATA_CCCID), "R2T CCCID");
    return new int[] {
      p.getUnsignedShortLE(Pdu.DATA_TTAG), p.getIntLE(Pdu.DATA_OFFSET), p.getIntLE(Pdu.DATA_LENGTH)
    };
  }

  /** A Write capsule (NSID, LBA, blocks) whose data is to be solicited with R2T. */
  static byte[] r2tWrite(RawHost h, int cid, int nsid, long slba, int blocks) {
    return Pdus.capsule(
        Pdus.rw(Opcodes.NVM_WRITE, cid, nsid, slba, blocks, BS, Sgl.TRANSPORT_DATA_BLOCK),
        null,
        h.headerDigest(),
        h.dataDigest());
  }

  static boolean isTransientTransportError(int status) {
    return Status.sct(status) == Status.SCT_GENERIC
        && Status.sc(status) == Status.TRANSIENT_TRANSPORT_ERROR;
  }
}
