package io.weft.tgt.tcp;

import static io.weft.tgt.tcp.TcpTestSupport.BS;
import static io.weft.tgt.tcp.TcpTestSupport.NQN;
import static io.weft.tgt.tcp.TcpTestSupport.PATTERN_LBA;
import static io.weft.tgt.tcp.TcpTestSupport.assertTermReq;
import static io.weft.tgt.tcp.TcpTestSupport.expectR2t;
import static io.weft.tgt.tcp.TcpTestSupport.r2tWrite;
import static io.weft.tgt.tcp.TcpTestSupport.withBystander;
import static io.weft.tgt.testing.RawHost.check;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.weft.protocol.nvme.Opcodes;
import io.weft.protocol.nvme.Sgl;
import io.weft.protocol.tcp.FatalErrorStatus;
import io.weft.protocol.tcp.Pdu;
import io.weft.protocol.tcp.PduType;
import io.weft.tgt.tcp.TcpTestSupport.Session;
import io.weft.tgt.testing.RawHost;
import java.io.IOException;
import java.net.SocketException;
import org.junit.jupiter.api.Test;

/**
 * Fatal transport errors: each gets a C2HTermReq with the right FES and FEI and the offending
 * header, then the connection closes; another host connected before the attack keeps working and
 * its data is intact, and the attacker's controller goes away.
 */
class TransportErrorsTest extends LiveTargetTest {
  private static final int INVALID_HEADER_FIELD = FatalErrorStatus.INVALID_HEADER_FIELD;
  private static final int SEQUENCE = FatalErrorStatus.PDU_SEQUENCE_ERROR;
  private static final int OUT_OF_RANGE = FatalErrorStatus.DATA_TRANSFER_OUT_OF_RANGE;

  /** Data an attacker tries to write over the bystander's pattern. */
  private static final byte[] EVIL = Pdus.filled(8 * BS, 0xEE);

  // ---- connection initialization ----

  @Test
  void pduBeforeIcReqIsASequenceError() throws Exception {
    withBystander(
        target,
        addr -> {
          byte[] connect =
              Pdus.capsule(
                  Pdus.connectSqe(1, 0, 31, 0, 0), Pdus.connectData(0xFFFF, NQN), false, false);
          try (RawHost h = new RawHost(addr)) {
            h.sendRaw(connect);
            assertTermReq(h, SEQUENCE, 0, connect, 72);
          }
          byte[] data = Pdus.h2cData(1, 0, 0, new byte[BS], true, false, false);
          try (RawHost h = new RawHost(addr)) {
            h.sendRaw(data);
            assertTermReq(h, SEQUENCE, 0, data, 24);
          }
        });
  }

  @Test
  void secondIcReqIsASequenceError() throws Exception {
    withBystander(
        target,
        addr -> {
          try (RawHost h = new RawHost(addr)) {
            h.initialize(false, false);
            byte[] again = Pdus.icReq(0, 0, 0, 128);
            h.sendRaw(again);
            assertTermReq(h, SEQUENCE, 0, again, 128);
          }
          // Also once the queue is connected.
          try (RawHost h = new RawHost(addr)) {
            h.adminSetup(NQN, 0);
            byte[] again = Pdus.icReq(0, 0, 3, 128);
            h.sendRaw(again);
            assertTermReq(h, SEQUENCE, 0, again, 128);
          }
        });
  }

  @Test
  void icReqWithNonZeroPfvIsAnInvalidField() throws Exception {
    withBystander(
        target,
        addr -> {
          try (RawHost h = new RawHost(addr)) {
            byte[] icreq = Pdus.icReq(1, 0, 0, 128);
            h.sendRaw(icreq);
            assertTermReq(h, INVALID_HEADER_FIELD, 8, icreq, 128);
          }
        });
  }

  @Test
  void icReqWithNonZeroHpdaIsAnUnsupportedParameter() throws Exception {
    withBystander(
        target,
        addr -> {
          try (RawHost h = new RawHost(addr)) {
            byte[] icreq = Pdus.icReq(0, 3, 0, 128);
            h.sendRaw(icreq);
            assertTermReq(h, FatalErrorStatus.UNSUPPORTED_PARAMETER, 10, icreq, 128);
          }
        });
  }

  // ---- malformed common headers ----

