package io.weft.tgt.core;

import static io.weft.tgt.core.Harness.MIB;
import static io.weft.tgt.core.Harness.NQN;
import static io.weft.tgt.core.Harness.adminQueue;
import static io.weft.tgt.core.Harness.allZero;
import static io.weft.tgt.core.Harness.assertStatus;
import static io.weft.tgt.core.Harness.assertSuccess;
import static io.weft.tgt.core.Harness.grantQueues;
import static io.weft.tgt.core.Harness.ioQueue;
import static io.weft.tgt.core.Harness.memory;
import static io.weft.tgt.core.Harness.nsidList;
import static io.weft.tgt.core.Harness.pattern;
import static io.weft.tgt.core.Harness.subsystem;
import static io.weft.tgt.core.Harness.waitUntil;
import static io.weft.tgt.core.Harness.wrap;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.protocol.nvme.ErrorLogEntry;
import io.weft.protocol.nvme.IdentifyController;
import io.weft.protocol.nvme.Opcodes;
import io.weft.protocol.nvme.SmartLog;
import io.weft.protocol.nvme.Sqe;
import io.weft.protocol.nvme.Status;
import io.weft.tgt.Target;
import io.weft.tgt.testing.RawHost;
import io.weft.tgt.testing.RawHost.Completion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Get Log Page: error, SMART, firmware slot, changed namespaces, effects; LPO windows. */
class LogPagesTest {
  private static final long NS1_BLOCKS = 16L * MIB / 512;
  private static final int ALL = 0xFFFFFFFF;

  private Target target;

  @BeforeEach
  void start() throws IOException {
    target = Harness.start(null, subsystem(NQN, List.of(), memory(1, 16 * MIB, 512)));
  }

  @AfterEach
  void stop() {
    target.close();
  }

  private static byte[] log(RawHost h, int lid, int nsid, int bytes, long offset)
      throws IOException {
    return assertSuccess(h.getLogPage(lid, nsid, bytes, offset)).data();
  }

  private static SmartLog smart(RawHost h) throws IOException {
    return SmartLog.decode(wrap(log(h, Opcodes.LOG_SMART, ALL, SmartLog.SIZE, 0)), 0);
  }

  @Test
  void failedCommandsAreLoggedAndTheirCompletionsHaveMore() throws IOException {
    try (RawHost admin = adminQueue(target, NQN)) {
      grantQueues(admin, 1);
      try (RawHost io = ioQueue(target, admin, 1, 31)) {
        long errorsBefore = smart(admin).errorLogEntries();
        Completion ok = assertSuccess(admin.identify(Opcodes.CNS_CONTROLLER, 0));
        assertFalse(Status.more(ok.status()), "no More bit on success");

        Completion badCns =
            assertStatus(Status.INVALID_FIELD | Status.DNR, admin.identify(0x10, 0));
        assertTrue(Status.more(badCns.status()), "More: an error log entry exists");
        long slba = NS1_BLOCKS + 5;
        Completion outOfRange =
            assertStatus(Status.LBA_OUT_OF_RANGE | Status.DNR, io.read(1, slba, 1, 512));
        assertTrue(Status.more(outOfRange.status()), "More on an I/O queue error too");

        byte[] page = log(admin, Opcodes.LOG_ERROR, 0, 4096, 0);
        ErrorLogEntry newest = ErrorLogEntry.decode(wrap(page), 0);
        ErrorLogEntry older = ErrorLogEntry.decode(wrap(page), ErrorLogEntry.SIZE);
        assertEquals(1, newest.sqid());
        assertEquals(outOfRange.cid(), newest.cid());
        assertEquals(Status.LBA_OUT_OF_RANGE | Status.DNR, newest.status());
        assertEquals(slba, newest.lba());
        assertEquals(1, newest.nsid());
        assertEquals(Sqe.CDW10, newest.parameterLocation(), "SLBA is in CDW10");
        assertEquals(0, older.sqid());
        assertEquals(badCns.cid(), older.cid());
        assertEquals(Status.INVALID_FIELD | Status.DNR, older.status());
        assertEquals(Sqe.CDW10, older.parameterLocation(), "CNS is in CDW10");
        assertTrue(older.errorCount() >= 1);
        assertEquals(older.errorCount() + 1, newest.errorCount(), "error count increases");
        assertTrue(allZero(page, 2 * ErrorLogEntry.SIZE, page.length), "no other entries yet");

        // One more: it becomes the newest, the others move down.
        Completion bad = assertStatus(Status.INVALID_NAMESPACE | Status.DNR, io.read(9, 0, 1, 512));
        page = log(admin, Opcodes.LOG_ERROR, 0, 4096, 0);
        ErrorLogEntry third = ErrorLogEntry.decode(wrap(page), 0);
        assertEquals(bad.cid(), third.cid());
        assertEquals(newest.errorCount() + 1, third.errorCount());
        assertEquals(newest, ErrorLogEntry.decode(wrap(page), ErrorLogEntry.SIZE));

        assertEquals(errorsBefore + 3, smart(admin).errorLogEntries(), "SMART error entries");
      }
    }
  }

