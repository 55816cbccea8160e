package io.weft.tgt.core;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.protocol.auth.AuthProtocol;
import io.weft.protocol.nvme.Sqe;
import io.weft.protocol.nvme.Status;

/**
 * Authentication Send and Receive (Fabrics types 05h and 06h), the carriers of DH-HMAC-CHAP. The
 * SQE checks are nvmet's: security protocol E9h with SPSP 01h/01h, a non-zero TL or AL equal to the
 * data length. Protocol failures are not NVMe errors: they travel as AUTH_Failure1 messages in
 * successful commands. The work runs on the target's authentication threads and each command
 * completes back on its queue's loop.
 */
final class AuthenticationCommands {
  /** Largest message a host may send: a Negotiate with 255 descriptors is 16,328 bytes. */
  static final int MAX_SEND = 16 * 1024;

  /** Largest buffer a host may ask for (Linux asks for 4 KiB; a Challenge needs at most 1,104). */
  static final int MAX_RECEIVE = 64 * 1024;

  private final TargetCore core;

  AuthenticationCommands(TargetCore core) {
    this.core = core;
  }

  int prepare(QueueContext q, Request r) {
    if (q.controller().authentication(q.qid()) == null) {
      // The host has no secret here: there is nothing to authenticate with.
      return CommandDispatcher.error(r, Status.INVALID_OPCODE | Status.DNR, Sqe.FCTYPE);
    }
    int secp = r.cdw10 >>> 24;
    int spsp0 = (r.cdw10 >>> 8) & 0xFF;
    int spsp1 = (r.cdw10 >>> 16) & 0xFF;
    if (secp != AuthProtocol.SECP_NVME) {
      return CommandDispatcher.error(r, Status.INVALID_FIELD | Status.DNR, AuthProtocol.SQE_SECP);
    }
    if (spsp0 != AuthProtocol.SPSP0) {
      return CommandDispatcher.error(r, Status.INVALID_FIELD | Status.DNR, AuthProtocol.SQE_SPSP0);
    }
    if (spsp1 != AuthProtocol.SPSP1) {
      return CommandDispatcher.error(r, Status.INVALID_FIELD | Status.DNR, AuthProtocol.SQE_SPSP1);
    }
    long length = r.cdw11 & 0xFFFFFFFFL;
    boolean send = r.fctype == AuthProtocol.FCTYPE_AUTH_SEND;
    if (length == 0 || length > (send ? MAX_SEND : MAX_RECEIVE)) {
      return CommandDispatcher.error(r, Status.INVALID_FIELD | Status.DNR, AuthProtocol.SQE_TL_AL);
    }
    r.direction =
        send ? Request.Direction.HOST_TO_CONTROLLER : Request.Direction.CONTROLLER_TO_HOST;
    r.transferLength = (int) length;
    return Status.SUCCESS;
  }

  void execute(QueueContext q, Request r) {
    QueueAuthentication auth = q.controller().authentication(q.qid());
    boolean send = r.fctype == AuthProtocol.FCTYPE_AUTH_SEND;
    Runnable work;
    if (send) {
      // The data buffer is the transport's and goes back at completion: the exchange reads a copy.
      ByteBuf message = Unpooled.copiedBuffer(r.data.slice(r.data.readerIndex(), r.transferLength));
      work =
          () -> {
            boolean close = auth.send(message, 0, message.readableBytes());
            q.execute(
                () -> {
                  r.complete(Status.SUCCESS, 0);
                  if (close) {
                    q.closeAfterFlush("the host ended authentication");
                  }
                });
          };
    } else {
      int allocation = r.transferLength;
      work =
          () -> {
            QueueAuthentication.Answer answer = auth.receive(allocation);
            q.execute(() -> answer(q, r, answer));
          };
    }
    // Steps without an exponentiation run here at once; the others on the authentication threads,
    // and so does anything behind them, so the loop never waits for the exchange's lock.
    if (auth.handedOver.get() == 0 && !auth.exponentiates(send)) {
      work.run();
      return;
    }
    auth.handedOver.incrementAndGet();
    core.authExecutor()
        .execute(
            () -> {
              try {
                work.run();
              } finally {
                auth.handedOver.decrementAndGet();
              }
            });
  }

  private static void answer(QueueContext q, Request r, QueueAuthentication.Answer answer) {
    if (answer == null) {
      r.fail(Status.INVALID_FIELD | Status.DNR, AuthProtocol.SQE_TL_AL);
      return;
    }
    // The whole buffer goes back, the message then zeros, as nvmet returns it.
    int start = r.data.writerIndex();
    answer.message().encode(r.data);
    r.data.writeZero(r.transferLength - (r.data.writerIndex() - start));
    r.complete(Status.SUCCESS, 0);
    if (answer.thenClose()) {
      q.closeAfterFlush("authentication failed");
    }
  }
}
