package io.weft.node;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.weft.node.volume.VolumeAgent;
import io.weft.node.volume.VolumeService;
import io.weft.node.volume.VolumeView;
import java.util.Map;

/**
 * A storage node's cluster metrics beside its target's: each volume's replicas by state, rebuild
 * progress, how far dropped replicas are behind (replication lag: with synchronous replication an
 * in-sync replica holds every acknowledged write, so lag is what an out-of-sync one is missing),
 * ownership generations, and the failovers this node carried out. Volume states come from the
 * store, so every node shows the whole cluster's view; lag and failovers are this node's own.
 */
final class NodeMetrics implements MultiCollector {
  private final VolumeService volumes;
  private final VolumeAgent agent;

  NodeMetrics(VolumeService volumes, VolumeAgent agent) {
    this.volumes = volumes;
    this.agent = agent;
  }

  @Override
  public MetricSnapshots collect() {
    GaugeSnapshot.Builder replicas =
        GaugeSnapshot.builder()
            .name("weft_volume_replicas")
            .help("Replicas of each volume by state: in_sync, rebuilding, out_of_sync");
    GaugeSnapshot.Builder progress =
        GaugeSnapshot.builder()
            .name("weft_rebuild_progress_ratio")
            .help("Share of a rebuilding replica's regions copied so far (0 to 1)");
    GaugeSnapshot.Builder generation =
        GaugeSnapshot.builder()
            .name("weft_volume_generation")
            .help("Ownership generation of each volume: it grows with every owner change");
    GaugeSnapshot.Builder behind =
        GaugeSnapshot.builder()
            .name("weft_replica_behind_bytes")
            .help(
                "Bytes written since this owner dropped a replica: what its rebuild has to copy"
                    + " (in-sync replicas are never behind)");
    CounterSnapshot.Builder failovers =
        CounterSnapshot.builder()
            .name("weft_failovers")
            .help("Volumes this node took over because their owner was down");
    try {
      for (VolumeService.Versioned v : volumes.list()) {
        String name = v.volume().name();
        Map<String, VolumeService.RebuildProgress> rebuilds = volumes.rebuilds(name);
        VolumeView view = VolumeView.of(v.volume(), rebuilds);
        long inSync = 0;
        long rebuilding = 0;
        long out = 0;
        for (VolumeView.Replica r : view.replicaStates()) {
          if (r.state().equals("in-sync")) {
            inSync++;
          } else if (r.state().startsWith("rebuilding")) {
            rebuilding++;
          } else {
            out++;
          }
        }
        gauge(replicas, inSync, "volume", name, "state", "in_sync");
        gauge(replicas, rebuilding, "volume", name, "state", "rebuilding");
        gauge(replicas, out, "volume", name, "state", "out_of_sync");
        gauge(generation, v.volume().generation(), "volume", name);
        for (Map.Entry<String, VolumeService.RebuildProgress> p : rebuilds.entrySet()) {
          VolumeService.RebuildProgress rp = p.getValue();
          if (rp.problem() == null && rp.totalRegions() > 0 && !v.volume().isInSync(p.getKey())) {
            gauge(
                progress,
                (double) rp.copiedRegions() / rp.totalRegions(),
                "volume",
                name,
                "replica",
                p.getKey());
          }
        }
      }
    } catch (RuntimeException storeDown) {
      // The store unreachable: the node's own figures still come out.
    }
    agent
        .replicasBehind()
        .forEach(
            (volume, nodes) ->
                nodes.forEach(
                    (node, bytes) -> gauge(behind, bytes, "volume", volume, "replica", node)));
    agent
        .failovers()
        .forEach(
            (volume, n) ->
                failovers.dataPoint(
                    CounterSnapshot.CounterDataPointSnapshot.builder()
                        .value(n)
                        .labels(Labels.of("volume", volume))
                        .build()));
    return MetricSnapshots.of(
        replicas.build(), progress.build(), generation.build(), behind.build(), failovers.build());
  }

  private static void gauge(GaugeSnapshot.Builder b, double value, String... labels) {
    b.dataPoint(
        GaugeSnapshot.GaugeDataPointSnapshot.builder()
            .value(value)
            .labels(Labels.of(labels))
            .build());
  }
}
