package io.weft.tgt.core;

import io.weft.protocol.nvme.Opcodes;
import io.weft.protocol.nvme.Sqe;
import io.weft.protocol.nvme.Status;

/**
 * Set Features / Get Features (NVMe Base 2.0, "Feature Identifiers"). Number of Queues, Volatile
 * Write Cache, Asynchronous Event Configuration and Keep Alive Timer change behaviour; the other
 * mandatory features are kept as plain values. Nothing is saveable.
 */
final class Features {
  private Features() {}

  /** Get Features SEL = 11b: report capabilities instead of a value. */
  private static final int SEL_CAPABILITIES = 3;

  /** Capabilities: changeable (bit 2), not saveable, not namespace specific. */
  private static final int CAPABILITY_CHANGEABLE = 1 << 2;

  static void set(Controller c, Request r) {
    int fid = r.cdw10 & 0xFF;
    if ((r.cdw10 & (1 << 31)) != 0) {
      r.fail(Status.FEATURE_NOT_SAVEABLE | Status.DNR, Sqe.CDW10 + 3);
      return;
    }
    if (c.isDiscovery()
        && fid != Opcodes.FEAT_ASYNC_EVENT_CONFIG
        && fid != Opcodes.FEAT_KEEP_ALIVE_TIMER) {
      r.fail(Status.INVALID_FIELD | Status.DNR, Sqe.CDW10);
      return;
    }
    int value = r.cdw11;
    switch (fid) {
      case Opcodes.FEAT_NUMBER_OF_QUEUES -> setNumberOfQueues(c, r, value);
      case Opcodes.FEAT_VOLATILE_WRITE_CACHE -> {
        c.setWriteCacheEnabled((value & 1) != 0);
        r.complete(Status.SUCCESS, 0);
      }
      case Opcodes.FEAT_ASYNC_EVENT_CONFIG -> {
        int supported = c.isDiscovery() ? 1 << 31 : Controller.SUPPORTED_AEC;
        if ((value & ~supported) != 0) {
          r.fail(Status.INVALID_FIELD | Status.DNR, Sqe.CDW11);
          return;
        }
        c.setAsyncEventConfig(value);
        r.complete(Status.SUCCESS, 0);
      }
      case Opcodes.FEAT_KEEP_ALIVE_TIMER -> {
        c.setKatoMillis(roundKato(value & 0xFFFFFFFFL));
        r.complete(Status.SUCCESS, 0);
      }
      case Opcodes.FEAT_POWER_MANAGEMENT -> {
        if ((value & 0x1F) != 0) {
          r.fail(Status.INVALID_FIELD | Status.DNR, Sqe.CDW11); // only power state 0 exists
          return;
        }
        c.setPlainFeature(fid, value);
        r.complete(Status.SUCCESS, 0);
      }
      case Opcodes.FEAT_ARBITRATION,
          Opcodes.FEAT_TEMPERATURE_THRESHOLD,
          Opcodes.FEAT_ERROR_RECOVERY,
          Opcodes.FEAT_INTERRUPT_COALESCING,
          Opcodes.FEAT_WRITE_ATOMICITY -> {
        c.setPlainFeature(fid, value);
        r.complete(Status.SUCCESS, 0);
      }
      default -> r.fail(Status.INVALID_FIELD | Status.DNR, Sqe.CDW10);
    }
  }

  /** KAS is 1 s: a KATO (from Connect or Set Features) is rounded up to whole seconds. */
  static long roundKato(long millis) {
    return Math.min((millis + 999) / 1000 * 1000, MAX_KATO_MS);
  }

  /**
   * The largest whole second that Get Features can still report in 32 bits (about 49.7 days);
   * rounding 0xFFFFFFFF up would wrap (nvmet then reports 704 ms).
   */
  static final long MAX_KATO_MS = 0xFFFF_FFFFL / 1000 * 1000;

  private static void setNumberOfQueues(Controller c, Request r, int value) {
    int nsqr = value & 0xFFFF;
    int ncqr = value >>> 16;
    if (nsqr == 0xFFFF || ncqr == 0xFFFF) {
      r.fail(Status.INVALID_FIELD | Status.DNR, Sqe.CDW11);
      return;
    }
    if (c.connectedIoQueues() > 0) {
      // The count cannot change once I/O queues exist.
      r.fail(Status.COMMAND_SEQUENCE_ERROR | Status.DNR, Sqe.CDW10);
      return;
    }
    int max = c.core().tuning().maxIoQueues();
    int granted = Math.min(Math.max(nsqr, ncqr) + 1, max);
    c.grantIoQueues(granted);
    r.complete(Status.SUCCESS, queueResult(granted));
  }

  private static long queueResult(int n) {
    return ((long) (n - 1) << 16 | (n - 1)) & 0xFFFFFFFFL;
  }

  static void get(Controller c, Request r) {
    int fid = r.cdw10 & 0xFF;
    int sel = (r.cdw10 >>> 8) & 0x7;
    if (sel > SEL_CAPABILITIES) {
      r.fail(Status.INVALID_FIELD | Status.DNR, Sqe.CDW10 + 1);
      return;
    }
    boolean current = sel == 0;
    long value;
    switch (fid) {
      case Opcodes.FEAT_NUMBER_OF_QUEUES -> {
        int n = current && c.grantedIoQueues() > 0 ? c.grantedIoQueues() : maxQueues(c);
        value = queueResult(n);
      }
      case Opcodes.FEAT_VOLATILE_WRITE_CACHE -> value = !current || c.writeCacheEnabled() ? 1 : 0;
      case Opcodes.FEAT_ASYNC_EVENT_CONFIG -> value = current ? c.asyncEventConfig() : 0;
      case Opcodes.FEAT_KEEP_ALIVE_TIMER -> value = current ? c.katoMillis() : 0;
      case Opcodes.FEAT_ARBITRATION,
          Opcodes.FEAT_POWER_MANAGEMENT,
          Opcodes.FEAT_TEMPERATURE_THRESHOLD,
          Opcodes.FEAT_ERROR_RECOVERY,
          Opcodes.FEAT_INTERRUPT_COALESCING,
          Opcodes.FEAT_WRITE_ATOMICITY ->
          value = current ? c.plainFeature(fid) & 0xFFFFFFFFL : 0;
      default -> {
        r.fail(Status.INVALID_FIELD | Status.DNR, Sqe.CDW10);
        return;
      }
    }
    if (sel == SEL_CAPABILITIES) {
      // Every supported feature, Number of Queues included, can be changed by Set Features.
      value = CAPABILITY_CHANGEABLE;
    }
    r.complete(Status.SUCCESS, value);
  }

  private static int maxQueues(Controller c) {
    return c.core().tuning().maxIoQueues();
  }
}
