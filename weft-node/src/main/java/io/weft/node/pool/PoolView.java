package io.weft.node.pool;

import java.util.List;

/**
 * A pool as the management API shows it: its nodes, their capacity, what the overcommit ratio lets
 * them promise, what is promised, what is left on the nodes that are up, and what their replica
 * files occupy on disk (as last reported).
 */
public record PoolView(
    String name,
    double overcommitRatio,
    List<String> nodes,
    long capacityBytes,
    long promisableBytes,
    long committedBytes,
    long freeBytes,
    long usedBytes) {}
