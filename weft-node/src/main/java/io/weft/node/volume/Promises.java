package io.weft.node.volume;

import io.weft.node.NodeStatus;
import java.util.Map;

/**
 * What placement may still promise on each node: its capacity times its pool's overcommit ratio,
 * less what volumes were promised already (each volume's full size on each of its replicas' nodes,
 * written or not: thin volumes grow into what was promised).
 *
 * @param committed bytes promised per node
 * @param overcommit the overcommit ratio per pool; a pool not named here has 1
 */
public record Promises(Map<String, Long> committed, Map<String, Double> overcommit) {

  /** What a node has left for new volumes and growth. */
  public long free(NodeStatus n) {
    return limit(n) - committed.getOrDefault(n.info().id(), 0L);
  }

  /** The most a node may promise in all. */
  public long limit(NodeStatus n) {
    double ratio = overcommit.getOrDefault(n.info().pool(), 1.0);
    return (long) (n.info().capacityBytes() * ratio);
  }
}
