package io.weft.tgt.core;

import io.weft.protocol.auth.AuthProtocol;
import io.weft.protocol.fabrics.ConnectCommand;
import io.weft.protocol.fabrics.ConnectData;
import io.weft.protocol.nvme.ControllerRegisters;
import io.weft.protocol.nvme.Opcodes;
import io.weft.protocol.nvme.Sqe;
import io.weft.protocol.nvme.Status;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fabrics commands (opcode 7Fh): Connect, which creates a controller (admin queue) or adds an I/O
 * queue to one, and Property Get/Set on the controller registers (NVMe over Fabrics 1.1).
 */
final class FabricsCommands {
  private static final Logger log = LoggerFactory.getLogger(FabricsCommands.class);

  /** Connect Invalid Parameters: IATTR bit (offset is in the Connect data, not the SQE). */
  private static final long IATTR_DATA = 1L << 16;

  /** Keep-alive for a discovery controller that asked for none (NVMe-oF: "e.g., 2 minutes"). */
  static final long DISCOVERY_DEFAULT_KATO_MS = 120_000;

  private final TargetCore core;
  private final AuthenticationCommands authentication;

  FabricsCommands(TargetCore core) {
    this.core = core;
    this.authentication = new AuthenticationCommands(core);
  }

  int prepare(QueueContext q, Request r) {
    switch (r.fctype) {
      case Opcodes.FCTYPE_CONNECT -> {
        if (q.controller() != null) {
          return CommandDispatcher.error(r, Status.COMMAND_SEQUENCE_ERROR | Status.DNR, Sqe.FCTYPE);
        }
        r.direction = Request.Direction.HOST_TO_CONTROLLER;
        r.transferLength = ConnectData.SIZE;
        return Status.SUCCESS;
      }
      case Opcodes.FCTYPE_PROPERTY_GET, Opcodes.FCTYPE_PROPERTY_SET -> {
        if (q.controller() == null || q.qid() != 0) {
          return CommandDispatcher.error(r, Status.COMMAND_SEQUENCE_ERROR | Status.DNR, Sqe.FCTYPE);
        }
        return Status.SUCCESS;
      }
      case AuthProtocol.FCTYPE_AUTH_SEND, AuthProtocol.FCTYPE_AUTH_RECEIVE -> {
        if (q.controller() == null) {
          return CommandDispatcher.error(r, Status.COMMAND_SEQUENCE_ERROR | Status.DNR, Sqe.FCTYPE);
        }
        return authentication.prepare(q, r);
      }
      default -> {
        // Anything newer (Disconnect, ...): not offered by this target.
        return CommandDispatcher.error(r, Status.INVALID_OPCODE | Status.DNR, Sqe.FCTYPE);
      }
    }
  }

  void execute(QueueContext q, Request r) {
    switch (r.fctype) {
      case Opcodes.FCTYPE_CONNECT -> connect(q, r);
      case Opcodes.FCTYPE_PROPERTY_GET -> propertyGet(q.controller(), r);
      case Opcodes.FCTYPE_PROPERTY_SET -> propertySet(q.controller(), r);
      case AuthProtocol.FCTYPE_AUTH_SEND, AuthProtocol.FCTYPE_AUTH_RECEIVE ->
          authentication.execute(q, r);
      default -> r.fail(Status.INVALID_OPCODE | Status.DNR, Sqe.FCTYPE);
    }
  }

