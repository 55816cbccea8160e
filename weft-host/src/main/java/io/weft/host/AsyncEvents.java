package io.weft.host;

import io.weft.host.tcp.HostQueue;
import io.weft.protocol.nvme.IdentifyController;
import io.weft.protocol.nvme.Opcodes;
import java.io.IOException;
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

    /** Sends Set Features (Asynchronous Event Configuration) and waits for it. */
    void configure(HostQueue admin, int notices) throws IOException;

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
  private volatile boolean outstanding;
  private volatile boolean configured;

  AsyncEvents(Controller controller, Executor control) {
    this.controller = controller;
    this.control = control;
  }

  void listen(HostController.EventListener listener) {
    listeners.add(listener);
    control.execute(this::arm);
  }

  /** True for this controller's event request: a lost queue drops it (a reconnect sends anew). */
  boolean dropIfRequest(Command c) {
    if (c != request) {
      return false;
    }
    outstanding = false;
    return true;
  }

  /** A new controller after a loss: enable events again and say that those of the gap are gone. */
  void reconnected() {
    configured = false;
    arm();
    for (HostController.EventListener l : listeners) {
      l.reconnected();
    }
  }

  /** Sends the Asynchronous Event Request if none is outstanding. Control thread only. */
  private void arm() {
    HostQueue q = controller.liveAdmin();
    if (listeners.isEmpty() || q == null || outstanding) {
      return;
    }
    if (!configured) {
      try {
        controller.configure(q, controller.identify().oaes() & NOTICES);
      } catch (IOException e) {
        log.warn(
            "controller {}: asynchronous events not enabled: {}",
            controller.cntlid(),
            e.getMessage());
        return;
      }
      configured = true;
    }
    outstanding = true;
    Command c = request.reset();
    c.opcode = Opcodes.ADMIN_ASYNC_EVENT_REQUEST;
    c.waitsForEvent = true;
    c.callback = this::completed;
    q.submit(c);
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
    try {
      control.execute(
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
    } catch (RejectedExecutionException e) {
      // closed meanwhile
    }
  }
}
