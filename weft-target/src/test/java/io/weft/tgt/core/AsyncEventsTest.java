package io.weft.tgt.core;

import static io.weft.tgt.core.Harness.MIB;
import static io.weft.tgt.core.Harness.NQN;
import static io.weft.tgt.core.Harness.adminQueue;
import static io.weft.tgt.core.Harness.assertStatus;
import static io.weft.tgt.core.Harness.assertSuccess;
import static io.weft.tgt.core.Harness.memory;
import static io.weft.tgt.core.Harness.nsidList;
import static io.weft.tgt.core.Harness.subsystem;
import static io.weft.tgt.core.Harness.waitUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.protocol.nvme.AsyncEvent;
import io.weft.protocol.nvme.Opcodes;
import io.weft.protocol.nvme.Status;
import io.weft.tgt.Target;
import io.weft.tgt.testing.RawHost;
import io.weft.tgt.testing.RawHost.Completion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Asynchronous Event Requests and the namespace attribute notice, the way the Linux host uses them:
 * AEC bit 8 enabled, one AER with CID 31, log page 04h read to clear the event.
 */
class AsyncEventsTest {
  private static final int AER_CID = 31;
  private static final int AEC_NS_ATTRIBUTE = 1 << 8;

  /** Long enough for an answer on loopback that was going to come; nothing waits on it. */
  private static final int QUIET_MS = 300;

  private Target target;

  @BeforeEach
  void start() throws IOException {
    target = Harness.start(null, subsystem(NQN, List.of(), memory(1, MIB, 512)));
  }

  @AfterEach
  void stop() {
    target.close();
  }

  /** An enabled controller with AEN for namespace attribute changes on and CIDs 27-31 kept. */
  private RawHost host(boolean aen) throws IOException {
    RawHost h = adminQueue(target, NQN);
    for (int cid = 27; cid <= AER_CID; cid++) {
      h.reserveCid(cid);
    }
    if (aen) {
      assertSuccess(h.setFeatures(Opcodes.FEAT_ASYNC_EVENT_CONFIG, AEC_NS_ATTRIBUTE));
    }
    return h;
  }

  private static void assertNamespaceNotice(Completion c) {
    assertEquals(AER_CID, c.cid());
    assertSuccess(c);
    assertEquals(0x00040002L, c.result() & 0xFFFFFFFFL, "notice, NS attribute changed, LID 04h");
    assertEquals(AsyncEvent.NAMESPACE_ATTRIBUTE_CHANGED, (int) c.result());
  }

  private static List<Integer> changed(RawHost h, boolean retain) throws IOException {
    return nsidList(
        assertSuccess(h.getLogPage(Opcodes.LOG_CHANGED_NAMESPACES, -1, 4096, 0, retain)).data());
  }

  private static List<Integer> changedOrFail(RawHost h) {
    try {
      return changed(h, true);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void namespaceAddAndRemoveCompleteTheOutstandingAer() throws Exception {
    try (RawHost h = host(true)) {
      h.asyncEventRequest(AER_CID);
      assertNull(h.poll(QUIET_MS), "no event yet");
      target.addNamespace(NQN, memory(2, MIB, 512));
      assertNamespaceNotice(h.await(AER_CID));
      assertEquals(List.of(2), changed(h, false));

      h.asyncEventRequest(AER_CID);
      target.removeNamespace(NQN, 2);
      assertNamespaceNotice(h.await(AER_CID));
      assertEquals(List.of(2), changed(h, false));
    }
  }

  @Test
  void theEventStaysMaskedUntilTheLogIsRead() throws Exception {
    try (RawHost h = host(true)) {
      h.asyncEventRequest(AER_CID);
      target.addNamespace(NQN, memory(2, MIB, 512));
      assertNamespaceNotice(h.await(AER_CID));

      // The host has not read log 04h yet: a second change is not announced ...
      h.asyncEventRequest(AER_CID);
      target.addNamespace(NQN, memory(3, MIB, 512));
      waitUntil("NSID 3 is listed", Duration.ofSeconds(5), () -> changedOrFail(h).contains(3));
      assertNull(h.poll(QUIET_MS), "masked until log 04h is read");
      // ... nor after a read that retains the event ...
      assertEquals(List.of(2, 3), changed(h, true));
      assertNull(h.poll(QUIET_MS), "RAE keeps the event masked");
      // ... and a read that clears it hands over both changes, so there is nothing to announce.
      assertEquals(List.of(2, 3), changed(h, false));
      assertNull(h.poll(QUIET_MS), "the changes were read: no notice for them");

      // The next change is announced at once on the AER still outstanding.
      target.addNamespace(NQN, memory(4, MIB, 512));
      assertNamespaceNotice(h.await(AER_CID));
      assertEquals(List.of(4), changed(h, false));
    }
  }

  @Test
  void aFifthOutstandingAerIsLimitExceeded() throws Exception {
    try (RawHost h = host(true)) {
      for (int cid = AER_CID; cid > AER_CID - 4; cid--) {
        h.asyncEventRequest(cid);
      }
      assertNull(h.poll(QUIET_MS), "four AERs are accepted and held");
      h.asyncEventRequest(AER_CID - 4);
      assertStatus(Status.ASYNC_EVENT_LIMIT_EXCEEDED | Status.DNR, h.await(AER_CID - 4));

      target.addNamespace(NQN, memory(2, MIB, 512));
      Completion c = h.poll(10_000);
      assertNotNull(c, "one held AER reports the event");
      assertTrue(c.cid() > AER_CID - 4 && c.cid() <= AER_CID, "a held AER: " + c);
      assertSuccess(c);
      assertEquals(0x00040002L, c.result() & 0xFFFFFFFFL);
      assertNull(h.poll(QUIET_MS), "the other three stay outstanding");
    }
  }

  @Test
  void anEventBeforeTheAerIsReportedAsSoonAsTheAerArrives() throws Exception {
    try (RawHost h = host(true)) {
      target.addNamespace(NQN, memory(2, MIB, 512));
      waitUntil("NSID 2 is listed", Duration.ofSeconds(5), () -> changedOrFail(h).contains(2));
      h.asyncEventRequest(AER_CID);
      assertNamespaceNotice(h.await(AER_CID));
    }
  }

  @Test
  void noNoticeWhileTheEventIsDisabled() throws Exception {
    try (RawHost h = host(false)) {
      h.asyncEventRequest(AER_CID);
      target.addNamespace(NQN, memory(2, MIB, 512));
      waitUntil("NSID 2 is listed", Duration.ofSeconds(5), () -> changedOrFail(h).contains(2));
      assertNull(h.poll(QUIET_MS), "AEC bit 8 is clear");
    }
  }
}
