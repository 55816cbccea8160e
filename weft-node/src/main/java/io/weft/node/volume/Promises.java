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

  /**
   * Below this share of its capacity free on disk, a node takes no new promise whatever its ratio
   * allows: thin volumes already promised there need that room to grow into.
   */
  public static final double FULL_DISK_SHARE = 0.05;

  /**
   * What a node has left for new volumes and growth: what its ratio lets it promise less what it
   * promised, and nothing while its disk (as last reported) is nearly full.
   */
  public long free(NodeStatus n) {
    long left = limit(n) - committed.getOrDefault(n.info().id(), 0L);
    Long disk = n.info().diskFreeBytes();
    if (disk != null && disk < FULL_DISK_SHARE * n.info().capacityBytes()) {
      return Math.min(left, 0);
    }
    return left;
  }

  /** The most a node may promise in all. */
  public long limit(NodeStatus n) {
    double ratio = overcommit.getOrDefault(n.info().pool(), 1.0);
    return (long) (n.info().capacityBytes() * ratio);
  }
}
