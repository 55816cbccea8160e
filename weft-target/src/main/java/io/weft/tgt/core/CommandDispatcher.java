package io.weft.tgt.core;

import io.netty.buffer.ByteBuf;
import io.weft.protocol.nvme.Opcodes;
import io.weft.protocol.nvme.Sgl;
import io.weft.protocol.nvme.Sqe;
import io.weft.protocol.nvme.Status;

/**
 * Parse, then execute (the Linux target's contract). {@link #prepare} validates a command and binds
 * its transfer length and direction so the transport knows whether to expect in-capsule data,
 * solicit it with R2T, or make room for data to return; {@link #execute} runs it and completes the
 * request exactly once, now or from a backend callback.
 */
public final class CommandDispatcher {
  private final FabricsCommands fabrics;
  private final AdminCommands admin;
  private final IoCommands io;

  CommandDispatcher(TargetCore core) {
    this.fabrics = new FabricsCommands(core);
    this.admin = new AdminCommands(core);
    this.io = new IoCommands(core);
  }

  /**
   * Validates the command in {@code r}. Returns {@link Status#SUCCESS} with {@code r.direction} and
   * {@code r.transferLength} set, or an error status (with {@code r.errorLocation}) to complete the
   * command with at once.
   */
  public int prepare(QueueContext q, Request r) {
    if ((r.flags & Sqe.FLAGS_FUSE_MASK) != 0) {
      return error(r, Status.INVALID_FIELD | Status.DNR, Sqe.FLAGS);
    }
    if ((r.flags & Sqe.FLAGS_PSDT_MASK) != Sqe.FLAGS_PSDT_SGL) {
      return error(r, Status.INVALID_FIELD | Status.DNR, Sqe.FLAGS);
    }
    int status;
    if (r.opcode == Opcodes.FABRICS) {
      status = fabrics.prepare(q, r);
    } else if (q.controller() == null) {
      // Nothing but Connect before the queue is connected.
      return error(r, Status.COMMAND_SEQUENCE_ERROR | Status.DNR, Sqe.OPCODE);
    } else if (!q.controller().queueAuthenticated(q.qid())) {
      // Until DH-HMAC-CHAP succeeds only Fabrics commands run (nvmet's rule); the Linux host
      // answers this status by authenticating again.
      return error(r, Status.AUTHENTICATION_REQUIRED | Status.DNR, Sqe.OPCODE);
    } else if (q.qid() == 0) {
      status = admin.prepare(q.controller(), r);
    } else {
      status = io.prepare(q.controller(), r);
    }
    if (status != Status.SUCCESS) {
      return status;
    }
    return checkSgl(r);
  }

  /** The data pointer must describe exactly the data the command moves, in a usable way. */
  private static int checkSgl(Request r) {
    if (r.sglLength != r.transferLength) {
      return error(r, Status.SGL_DATA_LENGTH_INVALID | Status.DNR, Sqe.DPTR + Sgl.LENGTH);
    }
    if (r.transferLength == 0) {
      return Status.SUCCESS;
    }
    boolean inCapsule = r.sglIdentifier == Sgl.DATA_BLOCK_OFFSET;
    boolean transport = r.sglIdentifier == Sgl.TRANSPORT_DATA_BLOCK;
    if (r.direction == Request.Direction.CONTROLLER_TO_HOST
        ? !transport
        : !(inCapsule || transport)) {
      return error(r, Status.SGL_DESCRIPTOR_TYPE_INVALID | Status.DNR, Sqe.DPTR + Sgl.IDENTIFIER);
    }
    return Status.SUCCESS;
  }

  /**
   * For a prepared Read on an I/O queue whose namespace can lend the data (a memory namespace), the
   * backend's own memory to send in place of a copy; the request then completes in {@link #execute}
   * without reading. Null otherwise: the transport makes room and the backend reads into it.
   */
  public ByteBuf lendReadData(QueueContext q, Request r) {
    // IoCommands.lend checks the opcode (a Fabrics command is never an NVM Read).
    return q.qid() > 0 ? io.lend(r) : null;
  }

  /** Runs a prepared command whose data (if any) is in place. */
  public void execute(QueueContext q, Request r) {
    if (r.opcode == Opcodes.FABRICS) {
      fabrics.execute(q, r);
    } else if (q.qid() == 0) {
      admin.execute(q.controller(), r);
    } else {
      io.execute(q.controller(), r);
    }
  }

  static int error(Request r, int status, int location) {
    r.errorLocation = location;
    return status;
  }
}
