package io.weft.node.volume;

import io.weft.node.NodeException;
import io.weft.node.NodeStatus;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a new volume's replicas go: on distinct nodes that are up and have the capacity, spread
 * across zones before any zone gets a second replica, then across racks, then to the nodes with the
 * most room. The owner (the first replica, which serves hosts) may be pinned to the consumer's
 * zones: then it lands in the first of them with room, and in another zone only if the caller
 * allows that fallback. Refuses, saying why, when the request cannot be met.
 */
public final class Placement {
  private Placement() {}

  /**
   * @param nodes every node the cluster knows
   * @param replicas how many replicas
   * @param sizeBytes the volume's size (each replica's)
   * @param promises what each node promised already, and may promise
   * @param explicit nodes the user named ({@code --nodes}), in order (the first becomes owner), or
   *     empty to choose
   */
  public static List<String> place(
      List<NodeStatus> nodes,
      int replicas,
      long sizeBytes,
      Promises promises,
      List<String> explicit) {
    return place(nodes, replicas, sizeBytes, promises, explicit, List.of(), false);
  }

  /**
   * @param ownerZones the zones the owner may go to, most wanted first (the consumer's), or empty
   *     for any zone
   * @param zoneFallback when no node of {@code ownerZones} has room, place the owner elsewhere
   *     instead of refusing
   */
  public static List<String> place(
      List<NodeStatus> nodes,
      int replicas,
      long sizeBytes,
      Promises promises,
      List<String> explicit,
      List<String> ownerZones,
      boolean zoneFallback) {
    if (replicas < 1) {
      throw new NodeException("a volume needs at least 1 replica, not " + replicas);
    }
    Map<String, NodeStatus> byId = new HashMap<>();
    nodes.forEach(n -> byId.put(n.info().id(), n));
    if (!explicit.isEmpty()) {
      if (explicit.size() != replicas) {
        throw new NodeException(
            "--nodes names " + explicit.size() + " nodes for " + replicas + " replicas");
      }
      if (explicit.stream().distinct().count() != explicit.size()) {
        throw new NodeException("--nodes names a node twice: replicas need distinct nodes");
      }
      for (String id : explicit) {
        NodeStatus n = byId.get(id);
        if (n == null) {
          throw new NodeException("no node '" + id + "' in the cluster");
        }
        if (n.state() != NodeStatus.State.UP) {
          throw new NodeException("node '" + id + "' is down");
        }
        if (promises.free(n) < sizeBytes) {
          throw new NodeException("node '" + id + "' has too little free capacity");
        }
      }
      return List.copyOf(explicit);
    }
    List<NodeStatus> candidates = new ArrayList<>();
    for (NodeStatus n : nodes) {
      if (n.state() == NodeStatus.State.UP && promises.free(n) >= sizeBytes) {
        candidates.add(n);
      }
    }
    if (candidates.size() < replicas) {
      long up = nodes.stream().filter(n -> n.state() == NodeStatus.State.UP).count();
      throw new NoCapacityException(
          "cannot place "
              + replicas
              + " replicas on distinct nodes: "
              + up
              + " of "
              + nodes.size()
              + " nodes are up, "
              + candidates.size()
              + " of them with "
              + sizeBytes
              + " bytes free");
    }
    List<String> chosen = new ArrayList<>();
    Map<String, Integer> perZone = new HashMap<>();
    Map<String, Integer> perRack = new HashMap<>();
    NodeStatus owner = ownerIn(candidates, ownerZones, promises);
    if (owner == null && !ownerZones.isEmpty() && !zoneFallback) {
      throw new NoCapacityException(
          "no node in zone "
              + String.join(" or ", ownerZones)
              + " is up with "
              + sizeBytes
              + " bytes free for the volume's owner, and other zones are not allowed (set"
              + " zoneFallback to place it elsewhere)");
    }
    if (owner != null) {
      chosen.add(owner.info().id());
      perZone.merge(owner.info().zone(), 1, Integer::sum);
      perRack.merge(owner.info().zone() + "/" + owner.info().rack(), 1, Integer::sum);
    }
    while (chosen.size() < replicas) {
      NodeStatus best =
          candidates.stream()
              .filter(n -> !chosen.contains(n.info().id()))
              .min(
                  Comparator.<NodeStatus>comparingInt(n -> perZone.getOrDefault(n.info().zone(), 0))
                      .thenComparingInt(
                          n -> perRack.getOrDefault(n.info().zone() + "/" + n.info().rack(), 0))
                      .thenComparing(n -> -promises.free(n))
                      .thenComparing(n -> n.info().id()))
              .orElseThrow();
      chosen.add(best.info().id());
      perZone.merge(best.info().zone(), 1, Integer::sum);
      perRack.merge(best.info().zone() + "/" + best.info().rack(), 1, Integer::sum);
    }
    return chosen;
  }

  /** The best owner in the first of {@code zones} that has a candidate; null if none has. */
  private static NodeStatus ownerIn(
      List<NodeStatus> candidates, List<String> zones, Promises promises) {
    for (String zone : zones) {
      NodeStatus best =
          candidates.stream()
              .filter(n -> n.info().zone().equals(zone))
              .min(
                  Comparator.<NodeStatus>comparingLong(n -> -promises.free(n))
                      .thenComparing(n -> n.info().id()))
              .orElse(null);
      if (best != null) {
        return best;
      }
    }
    return null;
  }
}
