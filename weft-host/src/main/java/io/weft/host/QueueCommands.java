package io.weft.host;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.host.tcp.HostQueue;
import io.weft.protocol.fabrics.ConnectCommand;
import io.weft.protocol.fabrics.ConnectData;
import io.weft.protocol.nvme.Opcodes;
import io.weft.protocol.nvme.Status;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One command on one given queue, sent and waited for: what setting a controller up takes (Connect,
 * Property Get/Set, Identify, Set Features) before its queues serve ordinary I/O, and the
 * management calls after. Never called on an event loop.
 */
final class QueueCommands {
  private final ConnectOptions options;

  QueueCommands(ConnectOptions options) {
    this.options = options;
  }

  Command fabricsConnect(HostQueue q, int qid, int sqsize, int cntlidField, int katoMs)
      throws IOException {
    ByteBuf data = Unpooled.buffer(ConnectData.SIZE);
    new ConnectData(options.hostId(), cntlidField, options.subsystemNqn(), options.hostNqn())
        .encode(data);
    Command c = new Command();
    c.opcode = Opcodes.FABRICS;
    c.fctype = Opcodes.FCTYPE_CONNECT;
    c.cdw10 = ConnectCommand.cdw10(0, qid);
    c.cdw11 =
        ConnectCommand.cdw11(
            sqsize, options.disableSqFlow() ? ConnectCommand.CATTR_DISABLE_SQ_FLOW : 0);
    c.cdw12 = katoMs;
    c.data = data;
    c.dataLength = ConnectData.SIZE;
    try {
      return run(q, c, "Connect (queue " + qid + ")");
    } catch (NvmeException e) {
      if (e.status() == Status.CONNECT_INVALID_HOST) {
        throw new NvmeException(
            e.status(),
            e.opcode(),
            "Connect: host "
                + options.hostNqn()
                + " is not allowed on "
                + options.subsystemNqn()
                + "; Connect");
      }
      throw e;
    }
  }

  long property(HostQueue q, int offset, boolean eightBytes) throws IOException {
    Command c = new Command();
    c.opcode = Opcodes.FABRICS;
    c.fctype = Opcodes.FCTYPE_PROPERTY_GET;
    c.cdw10 = eightBytes ? 1 : 0;
    c.cdw11 = offset;
    return run(q, c, "Property Get 0x" + Integer.toHexString(offset)).result;
  }

  void propertySet(HostQueue q, int offset, int value) throws IOException {
    Command c = new Command();
    c.opcode = Opcodes.FABRICS;
    c.fctype = Opcodes.FCTYPE_PROPERTY_SET;
    c.cdw11 = offset;
    c.cdw12 = value;
    run(q, c, "Property Set 0x" + Integer.toHexString(offset));
  }

  byte[] identifyBytes(HostQueue q, int cns, int nsid) throws IOException {
    ByteBuf buf = Unpooled.buffer(4096);
    adminSync(
        q,
        new Command().reset(),
        Opcodes.ADMIN_IDENTIFY,
        nsid,
        cns,
        0,
        buf,
        4096,
        "Identify CNS " + cns);
    byte[] out = new byte[4096];
    buf.getBytes(0, out);
    return out;
  }

  Command adminSync(
      HostQueue q,
      Command c,
      int opcode,
      int nsid,
      int cdw10,
      int cdw11,
      ByteBuf data,
      int length,
      String what)
      throws IOException {
    c.opcode = opcode;
    c.nsid = nsid;
    c.cdw10 = cdw10;
    c.cdw11 = cdw11;
    c.data = data;
    c.dataLength = length;
    return run(q, c, what);
  }

  /** Sends a command on a specific queue and waits for it. */
  Command run(HostQueue q, Command c, String what) throws IOException {
    CompletableFuture<Command> f = new CompletableFuture<>();
    c.callback = f::complete;
    q.submit(c);
    Command done = await(f, what);
    if (!HostStatus.isSuccess(done.status)) {
      throw new NvmeException(done.status, done.opcode, what);
    }
    return done;
  }

  <T> T await(CompletableFuture<T> f, String what) throws IOException {
    try {
      return f.get(Math.max(options.ioTimeoutSec(), 10), TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new IOException(
          what + ": no answer within " + Math.max(options.ioTimeoutSec(), 10) + " s");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof IOException io ? io : new IOException(what + ": " + cause, cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(what + ": interrupted");
    }
  }
}
