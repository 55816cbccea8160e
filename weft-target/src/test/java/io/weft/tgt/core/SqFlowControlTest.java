package io.weft.tgt.core;

import static io.weft.tgt.core.Harness.HOST;
import static io.weft.tgt.core.Harness.MIB;
import static io.weft.tgt.core.Harness.NQN;
import static io.weft.tgt.core.Harness.adminQueue;
import static io.weft.tgt.core.Harness.assertStatus;
import static io.weft.tgt.core.Harness.assertSuccess;
import static io.weft.tgt.core.Harness.grantQueues;
import static io.weft.tgt.core.Harness.memory;
import static io.weft.tgt.core.Harness.newQueue;
import static io.weft.tgt.core.Harness.pattern;
import static io.weft.tgt.core.Harness.subsystem;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.weft.protocol.fabrics.ConnectData;
import io.weft.protocol.nvme.Cqe;
import io.weft.protocol.nvme.Opcodes;
import io.weft.protocol.nvme.Status;
import io.weft.protocol.tcp.Pdu;
import io.weft.protocol.tcp.PduType;
import io.weft.tgt.Target;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.testing.RawHost;
import io.weft.tgt.testing.RawHost.Completion;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * SQ flow control (NVMe over Fabrics 1.1, TP 8005): SQHD in every completion, or, when the host
 * disables it with Connect CATTR bit 2, reads completed by the SUCCESS flag of their last C2HData.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SqFlowControlTest {
  private static final int CATTR_DISABLE_SQ_FLOW = 1 << 2;

  private Target target;

  /** A target with {@code c2hSuccessAlways}, as SPDK's target behaves by default. */
  private Target alwaysTarget;

  @BeforeAll
  void start() throws IOException {
    target = Harness.start(null, subsystem(NQN, List.of(), memory(1, MIB, 512)));
    alwaysTarget =
        Harness.start(
            null,
            Harness.tuning().withC2hSuccessAlways(true),
            List.of(ListenerConfig.of("127.0.0.1", 0)),
            List.of(subsystem(NQN, List.of(), memory(1, 8 * MIB, 512))));
  }

  @AfterAll
  void stop() {
    target.close();
    alwaysTarget.close();
  }

  private static Completion connectWithoutFlowControl(RawHost q, RawHost admin) throws IOException {
    return assertSuccess(
        q.connectWith(
            0,
            1,
            31,
            CATTR_DISABLE_SQ_FLOW,
            0,
            new ConnectData(RawHost.HOST_ID, admin.cntlid, NQN, HOST)));
  }

  @Test
  void connectWithFlowControlDisabledAnswersSqhdFfff() throws IOException {
    try (RawHost admin = adminQueue(target, NQN);
        RawHost q = newQueue(target, admin)) {
      grantQueues(admin, 1);
      assertEquals(0xFFFF, connectWithoutFlowControl(q, admin).sqhd(), "SQHD of the Connect");
    }
  }

  @Test
  void withFlowControlDisabledReadsEndWithASuccessFlagAndNoCapsuleResp() throws IOException {
    try (RawHost admin = adminQueue(target, NQN);
        RawHost q = newQueue(target, admin)) {
      grantQueues(admin, 1);
      connectWithoutFlowControl(q, admin);
      byte[] data = pattern(4096, 3);
      assertSuccess(q.write(1, 16, data, 512, true));

      int cid = q.submit(RawHost.rw(Opcodes.NVM_READ, 1, 16, 8, 0), 4096);
      ByteBuf pdu = q.readPdu();
      assertEquals(PduType.C2H_DATA.code, Pdu.type(pdu, 0));
      assertEquals(
          Pdu.FLAG_LAST_PDU | Pdu.FLAG_SUCCESS,
          Pdu.flags(pdu, 0) & (Pdu.FLAG_LAST_PDU | Pdu.FLAG_SUCCESS));
      assertEquals(cid, pdu.getUnsignedShortLE(Pdu.DATA_CCCID));
      assertEquals(0, pdu.getIntLE(Pdu.DATA_OFFSET));
      assertEquals(4096, pdu.getIntLE(Pdu.DATA_LENGTH));
      byte[] got = new byte[4096];
      pdu.getBytes(Pdu.hlen(pdu, 0), got);
      assertArrayEquals(data, got);

      // The next PDU answers the next command: no CapsuleResp followed the read.
      assertSuccess(q.command(RawHost.rw(Opcodes.NVM_FLUSH, 1, 0, 1, 0), null, 0));
      // Errors always come in a CapsuleResp.
      assertStatus(Status.LBA_OUT_OF_RANGE | Status.DNR, q.read(1, 1L << 40, 1, 512));
      assertArrayEquals(data, assertSuccess(q.read(1, 16, 8, 512)).data());
    }
  }

  @Test
  void c2hSuccessAlwaysEndsReadsWithTheSuccessFlagUnderFlowControlToo() throws IOException {
    try (RawHost admin = adminQueue(alwaysTarget, NQN);
        RawHost q = newQueue(alwaysTarget, admin)) {
      grantQueues(admin, 1);
      assertEquals(1, assertSuccess(q.connect(1, NQN, HOST, 31, 0)).sqhd(), "flow control is on");
      byte[] data = pattern(4096, 5);
      assertSuccess(q.write(1, 16, data, 512, true));
      // Block 16 lies in written memory, which is lent to the socket; block 8192 (4 MiB) lies in
      // a chunk never written, which is read into a buffer of its own.
      for (long lba : new long[] {16, 8192}) {
        int cid = q.submit(RawHost.rw(Opcodes.NVM_READ, 1, lba, 8, 0), 4096);
        ByteBuf pdu = q.readPdu();
        assertEquals(PduType.C2H_DATA.code, Pdu.type(pdu, 0), "block " + lba);
        assertEquals(
            Pdu.FLAG_LAST_PDU | Pdu.FLAG_SUCCESS,
            Pdu.flags(pdu, 0) & (Pdu.FLAG_LAST_PDU | Pdu.FLAG_SUCCESS),
            "block " + lba);
        assertEquals(cid, pdu.getUnsignedShortLE(Pdu.DATA_CCCID));
        byte[] got = new byte[4096];
        pdu.getBytes(Pdu.hlen(pdu, 0), got);
        assertArrayEquals(lba == 16 ? data : new byte[4096], got, "block " + lba);
      }
      // No CapsuleResp followed either read, and SQHD still counts them: Connect, write, two
      // reads, and this flush took entries 0 to 4.
      assertEquals(
          5, assertSuccess(q.command(RawHost.rw(Opcodes.NVM_FLUSH, 1, 0, 1, 0), null, 0)).sqhd());
      // Errors still come in a CapsuleResp.
      assertStatus(Status.LBA_OUT_OF_RANGE | Status.DNR, q.read(1, 1L << 40, 1, 512));
    }
  }

  @Test
  void withFlowControlOnReadsEndWithACapsuleResp() throws IOException {
    try (RawHost admin = adminQueue(target, NQN);
        RawHost q = newQueue(target, admin)) {
      grantQueues(admin, 1);
      assertSuccess(q.connect(1, NQN, HOST, 31, 0));
      int cid = q.submit(RawHost.rw(Opcodes.NVM_READ, 1, 0, 1, 0), 512);
      ByteBuf data = q.readPdu();
      assertEquals(PduType.C2H_DATA.code, Pdu.type(data, 0));
      assertEquals(Pdu.FLAG_LAST_PDU, Pdu.flags(data, 0) & (Pdu.FLAG_LAST_PDU | Pdu.FLAG_SUCCESS));
      ByteBuf resp = q.readPdu();
      assertEquals(PduType.CAPSULE_RESP.code, Pdu.type(resp, 0));
      assertEquals(cid, Cqe.cid(resp, Pdu.CAPSULE_CQE));
      assertEquals(Status.SUCCESS, Cqe.status(resp, Pdu.CAPSULE_CQE));
    }
  }

  @Test
  void sqHeadAdvancesWithEveryCommandAndWraps() throws IOException {
    try (RawHost admin = adminQueue(target, NQN);
        RawHost q = newQueue(target, admin)) {
      grantQueues(admin, 1);
      // SQSIZE 3: four entries. The Connect took entry 0.
      Completion connect = assertSuccess(q.connect(1, NQN, HOST, 3, 0));
      assertEquals(1, connect.sqhd());
      for (int i = 0; i < 10; i++) {
        Completion c = assertSuccess(q.command(RawHost.rw(Opcodes.NVM_FLUSH, 1, 0, 1, 0), null, 0));
        assertEquals((2 + i) % 4, c.sqhd(), "SQHD after command " + i);
        assertEquals(1, c.sqid());
      }
      // The admin queue (32 entries) counts its own commands.
      int first = assertSuccess(admin.getFeatures(Opcodes.FEAT_NUMBER_OF_QUEUES, 0)).sqhd();
      for (int i = 1; i <= 40; i++) {
        Completion c = assertSuccess(admin.getFeatures(Opcodes.FEAT_NUMBER_OF_QUEUES, 0));
        assertEquals((first + i) % 32, c.sqhd());
        assertEquals(0, c.sqid());
      }
    }
  }
}