  private void connect(QueueContext q, Request r) {
    int recfmt = ConnectCommand.recfmt(r.cdw10);
    int qid = ConnectCommand.qid(r.cdw10);
    int sqsize = ConnectCommand.sqsize(r.cdw11);
    int cattr = ConnectCommand.cattr(r.cdw11);
    long kato = Features.roundKato(r.cdw12 & 0xFFFFFFFFL);
    if (recfmt != 0) {
      r.fail(Status.CONNECT_INCOMPATIBLE_FORMAT | Status.DNR, Sqe.CDW10);
      return;
    }
    ConnectData data = ConnectData.decode(r.data, r.data.readerIndex());
    Subsystem s = core.subsystem(data.subsystemNqn());
    if (s == null) {
      invalidParameter(r, IATTR_DATA | ConnectData.SUBNQN);
      return;
    }
    // A 256-byte field without a NUL is refused, as SPDK's nvmf_tgt does (nvmet truncates it to
    // 255 bytes): two hosts whose NQNs differ only past byte 255 must never share an identity.
    if (!ConnectData.terminated(data.hostNqn())) {
      invalidParameter(r, IATTR_DATA | ConnectData.HOSTNQN);
      return;
    }
    if (!s.allows(data.hostNqn())) {
      refuseHost(q, r, s, data.hostNqn());
      return;
    }
    // SQSIZE is 0's based: at least 1 (two entries), at most CAP.MQES, on the admin queue too
    // (nvmet and nvmf_tgt take admin queues deeper than the 32 entries the Linux host asks for).
    if (sqsize == 0 || sqsize > core.tuning().maxQueueEntries() - 1) {
      invalidParameter(r, Sqe.CDW11);
      return;
    }
    boolean sqFlowDisabled = (cattr & ConnectCommand.CATTR_DISABLE_SQ_FLOW) != 0;
    if (qid == 0) {
      connectAdmin(q, r, s, data, sqsize, kato, sqFlowDisabled);
    } else {
      connectIo(q, r, s, data, qid, sqsize, sqFlowDisabled);
    }
  }

  /**
   * Connect Invalid Host, logged once per refusal with the reason a user can act on. An empty Host
   * NQN (SPDK's tools send one unless given {@code hostnqn:}) is admitted where any host may
   * connect, but can never match an allow-list entry.
   */
  private static void refuseHost(QueueContext q, Request r, Subsystem s, String hostNqn) {
    if (hostNqn.isEmpty()) {
      log.warn(
          "connect refused: empty host NQN from {} on subsystem {}, which has an allow-list"
              + " (the host must send its NQN, e.g. hostnqn: in SPDK's -r string)",
          q.remoteAddress(),
          s.nqn());
    } else {
      log.info(
          "connect refused: host {} from {} is not allowed on subsystem {}",
          hostNqn,
          q.remoteAddress(),
          s.nqn());
    }
    r.fail(Status.CONNECT_INVALID_HOST | Status.DNR, Sqe.CDW10);
  }

  private void connectAdmin(
      QueueContext q,
      Request r,
      Subsystem s,
      ConnectData data,
      int sqsize,
      long kato,
      boolean sqFlowDisabled) {
    if (data.cntlid() != ConnectData.CNTLID_DYNAMIC) {
      invalidParameter(r, IATTR_DATA | ConnectData.CNTLID);
      return;
    }
    if (s.isDiscovery() && kato == 0) {
      // A discovery controller without keep-alive still gets a deadline, as nvmet and nvmf_tgt
      // give one, so a host that never disconnects cannot hold a controller forever.
      kato = DISCOVERY_DEFAULT_KATO_MS;
    }
    Controller c = core.createController(s, data.hostNqn(), data.hostId(), q, kato);
    if (c == null) {
      r.fail(Status.CONNECT_CONTROLLER_BUSY, Sqe.CDW10);
      return;
    }
    q.bind(c, 0, sqsize, sqFlowDisabled);
    c.startKeepAlive();
    completeConnect(q, r, c, 0);
  }

  private void connectIo(
      QueueContext q,
      Request r,
      Subsystem s,
      ConnectData data,
      int qid,
      int sqsize,
      boolean sqFlowDisabled) {
    Controller c = s.controller(data.cntlid());
    if (s.isDiscovery() || c == null || !c.hostNqn().equals(data.hostNqn())) {
      invalidParameter(r, IATTR_DATA | ConnectData.CNTLID);
      return;
    }
    // Granted queue count is admin-loop state; an I/O connect only reads it once it was set.
    c.adminQueue()
        .execute(
            () -> {
              boolean ok = c.ready() && qid <= c.grantedIoQueues();
              q.execute(() -> finishConnectIo(q, r, c, qid, sqsize, sqFlowDisabled, ok));
            });
  }

