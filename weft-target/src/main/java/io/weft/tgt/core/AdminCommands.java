package io.weft.tgt.core;

import io.netty.buffer.ByteBuf;
import io.weft.protocol.nvme.ControllerRegisters;
import io.weft.protocol.nvme.IdentifyController;
import io.weft.protocol.nvme.IdentifyNamespace;
import io.weft.protocol.nvme.NamespaceDescriptors;
import io.weft.protocol.nvme.Opcodes;
import io.weft.protocol.nvme.Sgl;
import io.weft.protocol.nvme.Sqe;
import io.weft.protocol.nvme.Status;
import java.util.List;

/**
 * Admin commands of an NVMe over Fabrics controller (NVMe Base 2.0): Identify, Get Log Page,
 * Set/Get Features, Asynchronous Event Request, Keep Alive and Abort. A discovery controller
 * accepts only the subset the discovery service needs. Runs on the admin queue's event loop.
 */
final class AdminCommands {
  /** Largest log page transfer accepted. */
  private static final int MAX_LOG_TRANSFER = 1 << 20;

  private static final int MAX_IDENTIFY_LIST = 1024;

  private final TargetCore core;
  private final LogPages logPages;
  private final DiscoveryRegistration registration;

  AdminCommands(TargetCore core) {
    this.core = core;
    this.logPages = new LogPages(core);
    this.registration = new DiscoveryRegistration(core);
  }

  int prepare(Controller c, Request r) {
    if (!c.ready()) {
      return CommandDispatcher.error(r, Status.COMMAND_SEQUENCE_ERROR | Status.DNR, Sqe.OPCODE);
    }
    if (c.isDiscovery() && !allowedOnDiscovery(r.opcode)
        || r.opcode == Opcodes.ADMIN_DISCOVERY_INFO_MANAGEMENT && !core.isCentralDiscovery()) {
      return CommandDispatcher.error(r, Status.INVALID_OPCODE | Status.DNR, Sqe.OPCODE);
    }
    switch (r.opcode) {
      case Opcodes.ADMIN_IDENTIFY -> {
        r.direction = Request.Direction.CONTROLLER_TO_HOST;
        r.transferLength = IdentifyController.SIZE;
      }
      case Opcodes.ADMIN_GET_LOG_PAGE -> {
        long numd = ((r.cdw11 & 0xFFFFL) << 16 | (r.cdw10 >>> 16)) + 1;
        long bytes = numd * 4;
        if (bytes > MAX_LOG_TRANSFER) {
          return CommandDispatcher.error(r, Status.INVALID_FIELD | Status.DNR, Sqe.CDW10 + 2);
        }
        r.direction = Request.Direction.CONTROLLER_TO_HOST;
        r.transferLength = (int) bytes;
      }
      case Opcodes.ADMIN_DISCOVERY_INFO_MANAGEMENT -> {
        // The data is the registration: the host says how long (TDL), bounded here.
        if (r.sglLength > DiscoveryRegistration.MAX_DATA) {
          return CommandDispatcher.error(
              r, Status.INSUFFICIENT_DISCOVERY_RESOURCES | Status.DNR, Sqe.DPTR + Sgl.LENGTH);
        }
        r.direction = Request.Direction.HOST_TO_CONTROLLER;
        r.transferLength = (int) r.sglLength;
      }
      case Opcodes.ADMIN_SET_FEATURES,
          Opcodes.ADMIN_GET_FEATURES,
          Opcodes.ADMIN_ASYNC_EVENT_REQUEST,
          Opcodes.ADMIN_KEEP_ALIVE,
          Opcodes.ADMIN_ABORT -> {
        // No data: every feature Weft supports fits in CDW11 / DW0.
      }
      default -> {
        return CommandDispatcher.error(r, Status.INVALID_OPCODE | Status.DNR, Sqe.OPCODE);
      }
    }
    return Status.SUCCESS;
  }

