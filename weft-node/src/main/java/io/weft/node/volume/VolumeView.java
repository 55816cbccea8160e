package io.weft.node.volume;

import java.util.ArrayList;
import java.util.List;

/** A volume as the management API and {@code weft volume} show it. */
public record VolumeView(
    String name,
    String nqn,
    String uuid,
    long sizeBytes,
    int blockSize,
    int replicas,
    String owner,
    long generation,
    String state,
    List<Replica> replicaStates,
    List<String> allowedHosts,
    boolean encrypted,
    List<String> readOnlyHosts,
    io.weft.tgt.qos.QosPolicy qos,
    String tenant,
    long servedBytes) {

  /** One replica: its node, and whether it holds every acknowledged write. */
  public record Replica(String node, boolean owner, String state) {}

  static VolumeView of(VolumeRecord r) {
    return of(r, java.util.Map.of());
  }

  /** A volume with its replicas' rebuilds as {@link VolumeService#rebuilds} reports them. */
  public static VolumeView of(
      VolumeRecord r, java.util.Map<String, VolumeService.RebuildProgress> rebuilds) {
    List<Replica> replicas = new ArrayList<>();
    for (String n : r.nodes()) {
      VolumeService.RebuildProgress p = rebuilds.get(n);
      String state;
      if (r.isInSync(n)) {
        state = "in-sync";
      } else if (p != null && p.underWay()) {
        state =
            "rebuilding "
                + p.percent()
                + "% ("
                + (p.full() ? "full copy" : "changed regions")
                + ")";
      } else if (p != null && p.problem() != null) {
        state = "out-of-sync: " + p.problem();
      } else {
        state = "out-of-sync";
      }
      replicas.add(new Replica(n, n.equals(r.owner()), state));
    }
    return new VolumeView(
        r.name(),
        r.nqn(),
        r.uuid(),
        r.sizeBytes(),
        r.blockSize(),
        r.replicas(),
        r.owner(),
        r.generation(),
        r.inSync().size() == r.nodes().size() ? "healthy" : "degraded",
        replicas,
        r.allowedHosts(),
        r.encrypted(),
        r.readOnlyHosts(),
        r.qos(),
        r.tenant(),
        r.servedBytes());
  }
}
