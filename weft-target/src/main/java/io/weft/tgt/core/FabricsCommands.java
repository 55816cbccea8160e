package io.weft.tgt.core;

import io.weft.protocol.fabrics.ConnectData;
import io.weft.protocol.nvme.ControllerRegisters;
import io.weft.protocol.nvme.Opcodes;
import io.weft.protocol.nvme.Sqe;
import io.weft.protocol.nvme.Status;
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

  private final TargetCore core;

  FabricsCommands(TargetCore core) {
    this.core = core;
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
      default -> {
        // Authentication Send/Receive and anything newer: not offered by this target.
        return CommandDispatcher.error(r, Status.INVALID_OPCODE | Status.DNR, Sqe.FCTYPE);
      }
    }
  }

  void execute(QueueContext q, Request r) {
    switch (r.fctype) {
      case Opcodes.FCTYPE_CONNECT -> connect(q, r);
      case Opcodes.FCTYPE_PROPERTY_GET -> propertyGet(q.controller(), r);
      case Opcodes.FCTYPE_PROPERTY_SET -> propertySet(q.controller(), r);
      default -> r.fail(Status.INVALID_OPCODE | Status.DNR, Sqe.FCTYPE);
    }
  }

  private void connect(QueueContext q, Request r) {
    int recfmt = r.cdw10 & 0xFFFF;
    int qid = r.cdw10 >>> 16;
    int sqsize = r.cdw11 & 0xFFFF;
    int cattr = (r.cdw11 >>> 16) & 0xFF;
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
    if (!ConnectData.validNqn(data.hostNqn())) {
      invalidParameter(r, IATTR_DATA | ConnectData.HOSTNQN);
      return;
    }
    if (!s.allows(data.hostNqn())) {
      log.info(
          "connect refused: host {} from {} is not allowed on subsystem {}",
          data.hostNqn(),
          q.remoteAddress(),
          s.nqn());
      r.fail(Status.CONNECT_INVALID_HOST | Status.DNR, Sqe.CDW10);
      return;
    }
    int maxSqSize = qid == 0 ? 31 : core.tuning().maxQueueEntries() - 1;
    if (sqsize == 0 || sqsize > maxSqSize) {
      invalidParameter(r, Sqe.CDW11);
      return;
    }
    boolean sqFlowDisabled = (cattr & 0x4) != 0;
    if (qid == 0) {
      connectAdmin(q, r, s, data, sqsize, kato, sqFlowDisabled);
    } else {
      connectIo(q, r, s, data, qid, sqsize, sqFlowDisabled);
    }
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
    Controller c = core.createController(s, data.hostNqn(), data.hostId(), q, kato);
    if (c == null) {
      r.fail(Status.CONNECT_CONTROLLER_BUSY, Sqe.CDW10);
      return;
    }
    q.bind(c, 0, sqsize, sqFlowDisabled);
    c.startKeepAlive();
    r.complete(Status.SUCCESS, c.cntlid());
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
    r.complete(Status.SUCCESS, c.cntlid());
  }

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