  private static boolean allowedOnDiscovery(int opcode) {
    return switch (opcode) {
      case Opcodes.ADMIN_IDENTIFY,
          Opcodes.ADMIN_GET_LOG_PAGE,
          Opcodes.ADMIN_SET_FEATURES,
          Opcodes.ADMIN_GET_FEATURES,
          Opcodes.ADMIN_ASYNC_EVENT_REQUEST,
          Opcodes.ADMIN_KEEP_ALIVE,
          Opcodes.ADMIN_DISCOVERY_INFO_MANAGEMENT ->
          true;
      default -> false;
    };
  }

  void execute(Controller c, Request r) {
    switch (r.opcode) {
      case Opcodes.ADMIN_IDENTIFY -> identify(c, r);
      case Opcodes.ADMIN_GET_LOG_PAGE -> logPages.getLogPage(c, r);
      case Opcodes.ADMIN_SET_FEATURES -> Features.set(c, r);
      case Opcodes.ADMIN_GET_FEATURES -> Features.get(c, r);
      case Opcodes.ADMIN_ASYNC_EVENT_REQUEST -> c.submitAsyncEventRequest(r);
      case Opcodes.ADMIN_DISCOVERY_INFO_MANAGEMENT -> registration.execute(c, r);
      case Opcodes.ADMIN_KEEP_ALIVE -> {
        if (c.katoMillis() == 0) {
          r.fail(Status.KEEP_ALIVE_TIMEOUT_INVALID | Status.DNR, Sqe.OPCODE);
        } else {
          r.complete(Status.SUCCESS, 0);
        }
      }
      // Commands finish fast and in order here, so an Abort always answers "not aborted" (DW0
      // bit 0 set), which the spec allows.
      case Opcodes.ADMIN_ABORT -> r.complete(Status.SUCCESS, 1);
      default -> r.fail(Status.INVALID_OPCODE | Status.DNR, Sqe.OPCODE);
    }
  }

  private void identify(Controller c, Request r) {
    int cns = r.cdw10 & 0xFF;
    Subsystem s = c.subsystem();
    ByteBuf out = r.data;
    if (c.isDiscovery() && cns != Opcodes.CNS_CONTROLLER) {
      // A discovery controller has no namespaces: the other CNS values are not supported.
      r.fail(Status.INVALID_FIELD | Status.DNR, Sqe.CDW10);
      return;
    }
    switch (cns) {
      case Opcodes.CNS_CONTROLLER -> {
        int base = out.writerIndex();
        identifyController(c).encode(out);
        if (c.isDiscovery()) {
          out.setByte(
              base + IdentifyController.DCTYPE,
              core.isCentralDiscovery()
                  ? IdentifyController.DCTYPE_CENTRAL
                  : IdentifyController.DCTYPE_DIRECT);
        }
        r.complete(Status.SUCCESS, 0);
      }
      case Opcodes.CNS_NAMESPACE -> {
        if (c.isDiscovery() || !validNsid(r.nsid)) {
          r.fail(Status.INVALID_NAMESPACE | Status.DNR, Sqe.NSID);
          return;
        }
        Namespace ns = s.namespace(r.nsid);
        if (ns == null) {
          out.writeZero(IdentifyNamespace.SIZE); // inactive NSID: all zeros, success
        } else {
          identifyNamespace(ns, c.readOnly()).encode(out);
        }
        r.complete(Status.SUCCESS, 0);
      }
      case Opcodes.CNS_ACTIVE_NAMESPACES -> {
        if (c.isDiscovery() || r.nsid == 0xFFFFFFFF || r.nsid == 0xFFFFFFFE) {
          r.fail(Status.INVALID_NAMESPACE | Status.DNR, Sqe.NSID);
          return;
        }
        int base = out.writerIndex();
        out.writeZero(IdentifyController.SIZE);
        List<Integer> nsids = s.activeNsidsAfter(r.nsid, MAX_IDENTIFY_LIST);
        for (int i = 0; i < nsids.size(); i++) {
          out.setIntLE(base + i * 4, nsids.get(i));
        }
        r.complete(Status.SUCCESS, 0);
      }
      case Opcodes.CNS_NS_DESCRIPTORS -> {
        Namespace ns = c.isDiscovery() ? null : s.namespace(r.nsid);
        if (ns == null) {
          r.fail(Status.INVALID_NAMESPACE | Status.DNR, Sqe.NSID);
          return;
        }
        NamespaceDescriptors.encode(out, ns.nguid(), ns.uuid(), NamespaceDescriptors.CSI_NVM);
        r.complete(Status.SUCCESS, 0);
      }
      default -> r.fail(Status.INVALID_FIELD | Status.DNR, Sqe.CDW10);
    }
  }

