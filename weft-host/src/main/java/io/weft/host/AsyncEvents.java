package io.weft.host;

import io.weft.host.tcp.HostQueue;
import io.weft.protocol.nvme.IdentifyController;
import io.weft.protocol.nvme.Opcodes;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One controller's asynchronous events, as the Linux host handles them: once someone listens, the
 * notices the controller supports (ANA change, namespace attribute changed, discovery log changed)
 * are enabled and one Asynchronous Event Request stays outstanding, sent again after each event and
 * after each reconnect. Listeners run on the controller's control thread.
 */
final class AsyncEvents {
  private static final Logger log = LoggerFactory.getLogger(AsyncEvents.class);

  /** What this needs of its controller. */
  interface Controller {
    /** The admin queue while the controller is live, else null. */
    HostQueue liveAdmin();

    IdentifyController identify();

    int cntlid();
  }

  private static final int NOTICES =
      IdentifyController.OAES_NS_ATTRIBUTE
          | IdentifyController.OAES_ANA_CHANGE
          | IdentifyController.OAES_DISCOVERY_CHANGE;

  private final Controller controller;
  private final Executor control;
  private final List<HostController.EventListener> listeners = new CopyOnWriteArrayList<>();
  private final Command request = new Command();
  private final Command configuration = new Command();
  private volatile boolean outstanding;
  private volatile boolean configuring;
  private volatile boolean configured;

  AsyncEvents(Controller controller, Executor control) {
    this.controller = controller;
    this.control = control;
  }

  void listen(HostController.EventListener listener) {
    listeners.add(listener);
    control.execute(this::arm);
  }

  /**
   * True for this controller's event request or its configuration: a lost queue drops them (a
   * reconnect sends them anew).
   */
  boolean dropIfRequest(Command c) {
    if (c == request) {
      outstanding = false;
      return true;
    }
    if (c == configuration) {
      configuring = false;
      return true;
    }
    return false;
  }

  /** A new controller after a loss: enable events again and say that those of the gap are gone. */
  void reconnected() {
    configured = false;
    arm();
    for (HostController.EventListener l : listeners) {
      l.reconnected();
    }
  }

  /**
   * Enables the notices first if this controller has not, then sends the Asynchronous Event Request
   * if none is outstanding. Control thread only, and never waits: a connection lost meanwhile would
   * otherwise hold the control thread, and with it the reconnect, until a timeout.
   */
  private void arm() {
    HostQueue q = controller.liveAdmin();
    if (listeners.isEmpty() || q == null || outstanding || configuring) {
      return;
    }
    if (!configured) {
      configuring = true;
      Command c = configuration.reset();
      c.opcode = Opcodes.ADMIN_SET_FEATURES;
      c.cdw10 = Opcodes.FEAT_ASYNC_EVENT_CONFIG;
      c.cdw11 = controller.identify().oaes() & NOTICES;
      c.callback = this::configured;
      q.submit(c);
      return;
    }
    outstanding = true;
    Command c = request.reset();
    c.opcode = Opcodes.ADMIN_ASYNC_EVENT_REQUEST;
    c.waitsForEvent = true;
    c.callback = this::completed;
    q.submit(c);
  }

  /** On the event loop: Set Features (Asynchronous Event Configuration) answered. */
  private void configured(Command c) {
    int status = c.status;
    configuring = false;
    if (!HostStatus.isSuccess(status)) {
      if (!HostStatus.isHostStatus(status)) {
        log.warn(
            "controller {}: asynchronous events not enabled: status 0x{}",
            controller.cntlid(),
            Integer.toHexString(status));
      }
      return;
    }
    configured = true;
    onControl(this::arm);
  }

  /** On the event loop: hand the event over and ask for the next one, on the control thread. */
  private void completed(Command c) {
    int status = c.status;
    int result = (int) c.result;
    outstanding = false;
    if (!HostStatus.isSuccess(status)) {
      // Aborted with its connection (a reconnect sends a new one) or refused: do not loop.
      log.debug("controller {}: asynchronous event request ended: {}", controller.cntlid(), status);
      return;
    }
    onControl(
        () -> {
          for (HostController.EventListener l : listeners) {
            try {
              l.asyncEvent(result);
            } catch (RuntimeException e) {
              log.warn("controller {}: event listener failed", controller.cntlid(), e);
            }
          }
          arm();
        });
  }

  private void onControl(Runnable task) {
    try {
      control.execute(task);
    } catch (RejectedExecutionException e) {
      // closed meanwhile
    }
  }
}
