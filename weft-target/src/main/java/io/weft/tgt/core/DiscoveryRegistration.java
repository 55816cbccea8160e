package io.weft.tgt.core;

import io.weft.protocol.discovery.DiscoveryInformation;
import io.weft.protocol.discovery.InvalidDiscoveryInformation;
import io.weft.protocol.nvme.Sqe;
import io.weft.protocol.nvme.Status;
import io.weft.tgt.DiscoverySource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Discovery Information Management (TP8010, opcode 21h) on a centralized discovery controller: the
 * data is decoded and checked here, on the event loop, and the task goes to the discovery source,
 * whose answer completes the command later (its store write must not hold the loop).
 */
final class DiscoveryRegistration {
  private static final Logger log = LoggerFactory.getLogger(DiscoveryRegistration.class);

  /** Largest data taken: the header and {@link DiscoveryInformation#MAX_ENTRIES} large entries. */
  static final int MAX_DATA = 128 * 1024;

  private final TargetCore core;

  DiscoveryRegistration(TargetCore core) {
    this.core = core;
  }

  void execute(Controller c, Request r) {
    int task = r.cdw10 & 0xF;
    if (task > DiscoveryInformation.TASK_UPDATE) {
      r.fail(Status.INVALID_FIELD | Status.DNR, Sqe.CDW10);
      return;
    }
    if (r.data == null) {
      r.complete(Status.INVALID_DISCOVERY_INFORMATION | Status.DNR, 0);
      return;
    }
    DiscoveryInformation info;
    try {
      info = DiscoveryInformation.decode(r.data, r.data.readerIndex(), r.transferLength);
    } catch (InvalidDiscoveryInformation e) {
      log.warn(
          "discovery information from {} ({}) refused: {}",
          c.hostNqn(),
          r.queue().remoteAddress(),
          e.getMessage());
      r.complete(e.status(), 0);
      return;
    }
    DiscoverySource.Registrant who =
        new DiscoverySource.Registrant(c.hostNqn(), c.hostId(), address(r.queue().remoteAddress()));
    QueueContext q = r.queue();
    core.discoverySource()
        .manage(task, info, who)
        .whenComplete(
            (status, failure) -> {
              int s = failure == null ? status : Status.INTERNAL_ERROR;
              if (failure != null) {
                log.warn("discovery information from {} not recorded", c.hostNqn(), failure);
              }
              if (q.inEventLoop()) {
                r.complete(s, 0);
              } else {
                q.execute(() -> r.complete(s, 0));
              }
            });
  }

  /** "/10.0.2.2:40112" to "10.0.2.2" ("[::1]:40112" to "::1"). */
  static String address(String remote) {
    String s = remote.startsWith("/") ? remote.substring(1) : remote;
    int colon = s.lastIndexOf(':');
    if (colon > 0) {
      s = s.substring(0, colon);
    }
    return s.startsWith("[") && s.endsWith("]") ? s.substring(1, s.length() - 1) : s;
  }
}
