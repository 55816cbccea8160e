package io.weft.tgt.tcp;

import static io.weft.tgt.tcp.TcpTestSupport.BS;
import static io.weft.tgt.tcp.TcpTestSupport.NQN;
import static io.weft.tgt.tcp.TcpTestSupport.expectR2t;
import static io.weft.tgt.tcp.TcpTestSupport.r2tWrite;
import static io.weft.tgt.testing.RawHost.check;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.weft.protocol.nvme.Cqe;
import io.weft.protocol.nvme.Opcodes;
import io.weft.protocol.nvme.Sgl;
import io.weft.protocol.nvme.Status;
import io.weft.protocol.tcp.FatalErrorStatus;
import io.weft.protocol.tcp.Pdu;
import io.weft.protocol.tcp.PduType;
import io.weft.protocol.tcp.TermReqPdu;
import io.weft.tgt.Target;
import io.weft.tgt.config.NamespaceConfig;
import io.weft.tgt.tcp.TcpTestSupport.Responses;
import io.weft.tgt.tcp.TcpTestSupport.Session;
import io.weft.tgt.testing.RawHost;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * TcpQueue details: SQ head reporting, the C2HData SUCCESS flag, command slots as transfer tags,
 * completion flushing, and a queue whose connection ends while its Connect is still in flight.
 */
class TcpQueueTest extends LiveTargetTest {
  private static final int CATTR_DISABLE_SQ_FLOW = 0x04;

  private InetSocketAddress addr;

  @Override
  Target startTarget(Path dir) throws IOException {
    // One loop: the admin queue and every I/O queue share it, as the Connect race below needs.
    return TcpTestSupport.start(
        dir,
        TcpTestSupport.tuning(1, 2),
        NamespaceConfig.memory(1, 8 << 20),
        NamespaceConfig.file(2, "ns2.img", 8 << 20));
  }

  @BeforeEach
  void address() {
    addr = TcpTestSupport.address(target);
  }

  @Test
  void sqHeadCountsCommandsAndWrapsAtTheQueueSize() throws Exception {
    try (RawHost admin = new RawHost(addr);
        RawHost io = new RawHost(addr)) {
      // SQSIZE 3: four entries; the Connect itself took entry 0.
      RawHost.Completion connect = connectQueue(admin, io, false, 3, 0);
      assertEquals(1, connect.sqhd());
      for (int i = 1; i <= 10; i++) {
        RawHost.Completion c = check(io.read(1, 0, 1, BS));
        assertEquals((1 + i) % 4, c.sqhd(), "SQHD after command " + i);
        assertEquals(1, c.sqid());
      }
    }
  }

  /**
   * CATTR bit 2: reads end with C2HData carrying SUCCESS and no CapsuleResp; every other completion
   * is a CapsuleResp with SQHD 0, and the Connect response says FFFFh (NVMe over Fabrics, Connect
   * response SQHD; the Linux target does the same).
   */
  @Test
  void sqFlowControlDisabledUsesTheSuccessFlag() throws Exception {
    try (RawHost admin = new RawHost(addr);
        RawHost io = new RawHost(addr)) {
      RawHost.Completion connect = connectQueue(admin, io, true, 31, CATTR_DISABLE_SQ_FLOW);
      assertEquals(0xFFFF, connect.sqhd(), "Connect response SQHD with SQ flow control off");

      byte[] data = TcpTestSupport.pattern(7, 8 * BS);
      RawHost.Completion w = check(io.write(1, 16, data, BS, false));
      assertEquals(0, w.sqhd());
      for (int cid = 100; cid < 103; cid++) {
        io.sendRaw(readCapsule(io, cid, 1, 16, 8));
        ByteBuf pdu = io.readPdu();
        assertEquals(PduType.C2H_DATA.code, Pdu.type(pdu, 0));
        assertEquals(
            Pdu.FLAG_LAST_PDU | Pdu.FLAG_SUCCESS,
            Pdu.flags(pdu, 0) & (Pdu.FLAG_LAST_PDU | Pdu.FLAG_SUCCESS));
        assertEquals(cid, pdu.getUnsignedShortLE(Pdu.DATA_CCCID));
        byte[] got = new byte[8 * BS];
        pdu.getBytes(28, got);
        assertArrayEquals(data, got);
      }
      // An error is a CapsuleResp, never C2HData; then the next command's answer comes (nothing
      // stale in between).
      io.sendRaw(readCapsule(io, 200, 1, (8 << 20) / BS, 1));
      ByteBuf err = io.readPdu();
      assertEquals(PduType.CAPSULE_RESP.code, Pdu.type(err, 0));
      assertEquals(200, Cqe.cid(err, Pdu.CAPSULE_CQE));
      assertEquals(Status.LBA_OUT_OF_RANGE, Cqe.status(err, Pdu.CAPSULE_CQE) & 0x7FF);
      RawHost.Completion next = check(io.simple(Opcodes.NVM_FLUSH, 1, 0, 0, 0));
      assertEquals(0, next.sqhd());
    }
  }

