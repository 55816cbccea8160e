package io.weft.node;

/**
 * A node as the cluster sees it: what it published, and whether it is up (its liveness key, held by
 * its lease, exists) or down (the lease expired or was revoked).
 */
public record NodeStatus(NodeInfo info, State state) {
  public enum State {
    UP,
    DOWN
  }
}