  private void finishConnectIo(
      QueueContext q,
      Request r,
      Controller c,
      int qid,
      int sqsize,
      boolean sqFlowDisabled,
      boolean allowed) {
    if (!allowed) {
      invalidParameter(r, Sqe.CDW10 + 2);
      return;
    }
    if (!c.attachIoQueue(qid, q)) {
      // The QID is in range but already connected (as nvmet answers).
      r.fail(Status.COMMAND_SEQUENCE_ERROR | Status.DNR, Sqe.CDW10 + 2);
      return;
    }
    q.bind(c, qid, sqsize, sqFlowDisabled);
    completeConnect(q, r, c, qid);
  }

  /**
   * Connect's answer: the controller ID, and ATR (authentication transaction required) when the
   * host has a secret here. Every queue then has a deadline to authenticate, so a host that stops
   * half way cannot hold a queue: KATO, or 120 s without keep-alive as nvmet waits, at least 10 s.
   */
  private void completeConnect(QueueContext q, Request r, Controller c, int qid) {
    c.subsystem().fabric().queueConnected(qid == 0, System.nanoTime() - q.openedNanos());
    if (c.authentication(qid) == null) {
      r.complete(Status.SUCCESS, c.cntlid());
      return;
    }
    long kato = c.katoMillis();
    long deadline = Math.max(kato > 0 ? kato : DISCOVERY_DEFAULT_KATO_MS, MIN_AUTH_DEADLINE_MS);
    core.scheduler()
        .schedule(
            () ->
                q.execute(
                    () -> {
                      if (!c.authentication(qid).authenticated()) {
                        log.info(
                            "host {} from {} did not authenticate queue {} within {} ms",
                            c.hostNqn(),
                            q.remoteAddress(),
                            qid,
                            deadline);
                        q.close("not authenticated in time");
                      }
                    }),
            deadline,
            TimeUnit.MILLISECONDS);
    r.complete(Status.SUCCESS, c.cntlid() | AuthProtocol.CONNECT_ATR);
  }

  /** The shortest time a queue gets to authenticate: DH groups take seconds in slow guests. */
  private static final long MIN_AUTH_DEADLINE_MS = 10_000;

  private static void invalidParameter(Request r, long location) {
    r.errorLocation = (int) (location & 0xFFFF);
    r.complete(Status.CONNECT_INVALID_PARAMETERS | Status.DNR, location);
  }

  private static void propertyGet(Controller c, Request r) {
    boolean eightBytes = (r.cdw10 & 0x7) == 1;
    int offset = r.cdw11;
    long value;
    switch (offset) {
      case ControllerRegisters.CAP ->
          value =
              ControllerRegisters.cap(c.core().tuning().maxQueueEntries() - 1, CAP_TIMEOUT_500MS);
      case ControllerRegisters.VS -> value = ControllerRegisters.VERSION_1_3;
      case ControllerRegisters.CC -> value = c.cc() & 0xFFFFFFFFL;
      case ControllerRegisters.CSTS -> value = c.csts() & 0xFFFFFFFFL;
      default -> {
        r.fail(Status.INVALID_FIELD | Status.DNR, Sqe.CDW11);
        return;
      }
    }
    if (!eightBytes) {
      value &= 0xFFFFFFFFL;
    }
    r.complete(Status.SUCCESS, value);
  }

  /** CAP.TO: 7.5 s worst case to become ready (we are ready at once). */
  private static final int CAP_TIMEOUT_500MS = 15;

  private static void propertySet(Controller c, Request r) {
    int offset = r.cdw11;
    if (offset != ControllerRegisters.CC || (r.cdw10 & 0x7) != 0) {
      r.fail(Status.INVALID_FIELD | Status.DNR, Sqe.CDW11);
      return;
    }
    c.writeCc(r.cdw12);
    r.complete(Status.SUCCESS, 0);
  }
}