  /**
   * A memory namespace lends its own memory to a read (header, data and trailer go out as separate
   * buffers, the data not copied); the host must not be able to tell: with both digests and with
   * and without the CapsuleResp, the C2HData PDU is byte for byte the one a file namespace (read
   * into a buffer of its own) sends for the same data, and the completion follows.
   */
  @Test
  void lentReadsLookExactlyLikeCopiedReads() throws Exception {
    for (int cattr : new int[] {0, CATTR_DISABLE_SQ_FLOW}) {
      try (RawHost admin = new RawHost(addr);
          RawHost io = new RawHost(addr)) {
        connectQueue(admin, io, true, 31, cattr);
        byte[] data = TcpTestSupport.pattern(11 + cattr, 8 * BS);
        check(io.write(1, 40, data, BS, false));
        check(io.write(2, 40, data, BS, false));
        byte[][] pdus = new byte[2][];
        for (int nsid = 1; nsid <= 2; nsid++) {
          io.sendRaw(readCapsule(io, 7, nsid, 40, 8));
          ByteBuf pdu = io.readPdu(); // the data digest is checked as it arrives
          assertEquals(PduType.C2H_DATA.code, Pdu.type(pdu, 0));
          pdus[nsid - 1] = new byte[pdu.readableBytes()];
          pdu.getBytes(0, pdus[nsid - 1]);
          if (cattr == 0) {
            ByteBuf resp = io.readPdu();
            assertEquals(PduType.CAPSULE_RESP.code, Pdu.type(resp, 0));
            assertEquals(7, Cqe.cid(resp, Pdu.CAPSULE_CQE));
            assertEquals(Status.SUCCESS, Cqe.status(resp, Pdu.CAPSULE_CQE));
          }
        }
        byte[] got = new byte[8 * BS];
        System.arraycopy(pdus[0], 28, got, 0, got.length);
        assertArrayEquals(data, got, "the memory namespace's data");
        assertArrayEquals(pdus[1], pdus[0], "lent and copied C2HData differ (cattr " + cattr + ")");
      }
    }
  }

  /**
   * Transfer tags are command slots: two writes waiting for data at once get different tags, and
   * answering them in reverse order puts each one's data where it belongs. Then the slots are
   * reused many times over on a two-entry queue.
   */
  @Test
  void transferTagsFindTheirCommandsAndSlotsAreReused() throws Exception {
    try (Session s = Session.open(addr, false, false, 1, 0)) {
      byte[] a = TcpTestSupport.pattern(41, 8 * BS);
      byte[] b = TcpTestSupport.pattern(42, 8 * BS);
      s.io.sendRaw(r2tWrite(s.io, 1, 1, 0, 8));
      int[] ra = expectR2t(s.io, 1);
      s.io.sendRaw(r2tWrite(s.io, 2, 1, 8, 8));
      int[] rb = expectR2t(s.io, 2);
      assertNotEquals(ra[0], rb[0]);
      assertEquals(0, ra[1]);
      assertEquals(8 * BS, ra[2]);
      s.io.sendRaw(Pdus.h2cData(2, rb[0], 0, b, true, false, false));
      s.io.sendRaw(Pdus.h2cData(1, ra[0], 0, a, true, false, false));
      Responses r = new Responses(s.io);
      assertEquals(2, check(r.next()).cid());
      assertEquals(1, check(r.next()).cid());
      assertArrayEquals(a, s.read(1, 0, 8));
      assertArrayEquals(b, s.read(1, 8, 8));
      for (int i = 0; i < 50; i++) {
        byte[] d = TcpTestSupport.pattern(1000 + i, 4 * BS);
        check(s.io.write(1, 100 + 4L * (i % 5), d, BS, i % 3 == 0));
        assertArrayEquals(d, s.read(1, 100 + 4L * (i % 5), 4));
      }
    }
  }

