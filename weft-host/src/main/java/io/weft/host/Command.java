package io.weft.host;

import io.netty.buffer.ByteBuf;
import io.weft.protocol.nvme.Opcodes;

/**
 * One NVMe command as the host library carries it: the SQE fields, the data buffer and where the
 * outcome goes. Reusable: callers on the hot path (the perf tool) keep a fixed set and resubmit
 * them, so an I/O costs no allocation. Not thread-safe; a command belongs to one submitter until
 * its callback runs.
 */
public final class Command {
  /** Called once per submission, on the queue's event loop. */
  @FunctionalInterface
  public interface Callback {
    void completed(Command command);
  }

  // SQE.
  public int opcode;
  public int fctype = -1;
  public int nsid;
  public int cdw10;
  public int cdw11;
  public int cdw12;
  public int cdw13;
  public int cdw14;
  public int cdw15;

  /** Data: the source of a write, or where a read lands (from {@link #dataIndex}). */
  public ByteBuf data;

  public int dataIndex;
  public int dataLength;

  public Callback callback;

  /** Opaque to the library: lets a caller find its own context from a callback. */
  public Object attachment;

  // Outcome.
  public int status;
  public long result;

  /**
   * SQHD of the completion: FFFFh when the queue runs without SQ flow control, -1 when none came (a
   * read completed by its C2HData's SUCCESS flag).
   */
  public int sqhd = -1;

  /** {@link System#nanoTime()} when the command went out (latency measurement, timeouts). */
  public long submittedNanos;

  /**
   * Exempt from the queue's command timeout: an Asynchronous Event Request is answered only when an
   * event happens, which may be never.
   */
  public boolean waitsForEvent;

  public Command reset() {
    opcode = 0;
    fctype = -1;
    nsid = 0;
    cdw10 = cdw11 = cdw12 = cdw13 = cdw14 = cdw15 = 0;
    data = null;
    dataIndex = 0;
    dataLength = 0;
    callback = null;
    attachment = null;
    status = 0;
    result = 0;
    sqhd = -1;
    waitsForEvent = false;
    return this;
  }

  /** The opcode whose bit 0/1 says the data direction (FCTYPE for fabrics commands). */
  public int directionCode() {
    return opcode == Opcodes.FABRICS ? fctype : opcode;
  }

  public boolean writesData() {
    return dataLength > 0 && Opcodes.isHostToController(directionCode());
  }

  public boolean readsData() {
    return dataLength > 0 && Opcodes.isControllerToHost(directionCode());
  }

  public Command io(int opcode, int nsid, long slba, int blocks) {
    this.opcode = opcode;
    this.nsid = nsid;
    this.cdw10 = (int) slba;
    this.cdw11 = (int) (slba >>> 32);
    this.cdw12 = blocks - 1;
    return this;
  }
}