  @Test
  void undefinedPduTypeIsAnInvalidField() throws Exception {
    withBystander(
        target,
        addr -> {
          for (int type : new int[] {0x08, 0x0A, 0x7F, 0xFF}) {
            try (RawHost h = new RawHost(addr)) {
              h.initialize(false, false);
              byte[] pdu = Pdus.raw(type, 0, 24, 0, 24);
              h.sendRaw(pdu);
              assertTermReq(h, INVALID_HEADER_FIELD, 0, pdu, 24);
            }
          }
          // Before the ICReq as well.
          try (RawHost h = new RawHost(addr)) {
            byte[] pdu = Pdus.raw(0x08, 0, 24, 0, 24);
            h.sendRaw(pdu);
            assertTermReq(h, INVALID_HEADER_FIELD, 0, pdu, 24);
          }
        });
  }

  @Test
  void pduTypesOnlyAControllerSendsAreInvalid() throws Exception {
    withBystander(
        target,
        addr -> {
          byte[][] pdus = {
            Pdus.raw(PduType.IC_RESP.code, 0, 128, 0, 128),
            Pdus.raw(PduType.C2H_TERM_REQ.code, 0, 24, 0, 24),
            Pdus.raw(PduType.CAPSULE_RESP.code, 0, 24, 0, 24),
            Pdus.raw(PduType.C2H_DATA.code, Pdu.FLAG_LAST_PDU, 24, 24, 24 + BS),
            Pdus.raw(PduType.R2T.code, 0, 24, 0, 24),
          };
          for (byte[] pdu : pdus) {
            try (RawHost h = new RawHost(addr)) {
              h.adminSetup(NQN, 0);
              h.sendRaw(pdu);
              assertTermReq(h, INVALID_HEADER_FIELD, 0, pdu, Math.min(pdu[2] & 0xFF, 128));
            }
          }
        });
  }

  @Test
  void wrongHlenIsAnInvalidField() throws Exception {
    withBystander(
        target,
        addr -> {
          try (RawHost h = new RawHost(addr)) {
            h.adminSetup(NQN, 0);
            byte[] capsule = identify(5);
            capsule[Pdu.HLEN] = 71;
            h.sendRaw(capsule);
            // The offending header as far as its (wrong) HLEN says.
            assertTermReq(h, INVALID_HEADER_FIELD, Pdu.HLEN, capsule, 71);
          }
          try (Session s = Session.open(addr)) {
            s.io.sendRaw(r2tWrite(s.io, 9, 1, PATTERN_LBA, 8));
            int[] r2t = expectR2t(s.io, 9);
            byte[] data = Pdus.h2cData(9, r2t[0], 0, EVIL, true, false, false);
            data[Pdu.HLEN] = 28;
            s.io.sendRaw(data);
            assertTermReq(s.io, INVALID_HEADER_FIELD, Pdu.HLEN, data, 28);
          }
          try (RawHost h = new RawHost(addr)) {
            byte[] icreq = Pdus.icReq(0, 0, 0, 128);
            icreq[Pdu.HLEN] = 0;
            h.sendRaw(icreq);
            // An HLEN below the common header size says nothing: the bytes that came are echoed.
            assertTermReq(h, INVALID_HEADER_FIELD, Pdu.HLEN, icreq, 128);
          }
        });
  }

  @Test
  void wrongPdoIsAnInvalidField() throws Exception {
    withBystander(
        target,
        addr -> {
          // In-capsule data must start right after the header: no padding (PDA 0).
          try (RawHost h = new RawHost(addr)) {
            h.initialize(false, false);
            byte[] connect =
                Pdus.capsule(
                    Pdus.connectSqe(1, 0, 31, 0, 0), Pdus.connectData(0xFFFF, NQN), false, false);
            connect[Pdu.PDO] = 76;
            h.sendRaw(connect);
            assertTermReq(h, INVALID_HEADER_FIELD, Pdu.PDO, connect, 72);
          }
          // Without data PDO must be 0.
          try (RawHost h = new RawHost(addr)) {
            h.adminSetup(NQN, 0);
            byte[] capsule = identify(5);
            capsule[Pdu.PDO] = 72;
            h.sendRaw(capsule);
            assertTermReq(h, INVALID_HEADER_FIELD, Pdu.PDO, capsule, 72);
          }
          // H2CData always has data, at PDO 24.
          try (Session s = Session.open(addr)) {
            s.io.sendRaw(r2tWrite(s.io, 9, 1, PATTERN_LBA, 8));
            int[] r2t = expectR2t(s.io, 9);
            byte[] data = Pdus.h2cData(9, r2t[0], 0, EVIL, true, false, false);
            data[Pdu.PDO] = 0;
            s.io.sendRaw(data);
            assertTermReq(s.io, INVALID_HEADER_FIELD, Pdu.PDO, data, 24);
          }
        });
  }

