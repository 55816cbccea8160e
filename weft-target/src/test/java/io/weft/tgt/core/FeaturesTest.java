package io.weft.tgt.core;

import static io.weft.tgt.core.Harness.HOST;
import static io.weft.tgt.core.Harness.MIB;
import static io.weft.tgt.core.Harness.NQN;
import static io.weft.tgt.core.Harness.adminQueue;
import static io.weft.tgt.core.Harness.assertStatus;
import static io.weft.tgt.core.Harness.assertSuccess;
import static io.weft.tgt.core.Harness.grantQueues;
import static io.weft.tgt.core.Harness.ioQueue;
import static io.weft.tgt.core.Harness.memory;
import static io.weft.tgt.core.Harness.subsystem;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.weft.protocol.nvme.Opcodes;
import io.weft.protocol.nvme.Status;
import io.weft.tgt.Target;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.testing.RawHost;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Set Features / Get Features and the Keep Alive command. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FeaturesTest {
  private static final int MAX_IO_QUEUES = 4;
  private static final int SV = 1 << 31;
  private static final int SEL_CURRENT = 0;
  private static final int SEL_DEFAULT = 1;
  private static final int SEL_SAVED = 2;
  private static final int SEL_CAPABILITIES = 3;

  private Target target;

  @BeforeAll
  void start() throws IOException {
    target =
        Harness.start(
            null,
            Harness.tuningWithMaxIoQueues(MAX_IO_QUEUES),
            List.of(ListenerConfig.of("127.0.0.1", 0)),
            List.of(subsystem(NQN, List.of(), memory(1, MIB, 512))));
  }

  @AfterAll
  void stop() {
    target.close();
  }

  private static long get(RawHost h, int fid, int sel) throws IOException {
    return assertSuccess(h.getFeatures(fid, sel)).result() & 0xFFFFFFFFL;
  }

  @Test
  void numberOfQueuesIsGrantedUpToTheConfiguredLimit() throws IOException {
    try (RawHost h = adminQueue(target, NQN)) {
      assertEquals(0x00010001L, grantQueues(h, 2));
      assertEquals(0x00010001L, get(h, Opcodes.FEAT_NUMBER_OF_QUEUES, SEL_CURRENT));
      long granted = grantQueues(h, 32);
      assertEquals(MAX_IO_QUEUES - 1, granted & 0xFFFF, "NSQA capped (0's based)");
      assertEquals(MAX_IO_QUEUES - 1, granted >>> 16, "NCQA capped (0's based)");
      assertEquals(granted, get(h, Opcodes.FEAT_NUMBER_OF_QUEUES, SEL_CURRENT));
    }
  }

  @Test
  void numberOfQueuesOf65536IsInvalidField() throws IOException {
    try (RawHost h = adminQueue(target, NQN)) {
      for (int value : new int[] {0x0000FFFF, 0xFFFF0000, 0xFFFFFFFF}) {
        assertStatus(
            Status.INVALID_FIELD | Status.DNR, h.setFeatures(Opcodes.FEAT_NUMBER_OF_QUEUES, value));
      }
    }
  }

  @Test
  void numberOfQueuesCannotChangeOnceIoQueuesExist() throws IOException {
    try (RawHost h = adminQueue(target, NQN)) {
      long granted = grantQueues(h, 2);
      try (RawHost io = ioQueue(target, h, 1, 31)) {
        assertStatus(
            Status.COMMAND_SEQUENCE_ERROR | Status.DNR,
            h.setFeatures(Opcodes.FEAT_NUMBER_OF_QUEUES, 0x00030003));
        assertEquals(granted, get(h, Opcodes.FEAT_NUMBER_OF_QUEUES, SEL_CURRENT));
      }
    }
  }

  @Test
  void volatileWriteCacheCanBeTurnedOffAndOn() throws IOException {
    try (RawHost h = adminQueue(target, NQN)) {
      assertEquals(1, get(h, Opcodes.FEAT_VOLATILE_WRITE_CACHE, SEL_CURRENT));
      assertSuccess(h.setFeatures(Opcodes.FEAT_VOLATILE_WRITE_CACHE, 0));
      assertEquals(0, get(h, Opcodes.FEAT_VOLATILE_WRITE_CACHE, SEL_CURRENT));
      assertEquals(1, get(h, Opcodes.FEAT_VOLATILE_WRITE_CACHE, SEL_DEFAULT));
      assertSuccess(h.setFeatures(Opcodes.FEAT_VOLATILE_WRITE_CACHE, 1));
      assertEquals(1, get(h, Opcodes.FEAT_VOLATILE_WRITE_CACHE, SEL_CURRENT));
    }
  }

  @Test
  void asyncEventConfigurationReadsBackAndRefusesWhatCannotBeReported() throws IOException {
    try (RawHost h = adminQueue(target, NQN)) {
      assertEquals(0, get(h, Opcodes.FEAT_ASYNC_EVENT_CONFIG, SEL_CURRENT));
      assertSuccess(h.setFeatures(Opcodes.FEAT_ASYNC_EVENT_CONFIG, 0x100));
      assertEquals(0x100, get(h, Opcodes.FEAT_ASYNC_EVENT_CONFIG, SEL_CURRENT));
      assertSuccess(h.setFeatures(Opcodes.FEAT_ASYNC_EVENT_CONFIG, 0x900));
      assertEquals(0x900, get(h, Opcodes.FEAT_ASYNC_EVENT_CONFIG, SEL_CURRENT), "ANA notices");
      assertSuccess(h.setFeatures(Opcodes.FEAT_ASYNC_EVENT_CONFIG, 0x100));
      // Firmware activation (9), discovery log change (31): never raised here.
      for (int bit : new int[] {9, 31}) {
        assertStatus(
            Status.INVALID_FIELD | Status.DNR,
            h.setFeatures(Opcodes.FEAT_ASYNC_EVENT_CONFIG, 0x100 | 1 << bit));
      }
      assertEquals(0x100, get(h, Opcodes.FEAT_ASYNC_EVENT_CONFIG, SEL_CURRENT));
      assertEquals(0, get(h, Opcodes.FEAT_ASYNC_EVENT_CONFIG, SEL_DEFAULT));
    }
  }

  @Test
  void keepAliveTimerReadsBackRoundedUpToWholeSeconds() throws IOException {
    try (RawHost h = adminQueue(target, NQN, HOST, 5000)) {
      assertEquals(5000, get(h, Opcodes.FEAT_KEEP_ALIVE_TIMER, SEL_CURRENT));
      assertSuccess(h.setFeatures(Opcodes.FEAT_KEEP_ALIVE_TIMER, 3000));
      assertEquals(3000, get(h, Opcodes.FEAT_KEEP_ALIVE_TIMER, SEL_CURRENT));
      // KAS is 1 s (10 x 100 ms): a KATO between multiples is rounded up.
      assertSuccess(h.setFeatures(Opcodes.FEAT_KEEP_ALIVE_TIMER, 2500));
      assertEquals(3000, get(h, Opcodes.FEAT_KEEP_ALIVE_TIMER, SEL_CURRENT));
      assertSuccess(h.setFeatures(Opcodes.FEAT_KEEP_ALIVE_TIMER, 0));
      assertEquals(0, get(h, Opcodes.FEAT_KEEP_ALIVE_TIMER, SEL_CURRENT));
    }
    // The KATO given in Connect is the same value and is rounded the same way.
    try (RawHost h = adminQueue(target, NQN, HOST, 1500)) {
      assertEquals(2000, get(h, Opcodes.FEAT_KEEP_ALIVE_TIMER, SEL_CURRENT));
    }
  }

  @Test
  void saveBitIsFeatureNotSaveable() throws IOException {
    try (RawHost h = adminQueue(target, NQN)) {
      for (int fid :
          new int[] {
            Opcodes.FEAT_VOLATILE_WRITE_CACHE,
            Opcodes.FEAT_NUMBER_OF_QUEUES,
            Opcodes.FEAT_ASYNC_EVENT_CONFIG,
            Opcodes.FEAT_KEEP_ALIVE_TIMER
          }) {
        assertStatus(
            Status.FEATURE_NOT_SAVEABLE | Status.DNR,
            h.simple(Opcodes.ADMIN_SET_FEATURES, 0, fid | SV, 0x00010001, 0));
      }
      assertEquals(1, get(h, Opcodes.FEAT_VOLATILE_WRITE_CACHE, SEL_CURRENT), "unchanged");
    }
  }

  @Test
  void capabilitiesSayChangeableNotSaveableNotPerNamespace() throws IOException {
    try (RawHost h = adminQueue(target, NQN)) {
      for (int fid :
          new int[] {
            Opcodes.FEAT_ARBITRATION,
            Opcodes.FEAT_VOLATILE_WRITE_CACHE,
            Opcodes.FEAT_NUMBER_OF_QUEUES,
            Opcodes.FEAT_ASYNC_EVENT_CONFIG,
            Opcodes.FEAT_KEEP_ALIVE_TIMER
          }) {
        assertEquals(0b100, get(h, fid, SEL_CAPABILITIES), "capabilities of FID " + fid);
      }
      // Nothing is saveable, so the saved value is the default.
      assertSuccess(h.setFeatures(Opcodes.FEAT_VOLATILE_WRITE_CACHE, 0));
      assertEquals(1, get(h, Opcodes.FEAT_VOLATILE_WRITE_CACHE, SEL_SAVED));
      for (int sel = 4; sel < 8; sel++) {
        assertStatus(
            Status.INVALID_FIELD | Status.DNR,
            h.getFeatures(Opcodes.FEAT_VOLATILE_WRITE_CACHE, sel));
      }
    }
  }

  @Test
  void unknownFeatureIsInvalidField() throws IOException {
    try (RawHost h = adminQueue(target, NQN)) {
      // 00h reserved, 0Ch APST, 0Eh timestamp, 16h host behavior, 80h+ command set / vendor.
      for (int fid : new int[] {0x00, 0x0C, 0x0E, 0x16, 0x80, 0xC0}) {
        assertStatus(Status.INVALID_FIELD | Status.DNR, h.getFeatures(fid, SEL_CURRENT));
        assertStatus(Status.INVALID_FIELD | Status.DNR, h.setFeatures(fid, 0));
      }
    }
  }

  @Test
  void keepAliveSucceedsWhenEnabledAndIsInvalidWithKatoZero() throws IOException {
    try (RawHost h = adminQueue(target, NQN, HOST, 5000)) {
      assertSuccess(h.simple(Opcodes.ADMIN_KEEP_ALIVE, 0, 0, 0, 0));
    }
    try (RawHost h = adminQueue(target, NQN, HOST, 0)) {
      assertStatus(
          Status.KEEP_ALIVE_TIMEOUT_INVALID | Status.DNR,
          h.simple(Opcodes.ADMIN_KEEP_ALIVE, 0, 0, 0, 0));
    }
  }
}
