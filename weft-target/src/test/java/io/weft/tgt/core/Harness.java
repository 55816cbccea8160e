package io.weft.tgt.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.protocol.nvme.ControllerRegisters;
import io.weft.protocol.nvme.Opcodes;
import io.weft.protocol.nvme.Sqe;
import io.weft.protocol.nvme.Status;
import io.weft.tgt.ControllerInfo;
import io.weft.tgt.Target;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.NamespaceConfig;
import io.weft.tgt.config.SubsystemConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import io.weft.tgt.testing.RawHost;
import io.weft.tgt.testing.RawHost.Completion;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.BooleanSupplier;

/**
 * Shared set-up for the command-level conformance tests: real targets on 127.0.0.1, raw hosts
 * connected the way the Linux host connects, and exact status assertions.
 */
final class Harness {
  private Harness() {}

  static final String NQN = "nqn.2026-11.io.weft.test:core";
  static final String HOST = RawHost.HOST_NQN;
  static final String HOST2 =
      "nqn.2014-08.org.nvmexpress:uuid:00000000-0000-0000-0000-000000000002";

  /** CC as the Linux host writes it: IOCQES 4, IOSQES 6, everything else 0 ... */
  static final int CC_CONFIGURED = 0x00460000;

  /** ... and then with EN set. */
  static final int CC_ENABLED = CC_CONFIGURED | ControllerRegisters.CC_EN;

  static final int KIB = 1024;
  static final int MIB = 1024 * 1024;

  static TuningConfig tuning() {
    return TuningConfig.defaults().withSpinNanos(0);
  }

  /** Default tuning with a different cap on I/O queues per controller. */
  static TuningConfig tuningWithMaxIoQueues(int maxIoQueues) {
    TuningConfig d = tuning();
    return new TuningConfig(
        d.ioThreads(),
        d.spinNanos(),
        d.mdts(),
        d.inCapsuleDataSize(),
        d.maxQueueEntries(),
        maxIoQueues,
        d.maxH2cData(),
        d.ioWorkerThreads(),
        d.ioEngine(),
        d.c2hSuccessAlways());
  }

  static Target start(
      Path dataDir,
      TuningConfig tuning,
      List<ListenerConfig> listeners,
      List<SubsystemConfig> subsystems)
      throws IOException {
    return Target.start(new TargetConfig(dataDir, listeners, subsystems, null, tuning));
  }

  /** One listener on 127.0.0.1, default tuning. */
  static Target start(Path dataDir, SubsystemConfig... subsystems) throws IOException {
    return start(
        dataDir, tuning(), List.of(ListenerConfig.of("127.0.0.1", 0)), List.of(subsystems));
  }

  static SubsystemConfig subsystem(
      String nqn, List<String> allowedHosts, NamespaceConfig... namespaces) {
    return new SubsystemConfig(
        nqn, "WEFTCORE0001", "Weft core test", null, allowedHosts, List.of(namespaces));
  }

  static NamespaceConfig memory(int nsid, long bytes, int blockSize) {
    return new NamespaceConfig(nsid, "memory", null, bytes, blockSize, false, null);
  }

  static InetSocketAddress address(Target t) {
    return t.listenAddresses().get(0);
  }

  /** ICReq and admin Connect (not enabled). Fails the test if the Connect fails. */
  static RawHost connectAdmin(Target t, String subnqn, String hostNqn, int katoMs)
      throws IOException {
    RawHost h = new RawHost(address(t));
    h.initialize(false, false);
    assertSuccess(h.connect(0, subnqn, hostNqn, 31, katoMs));
    return h;
  }

  /** ICReq, admin Connect and the Linux enable sequence; asserts CSTS.RDY. */
  static RawHost adminQueue(Target t, String subnqn, String hostNqn, int katoMs)
      throws IOException {
    RawHost h = connectAdmin(t, subnqn, hostNqn, katoMs);
    int csts = h.enable();
    assertEquals(ControllerRegisters.CSTS_RDY, csts & 0xF, "CSTS after enable");
    return h;
  }

