package io.weft.node.volume;

import io.weft.node.NodeException;

/**
 * A volume cannot be placed because the nodes that may hold it are down or lack the room: a
 * capacity problem (CSI's RESOURCE_EXHAUSTED), not a malformed request.
 */
public final class NoCapacityException extends NodeException {
  public NoCapacityException(String message) {
    super(message);
  }
}
