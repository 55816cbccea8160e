package io.weft.tgt.core;

import static io.weft.tgt.core.Harness.CC_CONFIGURED;
import static io.weft.tgt.core.Harness.CC_ENABLED;
import static io.weft.tgt.core.Harness.HOST;
import static io.weft.tgt.core.Harness.MIB;
import static io.weft.tgt.core.Harness.NQN;
import static io.weft.tgt.core.Harness.adminQueue;
import static io.weft.tgt.core.Harness.assertInvalidParameter;
import static io.weft.tgt.core.Harness.assertStatus;
import static io.weft.tgt.core.Harness.assertSuccess;
import static io.weft.tgt.core.Harness.connectAdmin;
import static io.weft.tgt.core.Harness.controller;
import static io.weft.tgt.core.Harness.grantQueues;
import static io.weft.tgt.core.Harness.memory;
import static io.weft.tgt.core.Harness.newQueue;
import static io.weft.tgt.core.Harness.subsystem;
import static io.weft.tgt.core.Harness.waitUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.protocol.nvme.ControllerRegisters;
import io.weft.protocol.nvme.Opcodes;
import io.weft.protocol.nvme.Status;
import io.weft.tgt.Target;
import io.weft.tgt.testing.RawHost;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Property Get / Property Set on the controller properties (CAP, VS, CC, CSTS). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PropertiesTest {
  private static final int CSTS_SHST_MASK = 0xC;

  private Target target;

  @BeforeAll
  void start() throws IOException {
    target = Harness.start(null, subsystem(NQN, List.of(), memory(1, MIB, 512)));
  }

  @AfterAll
  void stop() {
    target.close();
  }

  private static long get(RawHost h, int offset) throws IOException {
    return assertSuccess(h.propertyGet(offset, offset == ControllerRegisters.CAP)).result();
  }

  @Test
  void capDescribesQueuesTimeoutCommandSetAndPageSize() throws IOException {
    try (RawHost h = connectAdmin(target, NQN, HOST, 0)) {
      long cap = get(h, ControllerRegisters.CAP);
      assertEquals(Harness.tuning().maxQueueEntries() - 1, ControllerRegisters.capMqes(cap));
      assertEquals(1, cap >>> 16 & 1, "CQR: contiguous queues required");
      assertNotEquals(0, ControllerRegisters.capTimeout(cap), "TO: the host waits (TO+1)/2 s");
      assertEquals(1, cap >>> 37 & 1, "CSS bit 37: NVM command set");
      assertEquals(0, cap >>> 43 & 1, "CSS bit 43 clear: no I/O command set selection");
      assertEquals(0, cap >>> 48 & 0xF, "MPSMIN 0: 4 KiB host pages");
      assertEquals(0, cap >>> 59 & 3, "CRMS clear: no CRTO property");
    }
  }

  @Test
  void versionIs13() throws IOException {
    try (RawHost h = connectAdmin(target, NQN, HOST, 0)) {
      assertEquals(0x00010300L, get(h, ControllerRegisters.VS));
    }
  }

  @Test
  void ccReadsBackAndEnablingSetsReady() throws IOException {
    try (RawHost h = connectAdmin(target, NQN, HOST, 0)) {
      assertEquals(0, get(h, ControllerRegisters.CC));
      assertEquals(0, get(h, ControllerRegisters.CSTS));
      assertSuccess(h.propertySet(ControllerRegisters.CC, CC_CONFIGURED));
      assertEquals(CC_CONFIGURED, get(h, ControllerRegisters.CC));
      assertEquals(0, get(h, ControllerRegisters.CSTS) & ControllerRegisters.CSTS_RDY);
      assertSuccess(h.propertySet(ControllerRegisters.CC, CC_ENABLED));
      assertEquals(CC_ENABLED, get(h, ControllerRegisters.CC));
      assertEquals(ControllerRegisters.CSTS_RDY, get(h, ControllerRegisters.CSTS));
    }
  }

  @Test
  void invalidConfigurationOnEnableSetsFatalStatus() throws IOException {
    int[] invalid = {
      CC_ENABLED | 1 << ControllerRegisters.CC_MPS_SHIFT, // MPS 1: 8 KiB pages
      CC_ENABLED & ~(0xF << 16) | 7 << 16, // IOSQES 7: 128-byte SQEs
      CC_ENABLED & ~(0xF << 20) | 5 << 20, // IOCQES 5
      CC_ENABLED | 1 << ControllerRegisters.CC_AMS_SHIFT, // weighted round robin
      CC_ENABLED | 1 << ControllerRegisters.CC_CSS_SHIFT, // reserved command set
    };
    for (int cc : invalid) {
      try (RawHost h = connectAdmin(target, NQN, HOST, 0)) {
        assertSuccess(h.propertySet(ControllerRegisters.CC, cc));
        long csts = get(h, ControllerRegisters.CSTS);
        assertEquals(
            ControllerRegisters.CSTS_CFS,
            csts & (ControllerRegisters.CSTS_CFS | ControllerRegisters.CSTS_RDY),
            "CC 0x" + Integer.toHexString(cc) + " gives CFS and not RDY");
        assertStatus(
            Status.COMMAND_SEQUENCE_ERROR | Status.DNR, h.identify(Opcodes.CNS_CONTROLLER, 0));
        // A reset clears the fatal status and a valid enable works.
        assertSuccess(h.propertySet(ControllerRegisters.CC, CC_CONFIGURED));
        assertEquals(0, get(h, ControllerRegisters.CSTS) & ControllerRegisters.CSTS_CFS);
        assertSuccess(h.propertySet(ControllerRegisters.CC, CC_ENABLED));
        assertEquals(ControllerRegisters.CSTS_RDY, get(h, ControllerRegisters.CSTS));
      }
    }
  }

  @Test
  void shutdownNotificationCompletes() throws Exception {
    try (RawHost h = adminQueue(target, NQN)) {
      int shutdown = CC_ENABLED | 1 << ControllerRegisters.CC_SHN_SHIFT;
      assertSuccess(h.propertySet(ControllerRegisters.CC, shutdown));
      assertEquals(shutdown, get(h, ControllerRegisters.CC));
      // The Linux host polls CSTS until SHST = 10b, for 5 s by default.
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      long csts = get(h, ControllerRegisters.CSTS);
      while ((csts & CSTS_SHST_MASK) != ControllerRegisters.CSTS_SHST_COMPLETE) {
        assertTrue(System.nanoTime() < deadline, "shutdown did not complete: CSTS " + csts);
        assertTrue((csts & CSTS_SHST_MASK) == 1 << 2, "SHST is 01b while processing: " + csts);
        Thread.sleep(10);
        csts = get(h, ControllerRegisters.CSTS);
      }
      assertEquals(0, csts & ControllerRegisters.CSTS_CFS);
    }
  }

  @Test
  void disablingResetsTheControllerAndClosesItsIoQueues() throws Exception {
    try (RawHost admin = adminQueue(target, NQN);
        RawHost io = newQueue(target, admin);
        RawHost again = newQueue(target, admin);
        RawHost third = newQueue(target, admin)) {
      grantQueues(admin, 1);
      assertSuccess(io.connect(1, NQN, HOST, 31, 0));
      int cntlid = admin.cntlid;

      assertSuccess(admin.propertySet(ControllerRegisters.CC, CC_CONFIGURED));
      assertEquals(0, get(admin, ControllerRegisters.CSTS) & ControllerRegisters.CSTS_RDY);
      io.soTimeout(5000);
      assertTrue(io.closedByPeer(), "the I/O queue connection is closed by the reset");
      waitUntil(
          "the controller has no I/O queue",
          Duration.ofSeconds(5),
          () -> controller(target, NQN, cntlid).map(c -> c.ioQueues() == 0).orElse(false));
      // Until enabled again, admin commands are out of sequence.
      assertStatus(
          Status.COMMAND_SEQUENCE_ERROR | Status.DNR, admin.identify(Opcodes.CNS_CONTROLLER, 0));

      assertSuccess(admin.propertySet(ControllerRegisters.CC, CC_ENABLED));
      assertEquals(ControllerRegisters.CSTS_RDY, get(admin, ControllerRegisters.CSTS));
      // The reset forgot the queue count: the host has to ask again.
      assertInvalidParameter(again.connect(1, NQN, HOST, 31, 0), false, 42);
      grantQueues(admin, 1);
      assertSuccess(third.connect(1, NQN, HOST, 31, 0));
    }
  }

  @Test
  void propertySetOfAReadOnlyPropertyIsInvalidField() throws IOException {
    try (RawHost h = adminQueue(target, NQN)) {
      for (int offset :
          new int[] {ControllerRegisters.CAP, ControllerRegisters.VS, ControllerRegisters.CSTS}) {
        assertStatus(Status.INVALID_FIELD | Status.DNR, h.propertySet(offset, 0));
      }
      assertEquals(CC_ENABLED, get(h, ControllerRegisters.CC));
      assertEquals(ControllerRegisters.CSTS_RDY, get(h, ControllerRegisters.CSTS));
    }
  }

  @Test
  void propertyGetOfAnUnknownOffsetIsInvalidField() throws IOException {
    try (RawHost h = adminQueue(target, NQN)) {
      // INTMS and AQA exist only on PCIe; 0x40 is reserved.
      for (int offset : new int[] {0x0C, 0x24, 0x40}) {
        assertStatus(Status.INVALID_FIELD | Status.DNR, h.propertyGet(offset, false));
      }
    }
  }
}