  /**
   * Completions from the backend thread (file namespace) and from the loop itself (memory), for a
   * burst sent in one write: each must be flushed without waiting for more input.
   */
  @Test
  void pipelinedCompletionsAreAllFlushed() throws Exception {
    try (Session s = Session.open(addr)) {
      byte[] data = TcpTestSupport.pattern(5, 4 * BS);
      byte[] burst = new byte[0];
      for (int cid = 1; cid <= 24; cid++) {
        int nsid = cid % 2 == 0 ? 1 : 2;
        byte[] pdu =
            cid <= 12
                ? Pdus.capsule(
                    Pdus.rw(Opcodes.NVM_WRITE, cid, nsid, 4L * cid, 4, BS, Sgl.DATA_BLOCK_OFFSET),
                    data,
                    false,
                    false)
                : readCapsule(s.io, cid, nsid, 4L * (cid - 12), 4);
        burst = Pdus.concat(burst, pdu);
      }
      s.io.sendRaw(burst);
      Responses r = new Responses(s.io);
      Map<Integer, RawHost.Completion> seen = new HashMap<>();
      for (int i = 0; i < 24; i++) {
        RawHost.Completion c = check(r.next());
        assertFalse(seen.containsKey(c.cid()), "two completions for CID " + c.cid());
        seen.put(c.cid(), c);
      }
      // The reads overlap the writes and may pass them (two backends), so only their lengths
      // count here; the written data is read back afterwards.
      for (int cid = 13; cid <= 24; cid++) {
        assertEquals(4 * BS, seen.get(cid).data().length);
      }
      for (int cid = 1; cid <= 12; cid++) {
        assertArrayEquals(data, s.read(cid % 2 == 0 ? 1 : 2, 4L * cid, 4));
      }
    }
  }

  /**
   * An I/O queue Connect finishes on the loop after a hop through the admin queue. If the
   * connection ends in between, the controller must not be left holding the dead queue: the QID
   * stays usable and the controller lists no I/O queue. The host sends the Connect and its FIN
   * together, which makes the close land inside that window most of the time.
   */
  @Test
  void ioConnectThatFinishesAfterTheConnectionClosedLeavesNoStaleQueue() throws Exception {
    try (RawHost admin = new RawHost(addr)) {
      admin.adminSetup(NQN, 0);
      check(admin.setFeatures(Opcodes.FEAT_NUMBER_OF_QUEUES, 0));
      byte[] connect =
          Pdus.capsule(
              Pdus.connectSqe(1, 1, 31, 0, 0), Pdus.connectData(admin.cntlid, NQN), false, false);
      for (int i = 0; i < 30; i++) {
        try (RawHost io = new RawHost(addr)) {
          io.initialize(false, false);
          io.sendRaw(connect);
          io.socket().shutdownOutput();
          assertTrue(io.closedByPeer());
        }
        TcpTestSupport.awaitIoQueues(target, admin.cntlid, 0);
      }
      try (RawHost io = new RawHost(addr)) {
        io.initialize(false, false);
        io.cntlid = admin.cntlid;
        check(TcpTestSupport.connectIo(io, 1, 31, 0));
        check(io.read(1, 0, 1, BS));
      }
    }
  }

