package io.weft.tgt.core;

import io.netty.buffer.ByteBuf;
import io.weft.protocol.discovery.DiscoveryLogPage;
import io.weft.protocol.fabrics.Strings;
import io.weft.protocol.nvme.AnaLogPage;
import io.weft.protocol.nvme.Opcodes;
import io.weft.protocol.nvme.Sqe;
import io.weft.protocol.nvme.Status;
import java.util.ArrayList;
import java.util.List;

/**
 * Get Log Page: builds the whole page, then returns the window the host asked for (offset LPO,
 * length NUMD), zero-filled past the page's end, as the Linux host and nvme-cli's chunked reads
 * expect.
 */
final class LogPages {
  /** LPA: bit 1 commands supported and effects log, bit 2 extended data (offsets, NUMDU). */
  static final int LPA = 0x06;

  private static final int FIRMWARE_SLOT_SIZE = 512;
  private static final int CHANGED_NS_SIZE = 4096;
  private static final int EFFECTS_SIZE = 4096;

  private final TargetCore core;

  LogPages(TargetCore core) {
    this.core = core;
  }

  void getLogPage(Controller c, Request r) {
    int lid = r.cdw10 & 0xFF;
    boolean retainEvent = (r.cdw10 & (1 << 15)) != 0;
    long offset = (r.cdw12 & 0xFFFFFFFFL) | ((long) r.cdw13 << 32);
    if ((offset & 3) != 0) {
      r.fail(Status.INVALID_FIELD | Status.DNR, Sqe.CDW12);
      return;
    }
    if (c.isDiscovery() != (lid == Opcodes.LOG_DISCOVERY)) {
      r.fail(Status.INVALID_LOG_PAGE | Status.DNR, Sqe.CDW10);
      return;
    }
    if (lid == Opcodes.LOG_DISCOVERY) {
      discoveryLog(c, r, offset, retainEvent);
      return;
    }
    ByteBuf page = r.queue().alloc().heapBuffer(4096);
    try {
      switch (lid) {
        case Opcodes.LOG_ERROR -> c.errorLog().encode(page);
        case Opcodes.LOG_SMART -> {
          if (r.nsid != 0 && r.nsid != 0xFFFFFFFF) {
            // LPA bit 0 is clear: SMART is reported for the controller only.
            r.fail(Status.INVALID_FIELD | Status.DNR, Sqe.NSID);
            return;
          }
          c.subsystem().counters().snapshot().encode(page);
        }
        case Opcodes.LOG_FIRMWARE_SLOT -> {
          page.writeZero(FIRMWARE_SLOT_SIZE);
          page.setByte(0, 1); // AFI: slot 1 active
          Strings.writePadded(page, 8, 8, c.subsystem().firmware(), (byte) ' ');
        }
        case Opcodes.LOG_CHANGED_NAMESPACES -> {
          page.writeZero(CHANGED_NS_SIZE);
          int[] nsids = c.changedNamespaces(retainEvent);
          for (int i = 0; i < nsids.length; i++) {
            page.setIntLE(i * 4, nsids[i]);
          }
        }
        case Opcodes.LOG_COMMANDS_EFFECTS -> commandsEffects(page);
        case Opcodes.LOG_ANA -> {
          boolean groupsOnly = (r.cdw10 & (1 << 8)) != 0; // LSP bit 0: RGO
          AnaLogPage log = anaLog(c);
          page.ensureWritable(log.size(groupsOnly));
          log.encode(page, groupsOnly);
          c.anaLogRead(retainEvent);
        }
        default -> {
          r.fail(Status.INVALID_LOG_PAGE | Status.DNR, Sqe.CDW10);
          return;
        }
      }
      if (offset > page.readableBytes()) {
        r.fail(Status.INVALID_FIELD | Status.DNR, Sqe.CDW12);
        return;
      }
      int available = (int) Math.min(page.readableBytes() - offset, r.transferLength);
      r.data.writeBytes(page, (int) offset, available);
      r.data.writeZero(r.transferLength - available);
      r.complete(Status.SUCCESS, 0);
    } finally {
      page.release();
    }
  }

  /**
   * The discovery log, encoded straight into the answer and only the part asked for: a discovery
   * service answers every host of a boot storm, each reading the header and then the whole page.
   */
  private void discoveryLog(Controller c, Request r, long offset, boolean retainEvent) {
    DiscoveryLogPage log = core.discoveryLog(c.hostNqn());
    // LSP bit 0 (TP8010): extended entries, as a centralized controller must offer.
    boolean extended = (r.cdw10 >>> 8 & DiscoveryLogPage.LSP_EXTENDED_ENTRIES) != 0;
    if (offset > log.size(extended)) {
      r.fail(Status.INVALID_FIELD | Status.DNR, Sqe.CDW12);
      return;
    }
    if (extended) {
      // Rare (no Linux host asks): the whole page, then the window of it.
      ByteBuf page = r.queue().alloc().heapBuffer(log.size(true));
      try {
        log.encode(page, true);
        int available = (int) Math.min(page.readableBytes() - offset, r.transferLength);
        r.data.writeBytes(page, (int) offset, available);
        r.data.writeZero(r.transferLength - available);
      } finally {
        page.release();
      }
    } else {
      log.encodeWindow(r.data, offset, r.transferLength);
    }
    c.discoveryLogRead(retainEvent);
    r.complete(Status.SUCCESS, 0);
  }

  /**
   * The ANA log as this controller's port sees it: one group per active namespace (a namespace's
   * group is its NSID), in group order.
   */
  private static AnaLogPage anaLog(Controller c) {
    Subsystem s = c.subsystem();
    AnaStates ana = s.ana();
    long changeCount = ana.changeCount();
    List<AnaLogPage.Group> groups = new ArrayList<>();
    for (Namespace ns : s.namespaces()) {
      int group = ns.anaGroupId();
      groups.add(
          new AnaLogPage.Group(
              group,
              ana.groupChangeCount(group),
              ana.state(c.portId(), group),
              new int[] {ns.nsid()}));
    }
    return new AnaLogPage(changeCount, groups);
  }

  /** Commands Supported and Effects: CSUPP for every command, LBCC for those that write. */
  private static void commandsEffects(ByteBuf page) {
    page.writeZero(EFFECTS_SIZE);
    int csupp = 1;
    int lbcc = 1 << 1;
    int[] admin = {
      Opcodes.ADMIN_GET_LOG_PAGE,
      Opcodes.ADMIN_IDENTIFY,
      Opcodes.ADMIN_ABORT,
      Opcodes.ADMIN_SET_FEATURES,
      Opcodes.ADMIN_GET_FEATURES,
      Opcodes.ADMIN_ASYNC_EVENT_REQUEST,
      Opcodes.ADMIN_KEEP_ALIVE
    };
    for (int op : admin) {
      page.setIntLE(op * 4, csupp);
    }
    page.setIntLE(1024 + Opcodes.NVM_FLUSH * 4, csupp); // makes data durable, changes none
    page.setIntLE(1024 + Opcodes.NVM_WRITE * 4, csupp | lbcc);
    page.setIntLE(1024 + Opcodes.NVM_READ * 4, csupp);
    page.setIntLE(1024 + Opcodes.NVM_WRITE_ZEROES * 4, csupp | lbcc);
    page.setIntLE(1024 + Opcodes.NVM_DATASET_MANAGEMENT * 4, csupp | lbcc);
  }
}
