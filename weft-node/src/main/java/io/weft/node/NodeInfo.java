package io.weft.node;

import java.util.Map;

/**
 * What a node publishes about itself in the cluster store ({@code nodes/info/<id>}): where hosts
 * reach it ({@code nvmeAddress}, the advertised one behind NAT) and where other nodes do ({@code
 * peerAddress}, the bound one), where it stands (labels such as zone and rack, which placement
 * spreads replicas across), its capacity, and when it started and was last seen alive; and, as of
 * then, what its replica files occupy on disk ({@code usedBytes}) and what its data directory's
 * file system has free ({@code diskFreeBytes}, null while unknown).
 */
public record NodeInfo(
    String id,
    String uuid,
    String nvmeAddress,
    String peerAddress,
    String adminAddress,
    Map<String, String> labels,
    long capacityBytes,
    String version,
    long startedAtMillis,
    long lastSeenMillis,
    long usedBytes,
    Long diskFreeBytes) {

  /** What a node measures of its disk at each heartbeat. */
  public record Usage(long usedBytes, long diskFreeBytes) {}

  public static final String ZONE = "zone";
  public static final String RACK = "rack";

  /** The label naming the node's pool; a node without one is in the default pool. */
  public static final String POOL = "pool";

  public NodeInfo {
    labels = Map.copyOf(labels);
  }

  public String zone() {
    return labels.getOrDefault(ZONE, "");
  }

  public String rack() {
    return labels.getOrDefault(RACK, "");
  }

  public String pool() {
    return labels.getOrDefault(POOL, io.weft.node.pool.PoolRecord.DEFAULT);
  }

  /** Seen alive at {@code millis}, with its disk as {@code usage} says (null: as it was). */
  NodeInfo seenAt(long millis, Usage usage) {
    return new NodeInfo(
        id,
        uuid,
        nvmeAddress,
        peerAddress,
        adminAddress,
        labels,
        capacityBytes,
        version,
        startedAtMillis,
        millis,
        usage == null ? usedBytes : usage.usedBytes(),
        usage == null ? diskFreeBytes : Long.valueOf(usage.diskFreeBytes()));
  }

  /** A host and port as the addresses above write them ({@code HOST:PORT}, IPv6 in brackets). */
  public record Address(String host, int port) {
    public static Address parse(String hostPort) {
      int colon = hostPort.lastIndexOf(':');
      String host = hostPort.substring(0, colon).replace("[", "").replace("]", "");
      return new Address(host, Integer.parseInt(hostPort.substring(colon + 1)));
    }
  }
}