  /**
   * A host that keeps sending reads without reading the answers must not make the target buffer
   * their data without bound (64 MiB here, and nothing stops a host at 64): a command whose answer
   * cannot be sent yet still counts against the queue size, so the host runs into an overrun after
   * a queue's worth, gets a C2HTermReq behind the answers it was given, and its connection ends.
   * Another host on the same loop is not disturbed.
   */
  @Test
  void hostThatDoesNotReadItsAnswersCannotMakeTheTargetBufferWithoutBound() throws Exception {
    byte[] pattern = TcpTestSupport.pattern(77, 8 * BS);
    try (Session other = Session.open(addr);
        Session greedy = Session.open(addr, false, false, 7, 0)) {
      check(other.io.write(1, 0, pattern, BS, true));
      int reads = 64;
      int blocks = (1 << 20) / BS;
      byte[] burst = new byte[0];
      for (int cid = 1; cid <= reads; cid++) {
        burst = Pdus.concat(burst, readCapsule(greedy.io, cid, 1, 0, blocks));
      }
      greedy.io.sendRaw(burst);
      int answered = 0;
      ByteBuf pdu;
      do {
        pdu = greedy.io.readPdu();
        if (Pdu.type(pdu, 0) == PduType.CAPSULE_RESP.code) {
          assertTrue(Status.isSuccess(Cqe.status(pdu, Pdu.CAPSULE_CQE)));
          answered++;
        }
      } while (answered < reads
          && (Pdu.type(pdu, 0) == PduType.C2H_DATA.code
              || Pdu.type(pdu, 0) == PduType.CAPSULE_RESP.code));
      assertTrue(answered < reads, "all " + reads + " reads were answered, none refused");
      assertEquals(PduType.C2H_TERM_REQ.code, Pdu.type(pdu, 0), "expected a C2HTermReq");
      assertEquals(FatalErrorStatus.PDU_SEQUENCE_ERROR, TermReqPdu.fes(pdu, 0));
      assertTrue(answered >= 8, "fewer answers than the queue holds: " + answered);
      assertTrue(greedy.io.closedByPeer());
      assertArrayEquals(pattern, other.read(1, 0, 8));
    }
  }

  /**
   * The C2HTermReq must reach the host even when the host had more input on the way and answers
   * were still waiting to go out: closing a socket with unread input resets the connection, and a
   * reset throws away everything the host has not received yet, the C2HTermReq included.
   */
  @Test
  void termReqReachesTheHostBehindPendingAnswersAndUnreadInput() throws Exception {
    try (Session s = Session.open(addr)) {
      int reads = 8;
      int blocks = (1 << 20) / BS;
      byte[] burst = new byte[0];
      for (int cid = 1; cid <= reads; cid++) {
        burst = Pdus.concat(burst, readCapsule(s.io, cid, 1, 0, blocks));
      }
      byte[] bad = Pdus.raw(0x08, 0, 24, 0, 24);
      s.io.sendRaw(Pdus.concat(burst, bad, Pdus.filled(64 << 10, 0xE5)));
      Responses r = new Responses(s.io);
      for (int cid = 1; cid <= reads; cid++) {
        RawHost.Completion c = check(r.next());
        assertEquals(cid, c.cid());
        assertEquals(1 << 20, c.data().length);
      }
      TcpTestSupport.assertTermReq(s.io, FatalErrorStatus.INVALID_HEADER_FIELD, 0, bad, 24);
    }
  }

  /**
   * Sets up a controller on {@code admin} and connects {@code io} to it as I/O queue 1 (both
   * digests or none, the given SQSIZE and Connect attributes); the Connect's completion.
   */
  private static RawHost.Completion connectQueue(
      RawHost admin, RawHost io, boolean digests, int sqSize, int cattr) throws IOException {
    admin.adminSetup(NQN, 0);
    check(admin.setFeatures(Opcodes.FEAT_NUMBER_OF_QUEUES, 0));
    io.initialize(digests, digests);
    io.cntlid = admin.cntlid;
    return check(TcpTestSupport.connectIo(io, 1, sqSize, cattr));
  }

  private static byte[] readCapsule(RawHost h, int cid, int nsid, long slba, int blocks) {
    return Pdus.capsule(
        Pdus.rw(Opcodes.NVM_READ, cid, nsid, slba, blocks, BS, Sgl.TRANSPORT_DATA_BLOCK),
        null,
        h.headerDigest(),
        h.dataDigest());
  }
}
