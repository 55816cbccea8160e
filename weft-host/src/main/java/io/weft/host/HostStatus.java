package io.weft.host;

import io.weft.protocol.nvme.Status;

/**
 * Outcomes that are not NVMe statuses: the host gave up on a command. Kept above the 16-bit NVMe
 * status range so one int carries either kind.
 */
public final class HostStatus {
  private HostStatus() {}

  /** The command did not complete within the I/O timeout. */
  public static final int TIMEOUT = 0x1_0001;

  /** The controller was lost for longer than fast-io-fail-tmo. */
  public static final int FAST_IO_FAIL = 0x1_0002;

  /** The controller was lost for longer than ctrl-loss-tmo, or closed by the user. */
  public static final int CONTROLLER_LOST = 0x1_0003;

  /** The host library rejected the request before sending it (bad arguments). */
  public static final int INVALID_REQUEST = 0x1_0004;

  public static boolean isHostStatus(int status) {
    return status >= 0x1_0000;
  }

  public static boolean isSuccess(int status) {
    return !isHostStatus(status) && Status.isSuccess(status);
  }

  public static String describe(int status) {
    return switch (status) {
      case TIMEOUT -> "command timed out";
      case FAST_IO_FAIL -> "controller unreachable past fast-io-fail-tmo";
      case CONTROLLER_LOST -> "controller lost (ctrl-loss-tmo expired or controller closed)";
      case INVALID_REQUEST -> "invalid request";
      default -> Status.describe(status);
    };
  }
}
