package io.weft.tgt.core;

import io.netty.buffer.ByteBuf;
import io.weft.block.BlockStatus;
import io.weft.block.IoCallback;
import io.weft.protocol.nvme.AnaLogPage;
import io.weft.protocol.nvme.Opcodes;
import io.weft.protocol.nvme.Sqe;
import io.weft.protocol.nvme.Status;
import io.weft.tgt.qos.NamespaceQos;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * NVM command set I/O commands (NVM Command Set 1.0): Read, Write, Flush, Write Zeroes and Dataset
 * Management. The hot path: {@link #prepare} checks the namespace, the LBA range and MDTS without
 * allocating, and {@link #execute} hands the request itself to the backend as its callback.
 */
final class IoCommands {
  private static final int BROADCAST_NSID = 0xFFFFFFFF;
  private static final int DSM_RANGE_SIZE = 16;
  private static final int DSM_MAX_RANGES = 256;
  private static final int DSM_ATTRIBUTE_DEALLOCATE = 1 << 2;

  private final long maxTransfer;

  IoCommands(TargetCore core) {
    this.maxTransfer = 4096L << core.tuning().mdts();
  }

  int prepare(Controller c, Request r) {
    if (r.opcode == Opcodes.NVM_FLUSH && r.nsid == BROADCAST_NSID) {
      return Status.SUCCESS;
    }
    Namespace ns = c.subsystem().namespace(r.nsid);
    if (ns == null || !ns.acquire()) {
      return CommandDispatcher.error(r, Status.INVALID_NAMESPACE | Status.DNR, Sqe.NSID);
    }
    // From here the request holds a namespace reference; the transport releases it on completion.
    r.namespace = ns;
    int ana = c.subsystem().ana().state(c.portId(), ns.anaGroupId());
    if (!AnaLogPage.accessible(ana)) {
      // A path-related status without DNR: a multipath host retries on another path.
      return CommandDispatcher.error(r, AnaLogPage.ioStatus(ana), Sqe.NSID);
    }
    // the opcode first: a read never touches the controller's volatile flag
    if (changesData(r) && c.readOnly()) {
      return CommandDispatcher.error(r, Status.NAMESPACE_WRITE_PROTECTED | Status.DNR, Sqe.OPCODE);
    }
    switch (r.opcode) {
      case Opcodes.NVM_READ, Opcodes.NVM_WRITE -> {
        int status = checkRange(ns, r);
        if (status != Status.SUCCESS) {
          return status;
        }
        long bytes = (long) r.blockCount() << ns.blockShift();
        if (bytes > maxTransfer) {
          return CommandDispatcher.error(r, Status.INVALID_FIELD | Status.DNR, Sqe.CDW12);
        }
        r.transferLength = (int) bytes;
        r.direction =
            r.opcode == Opcodes.NVM_READ
                ? Request.Direction.CONTROLLER_TO_HOST
                : Request.Direction.HOST_TO_CONTROLLER;
        return Status.SUCCESS;
      }
      case Opcodes.NVM_FLUSH -> {
        return Status.SUCCESS;
      }
      case Opcodes.NVM_WRITE_ZEROES -> {
        return checkRange(ns, r);
      }
      case Opcodes.NVM_DATASET_MANAGEMENT -> {
        int ranges = (r.cdw10 & 0xFF) + 1;
        // Hosts may send more than the ranges in use (Linux always sends 4096 bytes).
        if (r.sglLength < (long) ranges * DSM_RANGE_SIZE
            || r.sglLength > DSM_MAX_RANGES * DSM_RANGE_SIZE) {
          return CommandDispatcher.error(r, Status.SGL_DATA_LENGTH_INVALID | Status.DNR, Sqe.DPTR);
        }
        r.transferLength = (int) r.sglLength;
        r.direction = Request.Direction.HOST_TO_CONTROLLER;
        return Status.SUCCESS;
      }
      default -> {
        return CommandDispatcher.error(r, Status.INVALID_OPCODE | Status.DNR, Sqe.OPCODE);
      }
    }
  }

  /**
   * Whether a command would change the namespace's data: writes, Write Zeroes, and Dataset
   * Management asking to deallocate (its other attributes are hints). Flush changes nothing a
   * reader could see.
   */
  private static boolean changesData(Request r) {
    return switch (r.opcode) {
      case Opcodes.NVM_WRITE, Opcodes.NVM_WRITE_ZEROES -> true;
      case Opcodes.NVM_DATASET_MANAGEMENT -> (r.cdw11 & DSM_ATTRIBUTE_DEALLOCATE) != 0;
      default -> false;
    };
  }

  private static int checkRange(Namespace ns, Request r) {
    long slba = r.slba();
    long end = slba + r.blockCount();
    if (slba < 0 || end > ns.sizeBlocks() || end < slba) {
      return CommandDispatcher.error(r, Status.LBA_OUT_OF_RANGE | Status.DNR, Sqe.CDW10);
    }
    return Status.SUCCESS;
  }

  /** The namespace's own memory for a Read, when its device lends it (see CommandDispatcher). */
  ByteBuf lend(Request r) {
    // The device refuses an empty or invalid range itself.
    if (r.opcode != Opcodes.NVM_READ || r.namespace == null) {
      return null;
    }
    ByteBuf loan =
        r.namespace.device().lend(r.slba() << r.namespace.blockShift(), r.transferLength);
    r.lent = loan != null;
    return loan;
  }

  void execute(Controller c, Request r) {
    long wait = qosWait(r);
    if (wait > 0) {
      if (r.heldBack == null) {
        // once per slot: a slot's queue, and so its controller, never changes
        r.heldBack = () -> run(c, r);
      }
      r.queue().schedule(r.heldBack, wait);
      return;
    }
    run(c, r);
  }

  /**
   * How long the namespace's QoS holds this command back (0: not at all). Reads and writes are
   * charged their bytes; Write Zeroes and deallocation are writes of no bytes; Flush and
   * dataset-management hints pass free.
   */
  private static long qosWait(Request r) {
    Namespace ns = r.namespace;
    NamespaceQos qos = ns == null ? null : ns.qos();
    if (qos == null) {
      return 0;
    }
    return switch (r.opcode) {
      case Opcodes.NVM_READ -> qos.admit(false, r.transferLength, System.nanoTime());
      case Opcodes.NVM_WRITE -> qos.admit(true, r.transferLength, System.nanoTime());
      case Opcodes.NVM_WRITE_ZEROES, Opcodes.NVM_DATASET_MANAGEMENT ->
          changesData(r) ? qos.admit(true, 0, System.nanoTime()) : 0;
      default -> 0;
    };
  }

  private void run(Controller c, Request r) {
    Namespace ns = r.namespace;
    r.reachedBackend = true;
    if (r.phased) {
      r.submittedNanos = System.nanoTime();
    }
    switch (r.opcode) {
      case Opcodes.NVM_READ -> {
        if (r.lent) {
          // The data is the device's memory, lent in lend(): nothing left to read.
          r.complete(BlockStatus.OK);
        } else {
          ns.device()
              .read(r.slba() << ns.blockShift(), r.data, r.data.readerIndex(), r.transferLength, r);
        }
      }
      case Opcodes.NVM_WRITE ->
          ns.device()
              .write(
                  r.slba() << ns.blockShift(),
                  r.data,
                  r.data.readerIndex(),
                  r.transferLength,
                  r.fua() || !c.writeCacheEnabled(),
                  r);
      case Opcodes.NVM_FLUSH -> {
        if (ns == null) {
          flushAll(c, r);
        } else {
          ns.device().flush(r);
        }
      }
      case Opcodes.NVM_WRITE_ZEROES ->
          ns.device()
              .writeZeroes(
                  r.slba() << ns.blockShift(), (long) r.blockCount() << ns.blockShift(), r);
      case Opcodes.NVM_DATASET_MANAGEMENT -> datasetManagement(ns, r);
      default -> r.fail(Status.INVALID_OPCODE | Status.DNR, Sqe.OPCODE);
    }
  }

  /**
   * Deallocate the listed ranges. Every range is checked before any is touched, so a bad range
   * changes nothing. Rare enough that a small counter object per command is fine.
   */
  private static void datasetManagement(Namespace ns, Request r) {
    if ((r.cdw11 & DSM_ATTRIBUTE_DEALLOCATE) == 0) {
      r.complete(Status.SUCCESS, 0); // only hints: nothing to do
      return;
    }
    int ranges = (r.cdw10 & 0xFF) + 1;
    int base = r.data.readerIndex();
    long[] offsets = new long[ranges];
    long[] lengths = new long[ranges];
    for (int i = 0; i < ranges; i++) {
      int at = base + i * DSM_RANGE_SIZE;
      long blocks = r.data.getUnsignedIntLE(at + 4);
      long slba = r.data.getLongLE(at + 8);
      long end = slba + blocks;
      if (slba < 0 || end > ns.sizeBlocks() || end < slba) {
        r.fail(Status.LBA_OUT_OF_RANGE | Status.DNR, Sqe.CDW10);
        return;
      }
      offsets[i] = slba << ns.blockShift();
      lengths[i] = blocks << ns.blockShift();
    }
    AtomicInteger remaining = new AtomicInteger(ranges);
    int[] worst = {BlockStatus.OK};
    IoCallback each =
        st -> {
          synchronized (worst) {
            if (st != BlockStatus.OK) {
              worst[0] = st;
            }
          }
          if (remaining.decrementAndGet() == 0) {
            r.complete(worst[0]);
          }
        };
    for (int i = 0; i < ranges; i++) {
      if (lengths[i] == 0) {
        each.complete(BlockStatus.OK);
      } else {
        ns.device().deallocate(offsets[i], lengths[i], each);
      }
    }
  }

  /** Flush with the broadcast NSID: every namespace of the subsystem. */
  private static void flushAll(Controller c, Request r) {
    List<Namespace> held = new ArrayList<>();
    for (Namespace ns : c.subsystem().namespaces()) {
      if (ns.acquire()) {
        held.add(ns);
      }
    }
    if (held.isEmpty()) {
      r.complete(Status.SUCCESS, 0);
      return;
    }
    AtomicInteger remaining = new AtomicInteger(held.size());
    int[] worst = {BlockStatus.OK};
    for (Namespace ns : held) {
      ns.device()
          .flush(
              st -> {
                ns.release();
                synchronized (worst) {
                  if (st != BlockStatus.OK) {
                    worst[0] = st;
                  }
                }
                if (remaining.decrementAndGet() == 0) {
                  r.complete(worst[0]);
                }
              });
    }
  }
}
