package io.weft.node.pool;

/**
 * A pool's settings as the cluster store holds them ({@code pools/<name>}). A pool is the nodes
 * whose {@code pool} label names it (a node without one is in {@link #DEFAULT}); a volume is placed
 * within one pool.
 *
 * @param overcommitRatio how far beyond their capacity the pool's nodes may promise space to thin
 *     volumes: 1 promises no more than the disks hold, 3 three times as much (space is only used as
 *     volumes are written, so a pool of mostly empty volumes can take more of them)
 */
public record PoolRecord(String name, double overcommitRatio) {
  public static final String DEFAULT = "default";

  /** The settings of a pool nobody configured. */
  public static PoolRecord unconfigured(String name) {
    return new PoolRecord(name, 1.0);
  }
}