  static RawHost adminQueue(Target t, String subnqn) throws IOException {
    return adminQueue(t, subnqn, HOST, 0);
  }

  /** Set Features Number of Queues asking for {@code n} queues; returns DW0. */
  static long grantQueues(RawHost admin, int n) throws IOException {
    return assertSuccess(admin.setFeatures(Opcodes.FEAT_NUMBER_OF_QUEUES, (n - 1) << 16 | (n - 1)))
        .result();
  }

  /** A new connection with ICReq done, not yet connected, that will use the admin's CNTLID. */
  static RawHost newQueue(Target t, RawHost admin) throws IOException {
    RawHost q = new RawHost(address(t));
    q.initialize(false, false);
    q.cntlid = admin.cntlid;
    return q;
  }

  /** An I/O queue connected to {@code admin}'s controller (granting queues is up to the caller). */
  static RawHost ioQueue(Target t, RawHost admin, int qid, int sqsize) throws IOException {
    RawHost q = newQueue(t, admin);
    assertSuccess(q.connect(qid, NQN, HOST, sqsize, 0));
    return q;
  }

  /** Asserts SCT, SC and DNR of a completion exactly as in {@code expected}. */
  static Completion assertStatus(int expected, Completion c) {
    String what = "expected " + Status.describe(expected) + ", got " + c;
    assertEquals(Status.sct(expected), Status.sct(c.status()), "SCT: " + what);
    assertEquals(Status.sc(expected), Status.sc(c.status()), "SC: " + what);
    assertEquals(Status.dnr(expected), Status.dnr(c.status()), "DNR: " + what);
    return c;
  }

  static Completion assertSuccess(Completion c) {
    assertTrue(c.ok(), () -> "expected success, got " + c);
    assertTrue(!Status.dnr(c.status()) && !Status.more(c.status()), () -> "flags on " + c);
    return c;
  }

  /** Connect Invalid Parameters with the IATTR bit and IPO (byte offset) the host is told. */
  static void assertInvalidParameter(Completion c, boolean inData, int offset) {
    assertStatus(Status.CONNECT_INVALID_PARAMETERS | Status.DNR, c);
    assertEquals(inData ? 1 : 0, (c.result() >>> 16) & 1, "IATTR of " + c);
    assertEquals(offset, c.result() & 0xFFFF, "IPO of " + c);
  }

  static ByteBuf wrap(byte[] data) {
    return Unpooled.wrappedBuffer(data);
  }

  static byte[] pattern(int length, long seed) {
    byte[] b = new byte[length];
    new Random(seed).nextBytes(b);
    return b;
  }

  static boolean allZero(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }

  /** The NSIDs of an Identify CNS 02h list or a Changed Namespace List, up to the first zero. */
  static List<Integer> nsidList(byte[] page) {
    ByteBuf b = wrap(page);
    List<Integer> out = new ArrayList<>();
    for (int at = 0; at + 4 <= page.length; at += 4) {
      int nsid = b.getIntLE(at);
      if (nsid == 0) {
        break;
      }
      out.add(nsid);
    }
    return out;
  }

  /** Polls {@code condition} every 20 ms until it holds, failing after {@code timeout}. */
  static void waitUntil(String what, Duration timeout, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("timed out after " + timeout.toMillis() + " ms waiting until " + what);
      }
      Thread.sleep(20);
    }
  }

  static Optional<ControllerInfo> controller(Target t, String subnqn, int cntlid) {
    return t.controllers().stream()
        .filter(c -> c.subsystemNqn().equals(subnqn) && c.cntlid() == cntlid)
        .findFirst();
  }

  /** SQE set-up for an I/O-style command: opcode, NSID and CDW10..12. */
  static java.util.function.Consumer<ByteBuf> sqe(
      int opcode, int nsid, int cdw10, int cdw11, int cdw12) {
    return b -> {
      b.setByte(Sqe.OPCODE, opcode);
      b.setIntLE(Sqe.NSID, nsid);
      b.setIntLE(Sqe.CDW10, cdw10);
      b.setIntLE(Sqe.CDW11, cdw11);
      b.setIntLE(Sqe.CDW12, cdw12);
    };
  }
}