  @Test
  void wrongPlenIsAnInvalidField() throws Exception {
    withBystander(
        target,
        addr -> {
          try (RawHost h = new RawHost(addr)) {
            byte[] icreq = Pdus.icReq(0, 0, 0, 132);
            h.sendRaw(icreq);
            assertTermReq(h, INVALID_HEADER_FIELD, Pdu.PLEN, icreq, 128);
          }
          // An H2CData PDU without data.
          try (Session s = Session.open(addr)) {
            s.io.sendRaw(r2tWrite(s.io, 9, 1, PATTERN_LBA, 8));
            int[] r2t = expectR2t(s.io, 9);
            byte[] data = Pdus.head(Pdus.h2cData(9, r2t[0], 0, EVIL, true, false, false), 24);
            Pdus.putInt(data, Pdu.PLEN, 24);
            s.io.sendRaw(data);
            assertTermReq(s.io, INVALID_HEADER_FIELD, Pdu.PLEN, data, 24);
          }
        });
  }

  @Test
  void truncatedPduIsAnInvalidField() throws Exception {
    withBystander(
        target,
        addr -> {
          // PLEN says the PDU ends inside its own header.
          for (int plen : new int[] {0, 8, 40, 71}) {
            try (RawHost h = new RawHost(addr)) {
              h.adminSetup(NQN, 0);
              byte[] capsule = Pdus.head(identify(5), Math.max(plen, 8));
              Pdus.putInt(capsule, Pdu.PLEN, plen);
              h.sendRaw(capsule);
              assertTermReq(h, INVALID_HEADER_FIELD, Pdu.PLEN, capsule, capsule.length);
            }
          }
        });
  }

  @Test
  void streamEndingInsideAPduClosesTheConnection() throws Exception {
    withBystander(
        target,
        addr -> {
          byte[] capsule = identify(5);
          for (int cut : new int[] {3, 8, 40, 71}) {
            try (RawHost h = new RawHost(addr)) {
              h.adminSetup(NQN, 0);
              h.sendRaw(Pdus.head(capsule, cut));
              h.socket().shutdownOutput();
              // The host is gone mid-PDU: nothing to answer, the target just closes.
              assertEof(h);
            }
          }
        });
  }

  @Test
  void flagsThePduTypeDoesNotAllowAreAnInvalidField() throws Exception {
    withBystander(
        target,
        addr -> {
          // LAST_PDU on a capsule; HDGSTF and DDGSTF when no digest was negotiated.
          byte[] last = identify(5);
          last[Pdu.FLAGS] = (byte) Pdu.FLAG_LAST_PDU;
          byte[] hdgst =
              Pdus.capsule(Pdus.sqe(Opcodes.ADMIN_KEEP_ALIVE, 5, 0, 0x5A, 0), null, true, false);
          byte[] ddgst =
              Pdus.capsule(
                  Pdus.connectSqe(1, 0, 31, 0, 0), Pdus.connectData(0xFFFF, NQN), false, true);
          for (byte[] capsule : new byte[][] {last, hdgst}) {
            try (RawHost h = new RawHost(addr)) {
              h.adminSetup(NQN, 0);
              h.sendRaw(capsule);
              assertTermReq(h, INVALID_HEADER_FIELD, Pdu.FLAGS, capsule, 72);
            }
          }
          try (RawHost h = new RawHost(addr)) {
            h.initialize(false, false);
            h.sendRaw(ddgst);
            assertTermReq(h, INVALID_HEADER_FIELD, Pdu.FLAGS, ddgst, 72);
          }
          // SUCCESS is a C2HData flag.
          try (Session s = Session.open(addr)) {
            s.io.sendRaw(r2tWrite(s.io, 9, 1, PATTERN_LBA, 8));
            int[] r2t = expectR2t(s.io, 9);
            byte[] data = Pdus.h2cData(9, r2t[0], 0, EVIL, true, false, false);
            data[Pdu.FLAGS] |= (byte) Pdu.FLAG_SUCCESS;
            s.io.sendRaw(data);
            assertTermReq(s.io, INVALID_HEADER_FIELD, Pdu.FLAGS, data, 24);
          }
          // With header digests on, a PDU must carry one.
          try (Session s = Session.open(addr, true, false, 31, 0)) {
            byte[] plain =
                Pdus.capsule(
                    Pdus.rw(Opcodes.NVM_READ, 5, 1, 0, 1, BS, Sgl.TRANSPORT_DATA_BLOCK),
                    null,
                    false,
                    false);
            s.io.sendRaw(plain);
            assertTermReq(s.io, INVALID_HEADER_FIELD, Pdu.FLAGS, plain, 72);
          }
        });
  }