  @Test
  void smartCountersFollowTheIo() throws IOException {
    try (RawHost admin = adminQueue(target, NQN)) {
      grantQueues(admin, 1);
      try (RawHost io = ioQueue(target, admin, 1, 31)) {
        SmartLog before = smart(admin);
        assertEquals(0, before.criticalWarning());
        // 1000 sectors of 512 bytes are exactly one SMART data unit, whatever came before.
        byte[] half = pattern(500 * 512, 7);
        assertSuccess(io.write(1, 0, half, 512, false));
        assertSuccess(io.write(1, 500, half, 512, false));
        SmartLog written = smart(admin);
        assertEquals(before.dataUnitsWritten() + 1, written.dataUnitsWritten());
        assertEquals(before.hostWriteCommands() + 2, written.hostWriteCommands());
        assertEquals(before.dataUnitsRead(), written.dataUnitsRead());
        assertEquals(before.hostReadCommands(), written.hostReadCommands());

        assertSuccess(io.read(1, 0, 500, 512));
        assertSuccess(io.read(1, 500, 500, 512));
        SmartLog read = smart(admin);
        assertEquals(written.dataUnitsRead() + 1, read.dataUnitsRead());
        assertEquals(written.hostReadCommands() + 2, read.hostReadCommands());
        assertEquals(written.dataUnitsWritten(), read.dataUnitsWritten());

        // Controller-wide only (LPA bit 0 clear): NSID 0 works too, a namespace does not.
        assertSuccess(admin.getLogPage(Opcodes.LOG_SMART, 0, SmartLog.SIZE, 0));
        assertStatus(
            Status.INVALID_FIELD | Status.DNR,
            admin.getLogPage(Opcodes.LOG_SMART, 1, SmartLog.SIZE, 0));
      }
    }
  }

  @Test
  void anOffsetAndLengthReturnThatSliceOfThePage() throws IOException {
    try (RawHost h = adminQueue(target, NQN)) {
      byte[] whole = log(h, Opcodes.LOG_COMMANDS_EFFECTS, 0, 4096, 0);
      assertArrayEquals(
          Arrays.copyOfRange(whole, 1024, 1536),
          log(h, Opcodes.LOG_COMMANDS_EFFECTS, 0, 512, 1024));
      assertArrayEquals(
          Arrays.copyOfRange(whole, 4092, 4096), log(h, Opcodes.LOG_COMMANDS_EFFECTS, 0, 4, 4092));
      // Chunks put together give the whole page.
      byte[] joined = new byte[4096];
      for (int off = 0; off < 4096; off += 1024) {
        System.arraycopy(log(h, Opcodes.LOG_COMMANDS_EFFECTS, 0, 1024, off), 0, joined, off, 1024);
      }
      assertArrayEquals(whole, joined);
    }
  }

  @Test
  void readingPastTheEndOfAPageGivesZeros() throws IOException {
    try (RawHost h = adminQueue(target, NQN)) {
      byte[] page = log(h, Opcodes.LOG_SMART, ALL, 512, 0);
      byte[] longer = log(h, Opcodes.LOG_SMART, ALL, 1024, 0);
      assertEquals(1024, longer.length);
      // Nothing runs between the two reads, so the counters are the same in both.
      assertArrayEquals(page, Arrays.copyOf(longer, 512));
      assertTrue(allZero(longer, 512, 1024));

      byte[] tail = log(h, Opcodes.LOG_SMART, ALL, 512, 256);
      assertArrayEquals(Arrays.copyOfRange(page, 256, 512), Arrays.copyOf(tail, 256));
      assertTrue(allZero(tail, 256, 512));

      byte[] firmware = log(h, Opcodes.LOG_FIRMWARE_SLOT, 0, 4096, 0);
      assertTrue(allZero(firmware, 512, 4096), "firmware slot page is 512 bytes");
    }
  }

  @Test
  void anOffsetBeyondThePageOrNotDwordAlignedIsInvalidField() throws IOException {
    try (RawHost h = adminQueue(target, NQN)) {
      assertStatus(
          Status.INVALID_FIELD | Status.DNR, h.getLogPage(Opcodes.LOG_SMART, ALL, 512, 1024));
      assertStatus(
          Status.INVALID_FIELD | Status.DNR,
          h.getLogPage(Opcodes.LOG_COMMANDS_EFFECTS, 0, 512, 8192));
      assertStatus(
          Status.INVALID_FIELD | Status.DNR, h.getLogPage(Opcodes.LOG_ERROR, 0, 64, 1L << 32));
      assertStatus(
          Status.INVALID_FIELD | Status.DNR, h.getLogPage(Opcodes.LOG_COMMANDS_EFFECTS, 0, 64, 2));
    }
  }

