package io.weft.tgt.tcp;

import static io.weft.tgt.tcp.TcpTestSupport.BS;
import static io.weft.tgt.tcp.TcpTestSupport.NQN;
import static io.weft.tgt.tcp.TcpTestSupport.assertTermReq;
import static io.weft.tgt.tcp.TcpTestSupport.expectR2t;
import static io.weft.tgt.tcp.TcpTestSupport.isTransientTransportError;
import static io.weft.tgt.tcp.TcpTestSupport.r2tWrite;
import static io.weft.tgt.tcp.TcpTestSupport.withBystander;
import static io.weft.tgt.testing.RawHost.check;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.protocol.nvme.Opcodes;
import io.weft.protocol.nvme.Sgl;
import io.weft.protocol.nvme.Status;
import io.weft.protocol.tcp.FatalErrorStatus;
import io.weft.protocol.tcp.Pdu;
import io.weft.protocol.tcp.PduType;
import io.weft.tgt.tcp.TcpTestSupport.Responses;
import io.weft.tgt.tcp.TcpTestSupport.Session;
import io.weft.tgt.testing.RawHost;
import org.junit.jupiter.api.Test;

/**
 * Digests negotiated: a data digest error fails only its command, with Transient Transport Error
 * (NVMe/TCP 1.0), writes nothing and leaves the connection usable; a header digest error is fatal.
 */
class DataDigestTest extends LiveTargetTest {
  private static final long LBA = 4096;
  private static final int BLOCKS = 8;

  @Test
  void inCapsuleWriteWithBadDataDigestFailsTransientlyAndWritesNothing() throws Exception {
    try (Session s = Session.open(TcpTestSupport.address(target), true, true, 31, 0)) {
      byte[] before = TcpTestSupport.pattern(1, BLOCKS * BS);
      byte[] after = TcpTestSupport.pattern(2, BLOCKS * BS);
      check(s.io.write(1, LBA, before, BS, true));
      Responses responses = new Responses(s.io);

      // A flipped data byte, then a damaged digest.
      byte[] flipped = inCapsuleWrite(7, after);
      flipped[100] ^= 0x10;
      byte[] badDigest = inCapsuleWrite(8, after);
      badDigest[badDigest.length - 1] ^= 0x01;
      for (byte[] capsule : new byte[][] {flipped, badDigest}) {
        s.io.sendRaw(capsule);
        assertTransient(responses.next());
        assertArrayEquals(before, s.read(1, LBA, BLOCKS), "a write with a bad digest landed");
      }

      // The same write again, intact: the connection is fine and the retry lands.
      s.io.sendRaw(inCapsuleWrite(9, after));
      assertEquals(9, check(responses.next()).cid());
      assertArrayEquals(after, s.read(1, LBA, BLOCKS));
    }
  }

  @Test
  void r2tWriteWithBadDataDigestFailsTransientlyAndWritesNothing() throws Exception {
    try (Session s = Session.open(TcpTestSupport.address(target), true, true, 31, 0)) {
      byte[] before = TcpTestSupport.pattern(3, BLOCKS * BS);
      byte[] after = TcpTestSupport.pattern(4, BLOCKS * BS);
      check(s.io.write(1, LBA, before, BS, false));
      Responses responses = new Responses(s.io);

      // One H2CData PDU with a bad digest.
      s.io.sendRaw(r2tWrite(s.io, 7, 1, LBA, BLOCKS));
      int[] r2t = expectR2t(s.io, 7);
      byte[] data = Pdus.h2cData(7, r2t[0], 0, after, true, true, true);
      data[40] ^= 0x01;
      s.io.sendRaw(data);
      assertTransient(responses.next());
      assertArrayEquals(before, s.read(1, LBA, BLOCKS), "a write with a bad digest landed");

      // Two PDUs, only the first bad: the command fails once all its data is in.
      s.io.sendRaw(r2tWrite(s.io, 8, 1, LBA, BLOCKS));
      r2t = expectR2t(s.io, 8);
      int half = BLOCKS * BS / 2;
      byte[] first = Pdus.h2cData(8, r2t[0], 0, slice(after, 0, half), false, true, true);
      first[first.length - 2] ^= 0x01;
      s.io.sendRaw(first);
      s.io.sendRaw(Pdus.h2cData(8, r2t[0], half, slice(after, half, half), true, true, true));
      assertTransient(responses.next());
      assertArrayEquals(before, s.read(1, LBA, BLOCKS), "a write with a bad digest landed");

      // When the failed command's slot (transfer tag) comes round again, its earlier failure is
      // forgotten. Slots are taken in the order they were freed: good writes go through the
      // others until it does.
      int cid = 9;
      int[] again;
      while (true) {
        s.io.sendRaw(r2tWrite(s.io, cid, 1, LBA, BLOCKS));
        again = expectR2t(s.io, cid);
        if (again[0] == r2t[0]) {
          break;
        }
        assertTrue(cid < 9 + 64, "slot " + r2t[0] + " never came round again");
        s.io.sendRaw(Pdus.h2cData(cid, again[0], 0, before, true, true, true));
        assertEquals(cid, check(responses.next()).cid());
        cid++;
      }
      s.io.sendRaw(Pdus.h2cData(cid, again[0], 0, slice(after, 0, half), false, true, true));
      s.io.sendRaw(Pdus.h2cData(cid, again[0], half, slice(after, half, half), true, true, true));
      assertEquals(cid, check(responses.next()).cid());
      assertArrayEquals(after, s.read(1, LBA, BLOCKS));
    }
  }