  @Test
  void moreDataThanTheTargetAcceptsInOnePduIsRefusedAtTheHeader() throws Exception {
    withBystander(
        target,
        addr -> {
          // Only the header is sent: the target must not wait for a megabyte it will refuse.
          try (RawHost h = new RawHost(addr)) {
            h.adminSetup(NQN, 0);
            byte[] capsule = identify(5);
            capsule[Pdu.PDO] = 72;
            Pdus.putInt(capsule, Pdu.PLEN, 72 + (1 << 20));
            h.sendRaw(capsule);
            assertTermReq(h, FatalErrorStatus.DATA_TRANSFER_LIMIT_EXCEEDED, 0, capsule, 72);
          }
          try (Session s = Session.open(addr)) {
            s.io.sendRaw(r2tWrite(s.io, 9, 1, PATTERN_LBA, 512));
            int[] r2t = expectR2t(s.io, 9);
            int tooMuch = (int) s.io.icResp.maxH2cData() + 4;
            byte[] data = Pdus.h2cData(9, r2t[0], 0, new byte[BS], false, false, false);
            Pdus.putInt(data, Pdu.PLEN, 24 + tooMuch);
            Pdus.putInt(data, Pdu.DATA_LENGTH, tooMuch);
            s.io.sendRaw(Pdus.head(data, 24));
            assertTermReq(s.io, FatalErrorStatus.DATA_TRANSFER_LIMIT_EXCEEDED, 0, data, 24);
          }
        });
  }

  @Test
  void badHeaderDigestIsAHeaderDigestError() throws Exception {
    withBystander(
        target,
        addr -> {
          try (Session s = Session.open(addr, true, true, 31, 0)) {
            byte[] write =
                Pdus.capsule(
                    Pdus.rw(Opcodes.NVM_WRITE, 5, 1, PATTERN_LBA, 8, BS, Sgl.DATA_BLOCK_OFFSET),
                    EVIL,
                    true,
                    true);
            write[Pdu.CAPSULE_SQE + 40] ^= 0x01; // CDW10, after the digest was computed
            s.io.sendRaw(write);
            assertTermReq(s.io, FatalErrorStatus.HEADER_DIGEST_ERROR, 72, write, 72);
          }
          try (Session s = Session.open(addr, true, true, 31, 0)) {
            s.io.sendRaw(r2tWrite(s.io, 9, 1, PATTERN_LBA, 8));
            int[] r2t = expectR2t(s.io, 9);
            byte[] data = Pdus.h2cData(9, r2t[0], 0, EVIL, true, true, true);
            data[24] ^= (byte) 0x80; // the digest itself
            s.io.sendRaw(data);
            assertTermReq(s.io, FatalErrorStatus.HEADER_DIGEST_ERROR, 24, data, 24);
          }
        });
  }

  // ---- queue and data transfer sequence ----

  @Test
  void moreOutstandingCommandsThanTheQueueSizeIsAnOverrun() throws Exception {
    withBystander(
        target,
        addr -> {
          // SQSIZE 3 (0's based): four entries. Writes waiting for data stay outstanding.
          try (Session s = Session.open(addr, false, false, 3, 0)) {
            for (int cid = 10; cid < 14; cid++) {
              s.io.sendRaw(r2tWrite(s.io, cid, 1, PATTERN_LBA, 8));
              expectR2t(s.io, cid);
            }
            byte[] fifth =
                Pdus.capsule(
                    Pdus.rw(Opcodes.NVM_READ, 14, 1, 0, 1, BS, Sgl.TRANSPORT_DATA_BLOCK),
                    null,
                    false,
                    false);
            s.io.sendRaw(fifth);
            assertTermReq(s.io, SEQUENCE, 0, fifth, 72);
          }
        });
  }

