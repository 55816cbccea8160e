package io.weft.tgt;

import io.weft.protocol.discovery.DiscoveryLogPage;

/**
 * Where a discovery controller's log comes from. By default a target lists its own subsystems on
 * its own ports; a centralized discovery controller lists what a whole cluster offers instead.
 */
@FunctionalInterface
public interface DiscoverySource {
  /**
   * The log {@code hostNqn} may see. Its generation counter must change whenever its entries do; it
   * is read on an event loop, so it must not block.
   */
  DiscoveryLogPage logFor(String hostNqn);
}