  @Test
  void connectWithBadDataDigestFailsTransientlyAndCanBeRetried() throws Exception {
    try (RawHost h = new RawHost(TcpTestSupport.address(target))) {
      h.initialize(true, true);
      byte[] connect =
          Pdus.capsule(Pdus.connectSqe(1, 0, 31, 0, 0), Pdus.connectData(0xFFFF, NQN), true, true);
      connect[76 + 300] ^= 0x04; // inside the subsystem NQN
      h.sendRaw(connect);
      assertTransient(new Responses(h).next());
      assertTrue(target.controllers().isEmpty(), "no controller from a damaged Connect");
      check(h.connect(0, NQN, RawHost.HOST_NQN, 31, 0));
      assertEquals(1, target.controllers().size());
    }
    TcpTestSupport.awaitControllers(target, 0);
  }

  @Test
  void headerDigestErrorIsFatal() throws Exception {
    withBystander(
        target,
        addr -> {
          try (Session s = Session.open(addr, true, true, 31, 0)) {
            byte[] read =
                Pdus.capsule(
                    Pdus.rw(Opcodes.NVM_READ, 5, 1, LBA, BLOCKS, BS, Sgl.TRANSPORT_DATA_BLOCK),
                    null,
                    true,
                    true);
            read[Pdus.CAPSULE_HLEN + 1] ^= 0x20; // the digest
            s.io.sendRaw(read);
            assertTermReq(s.io, FatalErrorStatus.HEADER_DIGEST_ERROR, 72, read, 72);
          }
          // Admin queue, digests on, damaged SQE byte.
          try (RawHost h = new RawHost(addr)) {
            h.initialize(true, false);
            byte[] connect =
                Pdus.capsule(
                    Pdus.connectSqe(1, 0, 31, 0, 0), Pdus.connectData(0xFFFF, NQN), true, false);
            connect[8 + 44] ^= 0x01; // CDW11
            h.sendRaw(connect);
            assertTermReq(h, FatalErrorStatus.HEADER_DIGEST_ERROR, 72, connect, 72);
          }
        });
  }

  /**
   * A bit flipped in PLEN is what header digests are for: the target must judge the header by its
   * digest as soon as the header is in, not wait for the (never coming) bytes PLEN now promises.
   */
  @Test
  void damagedPlenIsCaughtByTheHeaderDigestWithoutWaitingForData() throws Exception {
    withBystander(
        target,
        addr -> {
          try (Session s = Session.open(addr, true, true, 31, 0)) {
            s.io.soTimeout(5000);
            byte[] write = inCapsuleWrite(5, new byte[BLOCKS * BS]);
            assertEquals(72 + 4 + BLOCKS * BS + 4, Pdus.getInt(write, 4));
            write[5] ^= 0x08; // PLEN + 2048: still plausible, still within the in-capsule limit
            s.io.sendRaw(write);
            assertTermReq(s.io, FatalErrorStatus.HEADER_DIGEST_ERROR, 72, write, 72);
          }
        });
  }

  /**
   * A host may send its first capsule right behind the ICReq, in the same segment: that capsule is
   * already subject to the digests the ICReq asked for.
   */
  @Test
  void capsuleRightBehindTheIcReqIsCheckedWithTheNegotiatedDigests() throws Exception {
    try (RawHost h = new RawHost(TcpTestSupport.address(target))) {
      byte[] connect =
          Pdus.capsule(Pdus.connectSqe(1, 0, 31, 0, 0), Pdus.connectData(0xFFFF, NQN), true, true);
      h.sendRaw(Pdus.concat(Pdus.icReq(0, 0, 3, 128), connect));
      assertEquals(PduType.IC_RESP.code, Pdu.type(h.readPdu(), 0));
      RawHost.Completion c = check(new Responses(h).next());
      assertEquals(1, c.cid());
    }
    TcpTestSupport.awaitControllers(target, 0);
  }

  // ---- helpers ----

  private static byte[] inCapsuleWrite(int cid, byte[] data) {
    return Pdus.capsule(
        Pdus.rw(Opcodes.NVM_WRITE, cid, 1, LBA, data.length / BS, BS, Sgl.DATA_BLOCK_OFFSET),
        data,
        true,
        true);
  }

  private static void assertTransient(RawHost.Completion c) {
    assertTrue(isTransientTransportError(c.status()), "expected Transient Transport Error: " + c);
    assertFalse(Status.dnr(c.status()), "a transient transport error may be retried: " + c);
  }

  private static byte[] slice(byte[] b, int from, int len) {
    byte[] out = new byte[len];
    System.arraycopy(b, from, out, 0, len);
    return out;
  }
}
