package io.weft.node.volume;

import io.weft.tgt.config.AccessPolicy;
import io.weft.tgt.config.SubsystemConfig;
import io.weft.tgt.config.TargetConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link AccessPolicy} for a node's volumes, which come from the cluster rather than the node's
 * configuration: at start, the volumes already placed on the node must each restrict their hosts
 * when a listener is beyond loopback; later, the node's API refuses to create a volume (or clear a
 * volume's hosts) that would let any host in.
 */
public final class VolumeAccess {
  private VolumeAccess() {}

  /** The host-facing subsystem a volume is exported as, as far as access control goes. */
  static SubsystemConfig subsystem(VolumeRecord v) {
    return new SubsystemConfig(v.nqn(), null, null, null, v.allowedHosts(), List.of());
  }

  /**
   * Why this node may not export {@code volumes} (those placed on it) as they are: one line per
   * volume any host could reach beyond loopback. None with the lab opt-out.
   */
  public static List<String> problems(TargetConfig node, List<VolumeRecord> volumes) {
    if (node.security().allowAnyHostBeyondLoopback()) {
      return List.of();
    }
    Map<String, String> names = new HashMap<>();
    volumes.forEach(v -> names.put(v.nqn(), v.name()));
    return AccessPolicy.hostProblems(
        node.listeners(),
        volumes.stream().map(VolumeAccess::subsystem).toList(),
        s -> "set its hosts (weft volume set-hosts " + names.get(s.nqn()) + " --allow-host NQN)");
  }

  /** Whether a volume created or changed through this node must name its hosts. */
  public static boolean hostsRequired(TargetConfig node) {
    return !node.security().allowAnyHostBeyondLoopback()
        && !AccessPolicy.hostProblems(
                node.listeners(),
                List.of(new SubsystemConfig("(a volume)", null, null, null, List.of(), List.of())),
                s -> "")
            .isEmpty();
  }
}
