package io.weft.tgt.core;

import static io.weft.tgt.core.Harness.HOST;
import static io.weft.tgt.core.Harness.MIB;
import static io.weft.tgt.core.Harness.NQN;
import static io.weft.tgt.core.Harness.adminQueue;
import static io.weft.tgt.core.Harness.assertSuccess;
import static io.weft.tgt.core.Harness.controller;
import static io.weft.tgt.core.Harness.grantQueues;
import static io.weft.tgt.core.Harness.ioQueue;
import static io.weft.tgt.core.Harness.memory;
import static io.weft.tgt.core.Harness.subsystem;
import static io.weft.tgt.core.Harness.waitUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.protocol.nvme.Opcodes;
import io.weft.tgt.Target;
import io.weft.tgt.testing.RawHost;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Keep Alive Timeout: a controller whose host goes quiet for KATO is ended; any command on any of
 * its queues counts as traffic (TBKAS); connections ending free the controller or the queue.
 */
class KeepAliveTest {
  private Target target;

  @BeforeEach
  void start() throws IOException {
    target = Harness.start(null, subsystem(NQN, List.of(), memory(1, MIB, 512)));
  }

  @AfterEach
  void stop() {
    target.close();
  }

  private boolean alive(int cntlid) {
    return controller(target, NQN, cntlid).isPresent();
  }

  @Test
  void aSilentHostLosesItsControllerWithinKatoPlusOneSecond() throws Exception {
    int kato = 2000;
    try (RawHost admin = adminQueue(target, NQN, HOST, kato)) {
      grantQueues(admin, 1);
      try (RawHost io = ioQueue(target, admin, 1, 31)) {
        long quietSince = System.nanoTime();
        int cntlid = admin.cntlid;
        assertTrue(alive(cntlid));
        long deadline = quietSince + Duration.ofMillis(kato + 1000).toNanos();
        while (alive(cntlid) && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        long waited = Duration.ofNanos(System.nanoTime() - quietSince).toMillis();
        assertTrue(!alive(cntlid), "controller still there " + waited + " ms after going quiet");
        admin.soTimeout(2000);
        io.soTimeout(2000);
        assertTrue(admin.closedByPeer(), "the admin connection is closed");
        assertTrue(io.closedByPeer(), "the I/O connection is closed");
      }
    }
  }

  @Test
  void anyAdminCommandKeepsTheControllerAlive() throws Exception {
    int kato = 1000;
    try (RawHost admin = adminQueue(target, NQN, HOST, kato)) {
      long end = System.nanoTime() + Duration.ofMillis(3 * kato).toNanos();
      while (System.nanoTime() < end) {
        assertSuccess(admin.getFeatures(Opcodes.FEAT_VOLATILE_WRITE_CACHE, 0));
        assertTrue(alive(admin.cntlid));
        Thread.sleep(kato / 4);
      }
      assertSuccess(admin.identify(Opcodes.CNS_CONTROLLER, 0));
      assertTrue(alive(admin.cntlid));
    }
  }

  @Test
  void ioQueueTrafficAloneKeepsTheControllerAlive() throws Exception {
    int kato = 1000;
    try (RawHost admin = adminQueue(target, NQN, HOST, kato)) {
      grantQueues(admin, 1);
      try (RawHost io = ioQueue(target, admin, 1, 31)) {
        long end = System.nanoTime() + Duration.ofMillis(3 * kato).toNanos();
        while (System.nanoTime() < end) {
          assertSuccess(io.read(1, 0, 8, 512));
          Thread.sleep(kato / 4);
        }
        assertTrue(alive(admin.cntlid), "I/O traffic counts as keep alive (TBKAS)");
        assertSuccess(admin.identify(Opcodes.CNS_CONTROLLER, 0));
      }
    }
  }

  @Test
  void closingTheAdminConnectionFreesTheControllerAtOnce() throws Exception {
    RawHost admin = adminQueue(target, NQN, HOST, 0);
    grantQueues(admin, 1);
    try (RawHost io = ioQueue(target, admin, 1, 31)) {
      int cntlid = admin.cntlid;
      assertTrue(alive(cntlid));
      admin.close();
      waitUntil("the controller is gone", Duration.ofSeconds(2), () -> !alive(cntlid));
      io.soTimeout(2000);
      assertTrue(io.closedByPeer(), "its I/O queue connections are closed with it");
    }
  }

  @Test
  void closingAnIoQueueConnectionLeavesTheController() throws Exception {
    try (RawHost admin = adminQueue(target, NQN, HOST, 0)) {
      grantQueues(admin, 2);
      try (RawHost io2 = ioQueue(target, admin, 2, 31)) {
        RawHost io1 = ioQueue(target, admin, 1, 31);
        int cntlid = admin.cntlid;
        waitUntil(
            "two I/O queues are listed",
            Duration.ofSeconds(2),
            () -> controller(target, NQN, cntlid).map(c -> c.ioQueues() == 2).orElse(false));
        io1.close();
        waitUntil(
            "one I/O queue is left",
            Duration.ofSeconds(2),
            () -> controller(target, NQN, cntlid).map(c -> c.ioQueues() == 1).orElse(false));
        assertSuccess(admin.identify(Opcodes.CNS_CONTROLLER, 0));
        assertSuccess(io2.read(1, 0, 1, 512));
        // The QID is free again: a host reconnecting that queue gets it back.
        try (RawHost again = ioQueue(target, admin, 1, 31)) {
          assertSuccess(again.read(1, 0, 1, 512));
        }
        assertEquals(cntlid, controller(target, NQN, cntlid).orElseThrow().cntlid());
      }
    }
  }
}