  @Test
  void unknownLogPageIsInvalidLogPage() throws IOException {
    try (RawHost h = adminQueue(target, NQN)) {
      // Device self-test, discovery (on an I/O controller), vendor specific.
      for (int lid : new int[] {0x06, 0x70, 0xC0}) {
        assertStatus(Status.INVALID_LOG_PAGE | Status.DNR, h.getLogPage(lid, 0, 512, 0));
      }
    }
  }

  @Test
  void changedNamespaceListReportsAddsAndRemovesOnce() throws Exception {
    try (RawHost h = adminQueue(target, NQN)) {
      assertEquals(List.of(), changed(h, true));
      target.addNamespace(NQN, memory(9, MIB, 512));
      target.addNamespace(NQN, memory(7, MIB, 4096));
      target.removeNamespace(NQN, 1);
      waitUntil(
          "the changes are in the list",
          Duration.ofSeconds(5),
          () -> changedOrFail(h, true).size() == 3);
      // Reading with RAE set keeps the list; reading without it hands it over and clears it.
      assertEquals(List.of(1, 7, 9), changed(h, true));
      byte[] page = log(h, Opcodes.LOG_CHANGED_NAMESPACES, ALL, 4096, 0);
      assertEquals(List.of(1, 7, 9), nsidList(page));
      assertTrue(allZero(page, 12, 4096));
      assertEquals(List.of(), changed(h, false));

      // A controller created afterwards has nothing to report.
      try (RawHost later = adminQueue(target, NQN)) {
        assertEquals(List.of(), changed(later, false));
      }
    }
  }

  private static List<Integer> changed(RawHost h, boolean retain) throws IOException {
    return nsidList(
        assertSuccess(h.getLogPage(Opcodes.LOG_CHANGED_NAMESPACES, ALL, 4096, 0, retain)).data());
  }

  private static List<Integer> changedOrFail(RawHost h, boolean retain) {
    try {
      return changed(h, retain);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void commandsEffectsLogListsWhatIsSupported() throws IOException {
    try (RawHost h = adminQueue(target, NQN)) {
      var page = wrap(log(h, Opcodes.LOG_COMMANDS_EFFECTS, 0, 4096, 0));
      int csupp = 1;
      int lbcc = 2;
      for (int op :
          new int[] {
            Opcodes.ADMIN_GET_LOG_PAGE,
            Opcodes.ADMIN_IDENTIFY,
            Opcodes.ADMIN_ABORT,
            Opcodes.ADMIN_SET_FEATURES,
            Opcodes.ADMIN_GET_FEATURES,
            Opcodes.ADMIN_ASYNC_EVENT_REQUEST,
            Opcodes.ADMIN_KEEP_ALIVE
          }) {
        assertEquals(csupp, page.getIntLE(op * 4), "admin opcode " + op);
      }
      assertEquals(0, page.getIntLE(0x80 * 4), "Format NVM is not supported");
      int io = 1024;
      assertEquals(csupp, page.getIntLE(io + Opcodes.NVM_READ * 4), "Read");
      assertEquals(csupp | lbcc, page.getIntLE(io + Opcodes.NVM_WRITE * 4), "Write");
      assertEquals(csupp | lbcc, page.getIntLE(io + Opcodes.NVM_WRITE_ZEROES * 4));
      assertEquals(csupp | lbcc, page.getIntLE(io + Opcodes.NVM_DATASET_MANAGEMENT * 4));
      assertEquals(
          csupp, page.getIntLE(io + Opcodes.NVM_FLUSH * 4), "Flush changes no block's content");
      assertEquals(0, page.getIntLE(io + 0x05 * 4), "Compare is not supported");
    }
  }

  @Test
  void firmwareSlotLogShowsTheActiveSlot() throws IOException {
    try (RawHost h = adminQueue(target, NQN)) {
      byte[] page = log(h, Opcodes.LOG_FIRMWARE_SLOT, 0, 512, 0);
      assertEquals(1, page[0] & 0x7, "AFI: slot 1 is active");
      assertEquals(0, page[0] >> 4 & 0x7, "AFI: no slot activated at the next reset");
      byte[] id = assertSuccess(h.identify(Opcodes.CNS_CONTROLLER, 0)).data();
      assertArrayEquals(
          Arrays.copyOfRange(id, IdentifyController.FR, IdentifyController.FR + 8),
          Arrays.copyOfRange(page, 8, 16),
          "FRS1 is the running firmware (Identify FR)");
      assertTrue(allZero(page, 16, 512), "slots 2-7 are empty");
    }
  }
}
