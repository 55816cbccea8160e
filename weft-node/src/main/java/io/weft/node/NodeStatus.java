package io.weft.node;

import java.util.Map;

/**
 * A node as the cluster sees it: what it published, and whether it is up (its liveness key, held by
 * its lease, exists) or down (the lease expired or was revoked).
 */
public record NodeStatus(NodeInfo info, State state) {
  public enum State {
    UP,
    DOWN
  }

  /** Whether node {@code id} is up in {@code nodes} (by id); a node not there is not. */
  public static boolean isUp(Map<String, NodeStatus> nodes, String id) {
    NodeStatus s = nodes.get(id);
    return s != null && s.state() == State.UP;
  }
}
