package io.weft.node;

import java.time.Instant;
import java.util.Locale;
import java.util.Map;

/** One node as the management API shows it ({@code GET /v1/nodes}, {@code weft nodes}). */
public record NodeView(
    String id,
    String address,
    String adminAddress,
    String zone,
    String rack,
    Map<String, String> labels,
    String state,
    long capacityBytes,
    String lastSeen,
    String startedAt,
    String version,
    long usedBytes,
    Long diskFreeBytes) {
  static NodeView of(NodeStatus s) {
    NodeInfo i = s.info();
    return new NodeView(
        i.id(),
        i.nvmeAddress(),
        i.adminAddress(),
        i.zone(),
        i.rack(),
        i.labels(),
        s.state().name().toLowerCase(Locale.ROOT),
        i.capacityBytes(),
        Instant.ofEpochMilli(i.lastSeenMillis()).toString(),
        Instant.ofEpochMilli(i.startedAtMillis()).toString(),
        i.version(),
        i.usedBytes(),
        i.diskFreeBytes());
  }
}
