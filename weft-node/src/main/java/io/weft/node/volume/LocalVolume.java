package io.weft.node.volume;

import io.weft.block.BlockDevice;
import io.weft.tgt.qos.QosPolicy;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A volume this node holds a replica of, as the {@link VolumeAgent} last made it: the replica file,
 * what the target exports for it, and, on the owner, the replicated device it serves with. Changed
 * only on the agent's thread, except {@link #rebuilding} (rebuild threads end their entry).
 */
final class LocalVolume {
  VolumeRecord record;
  BlockDevice replica;
  RecentWrites recent;
  VolumeDevice device;
  ReplicatedDevice replicated;
  long servedGeneration;

  /** The size the owner's replicated device serves: every in-sync replica had it at the start. */
  long servedSize;

  /** Nodes whose rebuild runs, or backs off after a failure, and since when (ms). */
  final Map<String, Long> rebuilding = new ConcurrentHashMap<>();

  String allowedOwner;
  List<String> allowedHosts;
  List<String> readOnlyHosts = List.of();
  QosPolicy qos;
  int anaState = -1;
}