  @Test
  void h2cDataForATagThatAskedForNoneIsAnInvalidField() throws Exception {
    withBystander(
        target,
        addr -> {
          // Nothing outstanding at all; a tag beyond the queue; a transfer that already ended.
          try (Session s = Session.open(addr)) {
            byte[] data = Pdus.h2cData(9, 0, 0, EVIL, true, false, false);
            s.io.sendRaw(data);
            assertTermReq(s.io, INVALID_HEADER_FIELD, Pdu.DATA_TTAG, data, 24);
          }
          try (Session s = Session.open(addr)) {
            s.io.sendRaw(r2tWrite(s.io, 9, 1, PATTERN_LBA, 8));
            expectR2t(s.io, 9);
            byte[] data = Pdus.h2cData(9, 0xFFFF, 0, EVIL, true, false, false);
            s.io.sendRaw(data);
            assertTermReq(s.io, INVALID_HEADER_FIELD, Pdu.DATA_TTAG, data, 24);
          }
          try (Session s = Session.open(addr)) {
            byte[] good = TcpTestSupport.pattern(PATTERN_LBA, 8 * BS);
            s.io.sendRaw(r2tWrite(s.io, 9, 1, PATTERN_LBA, 8));
            int[] r2t = expectR2t(s.io, 9);
            s.io.sendRaw(Pdus.h2cData(9, r2t[0], 0, good, true, false, false));
            check(new TcpTestSupport.Responses(s.io).next());
            byte[] again = Pdus.h2cData(9, r2t[0], 0, EVIL, true, false, false);
            s.io.sendRaw(again);
            assertTermReq(s.io, INVALID_HEADER_FIELD, Pdu.DATA_TTAG, again, 24);
          }
        });
  }

  @Test
  void h2cDataWithAnotherCommandsCccidIsAnInvalidField() throws Exception {
    withBystander(
        target,
        addr -> {
          try (Session s = Session.open(addr)) {
            s.io.sendRaw(r2tWrite(s.io, 9, 1, PATTERN_LBA, 8));
            int[] r2t = expectR2t(s.io, 9);
            byte[] data = Pdus.h2cData(10, r2t[0], 0, EVIL, true, false, false);
            s.io.sendRaw(data);
            assertTermReq(s.io, INVALID_HEADER_FIELD, Pdu.DATA_CCCID, data, 24);
          }
        });
  }

  @Test
  void wrongDataOffsetIsOutOfRange() throws Exception {
    withBystander(
        target,
        addr -> {
          // Starts past 0; then, after a good first part, skips ahead; then goes back.
          try (Session s = Session.open(addr)) {
            s.io.sendRaw(r2tWrite(s.io, 9, 1, PATTERN_LBA, 8));
            int[] r2t = expectR2t(s.io, 9);
            byte[] data = Pdus.h2cData(9, r2t[0], BS, new byte[7 * BS], true, false, false);
            s.io.sendRaw(data);
            assertTermReq(s.io, OUT_OF_RANGE, Pdu.DATA_OFFSET, data, 24);
          }
          for (int secondOffset : new int[] {2 * BS, 0}) {
            try (Session s = Session.open(addr)) {
              s.io.sendRaw(r2tWrite(s.io, 9, 1, PATTERN_LBA, 8));
              int[] r2t = expectR2t(s.io, 9);
              s.io.sendRaw(Pdus.h2cData(9, r2t[0], 0, Pdus.filled(BS, 0xEE), false, false, false));
              byte[] data =
                  Pdus.h2cData(
                      9, r2t[0], secondOffset, Pdus.filled(7 * BS, 0xEE), true, false, false);
              s.io.sendRaw(data);
              assertTermReq(s.io, OUT_OF_RANGE, Pdu.DATA_OFFSET, data, 24);
            }
          }
        });
  }