  private static boolean validNsid(int nsid) {
    return nsid != 0 && Integer.compareUnsigned(nsid, Subsystem.MAX_NAMESPACES) <= 0;
  }

  private IdentifyController identifyController(Controller c) {
    Subsystem s = c.subsystem();
    boolean disc = c.isDiscovery();
    return new IdentifyController(
        s.serial(),
        s.model(),
        s.firmware(),
        // CMIC: several ports and controllers may serve the subsystem, with ANA reporting.
        disc
            ? 0
            : IdentifyController.CMIC_MULTI_PORT
                | IdentifyController.CMIC_MULTI_CONTROLLER
                | IdentifyController.CMIC_ANA,
        disc ? 0 : core.tuning().mdts(),
        c.cntlid(),
        ControllerRegisters.VERSION_1_3,
        disc
            ? IdentifyController.OAES_DISCOVERY_CHANGE
            : IdentifyController.OAES_NS_ATTRIBUTE | IdentifyController.OAES_ANA_CHANGE,
        IdentifyController.CTRATT_HOSTID_128 | IdentifyController.CTRATT_TBKAS,
        disc ? IdentifyController.CONTROLLER_TYPE_DISCOVERY : IdentifyController.CONTROLLER_TYPE_IO,
        Controller.MAX_AERS - 1,
        LogPages.LPA,
        ErrorLog.ENTRIES - 1,
        10, // KAS: keep-alive granularity 100 ms units = 1 s
        core.tuning().maxQueueEntries(),
        disc ? 0 : Subsystem.MAX_NAMESPACES,
        disc ? 0 : IdentifyController.ONCS_DSM | IdentifyController.ONCS_WRITE_ZEROES,
        disc ? 0 : 0x07, // VWC present; Flush with NSID FFFFFFFFh flushes every namespace
        IdentifyController.SGLS_SUPPORTED,
        s.nqn(),
        (64 + core.tuning().inCapsuleDataSize()) / 16,
        1,
        disc
            ? IdentifyController.Ana.NONE
            : new IdentifyController.Ana(
                ANA_TRANSITION_SECONDS,
                IdentifyController.ANACAP_ALL_STATES_STATIC_GROUPS,
                AnaStates.MAX_GROUP,
                AnaStates.MAX_GROUP,
                Subsystem.MAX_NAMESPACES));
  }

  /**
   * ANATT: how long a host waits in the change state before it gives up on a path. Weft changes
   * state at once; 10 s matches nvmet.
   */
  static final int ANA_TRANSITION_SECONDS = 10;

  /**
   * @param readOnly the asking controller's host only reads: NSATTR says write-protected
   */
  private static IdentifyNamespace identifyNamespace(Namespace ns, boolean readOnly) {
    long used = Math.min(ns.sizeBlocks(), ns.device().usedBytes() >>> ns.blockShift());
    return new IdentifyNamespace(
        ns.sizeBlocks(),
        used,
        ns.blockShift(),
        1, // NMIC: may be shared by several controllers
        0x01, // DLFEAT: deallocated blocks read as zeros
        readOnly,
        ns.nguid(),
        ns.anaGroupId());
  }
}
