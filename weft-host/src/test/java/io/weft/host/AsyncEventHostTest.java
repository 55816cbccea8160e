package io.weft.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.Unpooled;
import io.weft.host.testing.CuttingRelay;
import io.weft.protocol.nvme.AnaLogPage;
import io.weft.protocol.nvme.AsyncEvent;
import io.weft.protocol.nvme.Opcodes;
import io.weft.tgt.Target;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.NamespaceConfig;
import io.weft.tgt.config.SubsystemConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host's asynchronous events against the Weft target: the ANA-change notice reaches a listener,
 * the request is sent again after each event and after a reconnect, and an outstanding request is
 * never mistaken for a command that timed out.
 */
class AsyncEventHostTest {
  static final String NQN = "nqn.2026-11.io.weft.test:aen";
  @TempDir Path dir;

  private Target start(int port) throws Exception {
    return Target.start(
        new TargetConfig(
            dir,
            List.of(ListenerConfig.of("127.0.0.1", port)),
            List.of(
                new SubsystemConfig(
                    NQN,
                    "SN1",
                    "Weft",
                    null,
                    List.of(),
                    List.of(NamespaceConfig.memory(1, 1 << 20)))),
            null,
            TuningConfig.defaults().withSpinNanos(0)));
  }

  /** Records events and reconnects in the order they came. */
  private static final class Recorder implements HostController.EventListener {
    final LinkedBlockingQueue<String> seen = new LinkedBlockingQueue<>();

    @Override
    public void asyncEvent(int result) {
      seen.add(Integer.toHexString(result));
    }

    @Override
    public void reconnected() {
      seen.add("reconnected");
    }

    String next() throws InterruptedException {
      return seen.poll(10, TimeUnit.SECONDS);
    }

    String within(int seconds) throws InterruptedException {
      return seen.poll(seconds, TimeUnit.SECONDS);
    }
  }

  private static String anaState(HostController c) throws Exception {
    byte[] page = c.logPage(Opcodes.LOG_ANA, 0xFFFFFFFF, 4096);
    return AnaLogPage.name(AnaLogPage.decode(Unpooled.wrappedBuffer(page), 0).stateOf(1));
  }

  @Test
  void anaChangesArriveAsEventsOneAfterAnother() throws Exception {
    try (Target t = start(0);
        HostController c =
            HostController.connect(
                ConnectOptions.defaults("127.0.0.1", t.listenAddresses().get(0).getPort(), NQN)
                    .withTimeouts(5, 5, 1, -1)
                    .withIoTimeout(1))) {
      Recorder events = new Recorder();
      c.onAsyncEvent(events);
      // Longer than the 1 s admin command timeout: the waiting request must not reset the queue.
      Thread.sleep(2500);
      assertEquals(0, c.reconnects(), "an outstanding event request reset the connection");
      String expected = Integer.toHexString(AsyncEvent.ANA_CHANGE);
      for (String state : List.of("non-optimized", "inaccessible", "optimized")) {
        t.setAnaState(NQN, 1, 1, state);
        assertEquals(expected, events.next(), "the event for " + state);
        // Reading the log clears the event; the host already asked for the next one.
        assertEquals(state, anaState(c));
      }
      assertNull(events.seen.poll(300, TimeUnit.MILLISECONDS), "no other event");
    }
  }

  @Test
  void eventsComeAgainAfterAReconnect() throws Exception {
    Target t = start(0);
    int port = t.listenAddresses().get(0).getPort();
    try (HostController c =
        HostController.connect(
            ConnectOptions.defaults("127.0.0.1", port, NQN)
                .withTimeouts(5, 30, 1, -1)
                .withIoTimeout(5))) {
      Recorder events = new Recorder();
      c.onAsyncEvent(events);
      t.close();
      t = start(port);
      assertEquals("reconnected", events.next());
      t.setAnaState(NQN, 1, 1, "inaccessible");
      String event = events.next();
      assertNotNull(event, "no event after the reconnect");
      assertEquals(Integer.toHexString(AsyncEvent.ANA_CHANGE), event);
    } finally {
      t.close();
    }
  }

  /** A controller reached through {@code relay}: reconnecting every second, for 30 s. */
  private static HostController throughRelay(CuttingRelay relay) throws Exception {
    return HostController.connect(
        ConnectOptions.defaults("127.0.0.1", relay.port(), NQN)
            .withTimeouts(5, 30, 1, -1)
            .withIoTimeout(10));
  }

  /** An admin command by its opcode and the low byte of CDW10 (a feature or log page ID). */
  private static java.util.function.Predicate<java.nio.ByteBuffer> adminCommand(
      int opcode, int cdw10Low) {
    return sqe -> (sqe.get(0) & 0xFF) == opcode && (sqe.getInt(40) & 0xFF) == cdw10Low;
  }

  /**
   * The connection is lost while the host enables the notices: the control thread must not wait on
   * that command (it would hold up the reconnect until a timeout), and the reconnect enables them.
   */
  @Test
  void aConnectionLostWhileEnablingEventsStillReconnectsPromptly() throws Exception {
    try (Target t = start(0);
        CuttingRelay relay = new CuttingRelay(t.listenAddresses().get(0));
        HostController c = throughRelay(relay)) {
      relay.cutWhen(adminCommand(Opcodes.ADMIN_SET_FEATURES, Opcodes.FEAT_ASYNC_EVENT_CONFIG));
      Recorder events = new Recorder();
      c.onAsyncEvent(events);
      // The reconnect comes after its 1 s delay, not after the 10 s command timeout.
      assertEquals("reconnected", events.within(4));
      t.setAnaState(NQN, 1, 1, "inaccessible");
      assertEquals(Integer.toHexString(AsyncEvent.ANA_CHANGE), events.within(4));
    }
  }

  /**
   * An admin command in flight when its connection drops fails as "controller lost" (the Linux host
   * aborts them too) and is never sent again, where it would go out on an I/O queue as another
   * command; the controller comes back and serves on.
   */
  @Test
  void anAdminCommandCutOffByALossFailsAndIsNeverSentAgain() throws Exception {
    try (Target t = start(0);
        CuttingRelay relay = new CuttingRelay(t.listenAddresses().get(0));
        HostController c = throughRelay(relay)) {
      relay.cutWhen(adminCommand(Opcodes.ADMIN_GET_LOG_PAGE, Opcodes.LOG_SMART));
      NvmeException lost =
          org.junit.jupiter.api.Assertions.assertThrows(
              NvmeException.class, () -> c.logPage(Opcodes.LOG_SMART, 0xFFFFFFFF, 512));
      assertEquals(HostStatus.CONTROLLER_LOST, lost.status(), lost.toString());
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (!c.isLive()) {
        org.junit.jupiter.api.Assertions.assertTrue(System.nanoTime() < deadline, "back");
        Thread.sleep(20);
      }
      assertEquals(1, c.reconnects());
      assertEquals(512, c.logPage(Opcodes.LOG_SMART, 0xFFFFFFFF, 512).length);
      // Nothing reached the namespace as a stray Read: no read command was counted.
      byte[] smart = c.logPage(Opcodes.LOG_SMART, 0xFFFFFFFF, 512);
      assertEquals(0, Unpooled.wrappedBuffer(smart).getLongLE(64), "host read commands");
    }
  }
}
