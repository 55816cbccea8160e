package io.weft.host;

import io.netty.buffer.Unpooled;
import io.weft.protocol.discovery.DiscoveryLogEntry;
import io.weft.protocol.discovery.DiscoveryLogPage;
import io.weft.protocol.nvme.Opcodes;
import java.io.IOException;

/**
 * Reads a discovery controller's log page (NVMe over Fabrics 1.1, "Discovery Log Page"): connect to
 * the well-known discovery NQN, read the header for the record count, read the whole page, and read
 * again if the generation counter moved meanwhile.
 */
public final class Discovery {
  private Discovery() {}

  private static final int MAX_ATTEMPTS = 5;

  /**
   * Reads the log of the discovery controller at {@code options}' address, connecting to the
   * well-known discovery NQN (the subsystem NQN in {@code options} is not used).
   */
  public static DiscoveryLogPage discover(ConnectOptions options) throws IOException {
    return discover(options, DiscoveryLogPage.DISCOVERY_NQN);
  }

  /**
   * Reads the log of the discovery controller at {@code options}' address, connecting to {@code
   * discoveryNqn}: the well-known discovery NQN or the controller's own unique one (TP8013), as an
   * mDNS advertisement names it.
   */
  public static DiscoveryLogPage discover(ConnectOptions options, String discoveryNqn)
      throws IOException {
    ConnectOptions o =
        options
            .withSubsystem(discoveryNqn)
            .withQueues(0, options.queueSize())
            .withTimeouts(0, 0, options.reconnectDelaySec(), -1);
    try (HostController c = HostController.connect(o)) {
      return readLog(c);
    }
  }

  /**
   * Reads the whole log from a connected discovery controller (a persistent one reads again after
   * each change notice): the header for the record count, then the page, again if the generation
   * counter moved meanwhile.
   */
  public static DiscoveryLogPage readLog(HostController c) throws IOException {
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      byte[] head = c.logPage(Opcodes.LOG_DISCOVERY, 0, DiscoveryLogPage.HEADER_SIZE);
      long generation = Unpooled.wrappedBuffer(head).getLongLE(DiscoveryLogPage.GENCTR);
      long records = Unpooled.wrappedBuffer(head).getLongLE(DiscoveryLogPage.NUMREC);
      if (records < 0 || records > 1024) {
        throw new IOException("discovery log claims " + records + " records");
      }
      int size = DiscoveryLogPage.HEADER_SIZE + (int) records * DiscoveryLogEntry.SIZE;
      byte[] all = c.logPage(Opcodes.LOG_DISCOVERY, 0, size);
      DiscoveryLogPage page = DiscoveryLogPage.decode(Unpooled.wrappedBuffer(all), 0, size);
      if (page.generation() == generation) {
        return page;
      }
    }
    throw new IOException("discovery log kept changing while being read");
  }
}
