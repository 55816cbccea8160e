package io.weft.host;

import io.weft.protocol.nvme.Status;
import java.io.IOException;

/**
 * A command that did not succeed: either an NVMe status from the controller (with SCT/SC and the
 * DNR bit) or a host-side failure ({@link HostStatus}). {@link #retryable()} says whether the same
 * command might succeed if sent again.
 */
public final class NvmeException extends IOException {
  private final int status;
  private final int opcode;

  public NvmeException(int status, int opcode, String what) {
    super(what + " failed: " + HostStatus.describe(status));
    this.status = status;
    this.opcode = opcode;
  }

  public int status() {
    return status;
  }

  public int opcode() {
    return opcode;
  }

  /** True for NVMe statuses from the controller (not host-side give-ups). */
  public boolean isNvmeStatus() {
    return !HostStatus.isHostStatus(status);
  }

  /** An NVMe status without DNR may succeed on retry; host-side timeouts may too. */
  public boolean retryable() {
    if (HostStatus.isHostStatus(status)) {
      return status == HostStatus.TIMEOUT || status == HostStatus.FAST_IO_FAIL;
    }
    return !Status.dnr(status);
  }
}
