package io.weft.tgt.core;

import io.netty.buffer.ByteBuf;
import io.weft.block.BlockStatus;
import io.weft.block.IoCallback;
import io.weft.protocol.nvme.Opcodes;
import io.weft.protocol.nvme.Sgl;
import io.weft.protocol.nvme.Sqe;
import io.weft.protocol.nvme.Status;

/**
 * One command slot of a queue: the decoded SQE, its data buffer and its outcome. A queue makes a
 * slot's request on the slot's first use and reuses it from then on, so a command costs no object;
 * the slot index doubles as the NVMe/TCP transfer tag.
 *
 * <p>Lifecycle, driven by the queue's event loop: {@link #load} from the capsule, the core's {@code
 * prepare} sets the transfer length and direction (or a status), the transport brings data in or
 * allocates room for data out, the core executes, and exactly one {@link #complete} hands it back
 * to the queue. A backend callback may arrive on another thread; {@link #complete(int)} (the {@link
 * IoCallback}) then hops back to the queue's loop.
 */
public final class Request implements IoCallback, Runnable {
  /** What the data phase must do. */
  public enum Direction {
    NONE,
    HOST_TO_CONTROLLER,
    CONTROLLER_TO_HOST
  }

  public final int slot;
  private final QueueContext queue;

  // Decoded SQE.
  public int opcode;
  public int fctype;
  public int flags;
  public int cid;
  public int nsid;
  public int cdw10;
  public int cdw11;
  public int cdw12;
  public int cdw13;
  public int cdw14;
  public int cdw15;
  public int sglIdentifier;
  public long sglLength;

  // Set by prepare.
  public Direction direction = Direction.NONE;
  public int transferLength;
  public Namespace namespace;

  /**
   * Data: in-capsule or H2C data received, or room for C2H data. Either way the data region starts
   * at the buffer's reader index (C2H buffers keep room for the transport's headers in front).
   * Released on completion.
   */
  public ByteBuf data;

  /**
   * {@link #data} is the backend's own memory, lent for a Read (a memory namespace's chunk): the
   * transport sends it as it is, with the PDU headers in buffers of their own.
   */
  public boolean lent;

  /** Bytes of H2C data received so far (R2T flow). */
  public int received;

  // Outcome.
  public int status;
  public long result;

  /** Offset of the offending SQE field for the error log, or 0xFFFF. */
  public int errorLocation = 0xFFFF;

  /**
   * {@link System#nanoTime} stamps for {@link IoTimings}: the read batch that brought the capsule
   * (set by the transport), and, for a command chosen to be taken apart ({@code phased}), the
   * backend called and the backend's answer (0 if it ended without one, as a dataset management
   * hint does). {@code reachedBackend}: the command got as far as its namespace's device.
   */
  public long receivedNanos;

  public long submittedNanos;
  public long answeredNanos;
  public boolean phased;
  public boolean reachedBackend;

  /**
   * Runs this slot's command once its QoS wait is over; made on the slot's first wait and kept, so
   * a held-back I/O costs no object.
   */
  public Runnable heldBack;

  /** Backend status parked while hopping threads. */
  private int pendingBlockStatus;

  public boolean inUse;

  public Request(int slot, QueueContext queue) {
    this.slot = slot;
    this.queue = queue;
  }

  /** Fills the slot from the SQE at {@code base}. */
  public void load(ByteBuf b, int base) {
    submittedNanos = 0;
    answeredNanos = 0;
    phased = false;
    reachedBackend = false;
    opcode = Sqe.opcode(b, base);
    fctype = opcode == Opcodes.FABRICS ? Sqe.fctype(b, base) : -1;
    flags = Sqe.flags(b, base);
    cid = Sqe.cid(b, base);
    nsid = Sqe.nsid(b, base);
    cdw10 = Sqe.cdw(b, base, 10);
    cdw11 = Sqe.cdw(b, base, 11);
    cdw12 = Sqe.cdw(b, base, 12);
    cdw13 = Sqe.cdw(b, base, 13);
    cdw14 = Sqe.cdw(b, base, 14);
    cdw15 = Sqe.cdw(b, base, 15);
    sglIdentifier = Sgl.identifier(b, base);
    sglLength = Sgl.length(b, base);
    direction = Direction.NONE;
    transferLength = 0;
    namespace = null;
    data = null;
    lent = false;
    received = 0;
    status = Status.SUCCESS;
    result = 0;
    errorLocation = 0xFFFF;
    inUse = true;
  }

  public QueueContext queue() {
    return queue;
  }

  /** Starting LBA of NVM I/O commands (CDW10-11). */
  public long slba() {
    return (cdw10 & 0xFFFFFFFFL) | ((long) cdw11 << 32);
  }

  /** Number of logical blocks, 1's based (CDW12 bits 15:0 are 0's based). */
  public int blockCount() {
    return (cdw12 & 0xFFFF) + 1;
  }

  /** Force Unit Access (CDW12 bit 30). */
  public boolean fua() {
    return (cdw12 & (1 << 30)) != 0;
  }

  /** Finishes the command with a status (and result in {@link #result}). Loop thread only. */
  public void complete(int status, long result) {
    this.status = status;
    this.result = result;
    queue.complete(this);
  }

  /** Finishes with a status and records the offending SQE byte for the error log. */
  public void fail(int status, int errorLocation) {
    this.errorLocation = errorLocation;
    complete(status, 0);
  }

  /** Backend completion: may run on any thread. */
  @Override
  public void complete(int blockStatus) {
    if (phased) {
      answeredNanos = System.nanoTime();
    }
    pendingBlockStatus = blockStatus;
    if (queue.inEventLoop()) {
      run();
    } else {
      queue.execute(this);
    }
  }

  /** Continues a backend completion on the queue's loop. */
  @Override
  public void run() {
    int s = pendingBlockStatus;
    Namespace ns = namespace;
    if (ns != null) {
      ns.onIoDone(this, s);
    }
    complete(toNvmeStatus(s), 0);
  }

  /** The one place backend results become NVMe statuses. */
  static int toNvmeStatus(int blockStatus) {
    return switch (blockStatus) {
      case BlockStatus.OK -> Status.SUCCESS;
      case BlockStatus.OUT_OF_RANGE -> Status.LBA_OUT_OF_RANGE | Status.DNR;
      case BlockStatus.NO_SPACE -> Status.CAPACITY_EXCEEDED | Status.DNR;
      case BlockStatus.CLOSED -> Status.INVALID_NAMESPACE | Status.DNR;
      // No DNR: a multipath host retries on the new owner's path.
      case BlockStatus.PATH_UNAVAILABLE -> Status.ANA_TRANSITION;
      default -> Status.INTERNAL_ERROR;
    };
  }
}
