package io.weft.node.volume;

import io.weft.host.HostStatus;
import io.weft.host.NvmeException;
import io.weft.protocol.nvme.Status;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Says in a few words why a replica left the in-sync set or could not be rebuilt. */
final class ReplicaProblem {
  private ReplicaProblem() {}

  static String describe(Throwable why) {
    Throwable t = why;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof NvmeException e) {
      int status = e.status();
      if (HostStatus.isHostStatus(status)) {
        return "unreachable (" + HostStatus.describe(status) + ")";
      }
      if (Status.sct(status) == Status.SCT_GENERIC
          && Status.sc(status) == Status.CAPACITY_EXCEEDED) {
        return "disk full (Capacity Exceeded)";
      }
      return "failed a command (" + HostStatus.describe(status) + ")";
    }
    return String.valueOf(t.getMessage() != null ? t.getMessage() : t);
  }
}