  @Test
  void wrongDataLengthIsOutOfRange() throws Exception {
    withBystander(
        target,
        addr -> {
          // DATAL disagrees with PLEN.
          try (Session s = Session.open(addr)) {
            s.io.sendRaw(r2tWrite(s.io, 9, 1, PATTERN_LBA, 8));
            int[] r2t = expectR2t(s.io, 9);
            byte[] data = Pdus.h2cData(9, r2t[0], 0, EVIL, true, false, false);
            Pdus.putInt(data, Pdu.DATA_LENGTH, 4 * BS);
            s.io.sendRaw(data);
            assertTermReq(s.io, OUT_OF_RANGE, Pdu.DATA_LENGTH, data, 24);
          }
          // More data than the R2T asked for.
          try (Session s = Session.open(addr)) {
            s.io.sendRaw(r2tWrite(s.io, 9, 1, PATTERN_LBA, 8));
            int[] r2t = expectR2t(s.io, 9);
            assertEquals(8 * BS, r2t[2]);
            byte[] data = Pdus.h2cData(9, r2t[0], 0, Pdus.filled(9 * BS, 0xEE), true, false, false);
            s.io.sendRaw(data);
            assertTermReq(s.io, OUT_OF_RANGE, Pdu.DATA_LENGTH, data, 24);
          }
        });
  }

  @Test
  void lastPduFlagThatDisagreesWithTheTransferIsASequenceError() throws Exception {
    withBystander(
        target,
        addr -> {
          // LAST_PDU on the first of two parts.
          try (Session s = Session.open(addr)) {
            s.io.sendRaw(r2tWrite(s.io, 9, 1, PATTERN_LBA, 8));
            int[] r2t = expectR2t(s.io, 9);
            byte[] data = Pdus.h2cData(9, r2t[0], 0, Pdus.filled(4 * BS, 0xEE), true, false, false);
            s.io.sendRaw(data);
            assertTermReq(s.io, SEQUENCE, Pdu.FLAGS, data, 24);
          }
          // No LAST_PDU on the part that ends the transfer, split or not.
          for (int firstPart : new int[] {4 * BS, 0}) {
            try (Session s = Session.open(addr)) {
              s.io.sendRaw(r2tWrite(s.io, 9, 1, PATTERN_LBA, 8));
              int[] r2t = expectR2t(s.io, 9);
              if (firstPart > 0) {
                s.io.sendRaw(
                    Pdus.h2cData(9, r2t[0], 0, Pdus.filled(firstPart, 0xEE), false, false, false));
              }
              byte[] data =
                  Pdus.h2cData(
                      9,
                      r2t[0],
                      firstPart,
                      Pdus.filled(8 * BS - firstPart, 0xEE),
                      false,
                      false,
                      false);
              s.io.sendRaw(data);
              assertTermReq(s.io, SEQUENCE, Pdu.FLAGS, data, 24);
            }
          }
        });
  }

  @Test
  void hostTerminationClosesTheConnectionWithoutAnAnswer() throws Exception {
    withBystander(
        target,
        addr -> {
          try (Session s = Session.open(addr)) {
            s.io.sendRaw(r2tWrite(s.io, 9, 1, PATTERN_LBA, 8));
            expectR2t(s.io, 9);
            byte[] term = Pdus.raw(PduType.H2C_TERM_REQ.code, 0, 24, 0, 24);
            Pdus.putShort(term, 8, FatalErrorStatus.PDU_SEQUENCE_ERROR);
            s.io.sendRaw(term);
            assertEof(s.io);
          }
        });
  }

  // ---- helpers ----

  /** An admin Identify Controller capsule (no digests), CID {@code cid}. */
  private static byte[] identify(int cid) {
    byte[] sqe = Pdus.sqe(Opcodes.ADMIN_IDENTIFY, cid, 0, Sgl.TRANSPORT_DATA_BLOCK, 4096);
    Pdus.putInt(sqe, 40, Opcodes.CNS_CONTROLLER);
    return Pdus.capsule(sqe, null, false, false);
  }

  /** The target closes the connection without sending anything more. */
  private static void assertEof(RawHost h) throws IOException {
    int next;
    try {
      next = h.input().read();
    } catch (SocketException e) {
      next = -1; // a reset is a close too
    }
    assertEquals(-1, next, "expected the connection to close without an answer");
  }
}
