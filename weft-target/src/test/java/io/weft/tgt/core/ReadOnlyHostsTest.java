package io.weft.tgt.core;

import static io.weft.tgt.core.Harness.HOST;
import static io.weft.tgt.core.Harness.HOST2;
import static io.weft.tgt.core.Harness.NQN;
import static io.weft.tgt.core.Harness.adminQueue;
import static io.weft.tgt.core.Harness.assertStatus;
import static io.weft.tgt.core.Harness.assertSuccess;
import static io.weft.tgt.core.Harness.grantQueues;
import static io.weft.tgt.core.Harness.memory;
import static io.weft.tgt.core.Harness.newQueue;
import static io.weft.tgt.core.Harness.nsidList;
import static io.weft.tgt.core.Harness.pattern;
import static io.weft.tgt.core.Harness.subsystem;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.weft.protocol.nvme.AsyncEvent;
import io.weft.protocol.nvme.IdentifyNamespace;
import io.weft.protocol.nvme.Opcodes;
import io.weft.protocol.nvme.Status;
import io.weft.tgt.Target;
import io.weft.tgt.testing.RawHost;
import io.weft.tgt.testing.RawHost.Completion;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Readers of a subsystem (ROX): one volume read by many hosts while the target refuses their writes
 * with Namespace Is Write Protected, shows them NSATTR write-protected, and lets a writer host go
 * on writing; a change is announced to connected hosts.
 */
class ReadOnlyHostsTest {
  private static final int BLOCK = 512;
  private static final int AER_CID = 31;
  private static final int AEC_NS_ATTRIBUTE = 1 << 8;

  private Target target;

  @BeforeEach
  void start() throws IOException {
    target = Harness.start(null, subsystem(NQN, List.of(), memory(1, 1 << 20, BLOCK)));
  }

  @AfterEach
  void stop() {
    target.close();
  }

  /** An admin queue and one I/O queue of {@code hostNqn}. */
  private RawHost[] host(String hostNqn) throws IOException {
    RawHost admin = adminQueue(target, NQN, hostNqn, 0);
    admin.reserveCid(AER_CID);
    grantQueues(admin, 1);
    RawHost io = newQueue(target, admin);
    assertSuccess(io.connect(1, NQN, hostNqn, 31, 0));
    return new RawHost[] {admin, io};
  }

  private static boolean writeProtected(RawHost admin) throws IOException {
    byte[] page = assertSuccess(admin.identify(Opcodes.CNS_NAMESPACE, 1)).data();
    return (page[IdentifyNamespace.NSATTR] & 1) != 0;
  }

  @Test
  void aReaderReadsWhatTheWriterWroteAndEveryChangeItTriesIsRefused() throws Exception {
    target.setReadOnlyHosts(NQN, Set.of(HOST2));
    RawHost[] writer = host(HOST);
    RawHost[] reader = host(HOST2);
    try {
      byte[] data = pattern(8 * BLOCK, 11);
      assertSuccess(writer[1].write(1, 0, data, BLOCK, true));
      assertArrayEquals(data, assertSuccess(reader[1].read(1, 0, 8, BLOCK)).data());

      int refused = Status.NAMESPACE_WRITE_PROTECTED | Status.DNR;
      assertStatus(refused, reader[1].write(1, 0, pattern(8 * BLOCK, 12), BLOCK, true));
      assertStatus(refused, reader[1].write(1, 64, pattern(64 * BLOCK, 13), BLOCK, false));
      assertStatus(
          refused, reader[1].simple(Opcodes.NVM_WRITE_ZEROES, 1, 0, 0, 7)); // 8 blocks at LBA 0
      byte[] range = new byte[16];
      io.netty.buffer.Unpooled.wrappedBuffer(range).setIntLE(4, 8); // 8 blocks at LBA 0
      assertStatus(
          refused,
          reader[1].command(
              sqe -> {
                sqe.setByte(io.weft.protocol.nvme.Sqe.OPCODE, Opcodes.NVM_DATASET_MANAGEMENT);
                sqe.setIntLE(io.weft.protocol.nvme.Sqe.NSID, 1);
                sqe.setIntLE(io.weft.protocol.nvme.Sqe.CDW10, 0);
                sqe.setIntLE(io.weft.protocol.nvme.Sqe.CDW11, 1 << 2); // deallocate
              },
              range,
              0));
      assertSuccess(reader[1].simple(Opcodes.NVM_FLUSH, 1, 0, 0, 0));

      assertArrayEquals(
          data, assertSuccess(writer[1].read(1, 0, 8, BLOCK)).data(), "nothing changed");
      assertEquals(true, writeProtected(reader[0]));
      assertEquals(false, writeProtected(writer[0]));
    } finally {
      close(writer);
      close(reader);
    }
  }

  @Test
  void aConnectedHostIsToldWhenItBecomesAWriterAgain() throws Exception {
    target.setReadOnlyHosts(NQN, Set.of(HOST2));
    RawHost[] reader = host(HOST2);
    try {
      assertSuccess(reader[0].setFeatures(Opcodes.FEAT_ASYNC_EVENT_CONFIG, AEC_NS_ATTRIBUTE));
      reader[0].asyncEventRequest(AER_CID);

      target.setReadOnlyHosts(NQN, Set.of());
      Completion notice = reader[0].await(AER_CID);
      assertSuccess(notice);
      assertEquals(AsyncEvent.NAMESPACE_ATTRIBUTE_CHANGED, (int) notice.result());
      assertEquals(
          List.of(1),
          nsidList(
              assertSuccess(
                      reader[0].getLogPage(Opcodes.LOG_CHANGED_NAMESPACES, -1, 4096, 0, false))
                  .data()));
      assertEquals(false, writeProtected(reader[0]));
      assertSuccess(reader[1].write(1, 0, pattern(8 * BLOCK, 14), BLOCK, true));
    } finally {
      close(reader);
    }
  }

  private static void close(RawHost[] queues) throws IOException {
    for (RawHost q : queues) {
      q.close();
    }
  }
}
