package io.weft.tgt;

import io.weft.protocol.discovery.DiscoveryInformation;
import io.weft.protocol.discovery.DiscoveryLogPage;
import io.weft.protocol.nvme.Status;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Where a discovery controller's log comes from. By default a target lists its own subsystems on
 * its own ports; a centralized discovery controller lists what a whole cluster offers instead, and
 * takes registrations (Discovery Information Management).
 */
@FunctionalInterface
public interface DiscoverySource {
  /**
   * The log {@code hostNqn} may see. Its generation counter must change whenever its entries do; it
   * is read on an event loop, so it must not block.
   */
  DiscoveryLogPage logFor(String hostNqn);

  /** Who sent a Discovery Information Management command: its connection's identity. */
  record Registrant(String hostNqn, UUID hostId, String remoteAddress) {}

  /**
   * Carries out a Discovery Information Management task (register, deregister, update) for {@code
   * who}, and completes with the NVMe status to answer. Called on an event loop: it must not block
   * (store writes happen elsewhere). A source that takes no registrations answers Invalid Opcode.
   */
  default CompletionStage<Integer> manage(
      int task, DiscoveryInformation information, Registrant who) {
    return CompletableFuture.completedFuture(Status.INVALID_OPCODE | Status.DNR);
  }
}
