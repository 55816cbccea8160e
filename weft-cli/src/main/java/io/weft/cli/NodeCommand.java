package io.weft.cli;

import io.weft.csi.CsiDriver;
import io.weft.csi.CsiEndpoint;
import io.weft.node.NodeInfo;
import io.weft.node.StorageNode;
import io.weft.node.discovery.ClusterDiscovery;
import io.weft.node.volume.ReplicaLinkKeys;
import io.weft.store.EtcdAccess;
import io.weft.tgt.Target;
import io.weft.tgt.config.SecretSource;
import io.weft.tgt.config.TargetConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code weft node}: a storage node of a cluster. Everything {@code weft target} does (the same
 * flags), plus an identity, placement labels and a registration in the cluster store: embedded in
 * the data directory unless {@code --store etcd://...} names an etcd cluster. Unlike {@code weft
 * target} it exports no subsystem by default: a node's volumes come from the cluster.
 */
@Command(
    name = "node",
    sortOptions = false,
    usageHelpAutoWidth = true,
    mixinStandardHelpOptions = true,
    description = {
      "Run a storage node of a Weft cluster until SIGTERM or Ctrl-C.",
      "",
      "It serves NVMe/TCP and the admin API like 'weft target' (same flags), joins",
      "the cluster store with a lease, and serves the cluster view ('weft nodes').",
      "Without --store the store is embedded in the data dir (one node); a cluster of",
      "several nodes shares an etcd cluster: --store etcd://HOST:PORT[,HOST:PORT...].",
      ""
    })
final class NodeCommand extends TargetCommand {
  @Option(
      names = "--id",
      required = true,
      paramLabel = "ID",
      description = "Node id, unique in the cluster (letters, digits, . _ -).")
  String id;

  @Option(
      names = "--zone",
      paramLabel = "ZONE",
      description = "Zone label (placement spreads replicas across zones).")
  String zone;

  @Option(names = "--rack", paramLabel = "RACK", description = "Rack label.")
  String rack;

  @Option(
      names = "--pool",
      paramLabel = "POOL",
      description = "The pool this node's capacity belongs to (weft pool). Default: default.")
  String pool;

  @Option(
      names = "--label",
      paramLabel = "KEY=VALUE",
      description = "Another placement label; repeatable.")
  Map<String, String> labels = new LinkedHashMap<>();

  @Option(
      names = "--store",
      paramLabel = "etcd://HOST:PORT[,...]",
      description = "Cluster store. Default: embedded in the data dir.")
  String store;

  @Option(
      names = "--capacity",
      paramLabel = "SIZE",
      converter = SizeConverter.class,
      description = "Capacity offered for volumes. Default: the data dir's free space.")
  Long capacity;

  @Option(
      names = "--discovery",
      paramLabel = "HOST:PORT",
      description =
          "Also run the cluster's discovery service in this node, on HOST:PORT (NVMe/TCP"
              + " discovery usually listens on 8009).")
  String discovery;

  @Mixin StoreAccessOptions storeAccess;

  /** What the --store-* flags ask for, read (the password too) before anything starts. */
  private EtcdAccess etcdAccess;

  @Mixin MdnsAdvertiseOptions mdns;

  @Option(
      names = "--cluster-secret",
      paramLabel = "@FILE|env:VAR",
      description = {
        "A secret every node of the cluster is given: the links from a volume's owner to its",
        "replicas then authenticate both ways with DH-HMAC-CHAP keys derived from it."
      })
  String clusterSecret;

  /** The replica links' keys, from --cluster-secret, read before anything starts. */
  private ReplicaLinkKeys replicaLinks = ReplicaLinkKeys.none();

  @Option(
      names = "--csi-endpoint",
      paramLabel = "unix:///PATH",
      description = {
        "Also serve the Kubernetes CSI driver's controller on this unix socket, over this",
        "node's cluster store (with the embedded store, the one way to reach it)."
      })
  String csiEndpoint;

  @Option(
      names = "--csi-node-id",
      paramLabel = "HOST-NQN",
      description = {
        "With --csi-endpoint, also serve the CSI Node service for this machine as a consumer",
        "(its host NQN, e.g. from /etc/nvme/hostnqn): one machine, storage and consumer."
      })
  String csiNodeId;

  @Option(
      names = "--lease-ttl",
      paramLabel = "SECONDS",
      description = "Seconds without renewal before the cluster marks this node down. Default 10.")
  Integer leaseTtl;

  @Override
  TargetConfig defaults(Path workingDir) {
    TargetConfig d = super.defaults(workingDir);
    return new TargetConfig(d.dataDir(), d.listeners(), List.of(), d.adminListen(), d.tuning());
  }

  @Override
  void checkCommandFlags() {
    etcdAccess = storeAccess.access(System::getenv);
    if (clusterSecret != null) {
      try {
        replicaLinks =
            ReplicaLinkKeys.fromSecret(
                SecretSource.read(clusterSecret, "cluster secret", System::getenv));
      } catch (IOException | IllegalArgumentException e) {
        throw usage("--cluster-secret: " + e.getMessage());
      }
    }
    mdns.check(spec);
    if (csiNodeId != null && csiEndpoint == null) {
      throw usage("--csi-node-id goes with --csi-endpoint");
    }
    if (mdns.enabled && discovery == null) {
      throw usage("--mdns advertises the discovery service: it goes with --discovery");
    }
  }

  @Override
  boolean requiresSubsystem() {
    return false;
  }

  @Override
  Served serve(TargetConfig config) throws IOException {
    if (leaseTtl != null && (leaseTtl < 1 || leaseTtl > 3600)) {
      throw usage("--lease-ttl must be from 1 to 3600 seconds, not " + leaseTtl);
    }
    if (config.listeners().get(0).tls() == io.weft.protocol.tls.TlsMode.PSK) {
      // Other nodes dial the first listener for replication, with their node certificates.
      throw usage(
          "a node's first --listen carries replication between nodes, which takes tls=cert (with"
              + " --tls-cert, --tls-private-key and --tls-ca, the same CA on every node) or no"
              + " TLS, not tls=psk: list that listener first and the PSK one after it");
    }
    Map<String, String> all = new LinkedHashMap<>(labels);
    if (zone != null) {
      all.put("zone", zone);
    }
    if (rack != null) {
      all.put("rack", rack);
    }
    if (pool != null) {
      all.put(NodeInfo.POOL, pool);
    }
    StorageNode node =
        StorageNode.start(
            new StorageNode.Config(
                id,
                all,
                capacity != null ? capacity : 0,
                store,
                leaseTtl != null ? Duration.ofSeconds(leaseTtl) : StorageNode.DEFAULT_LEASE_TTL,
                config,
                etcdAccess,
                replicaLinks));
    String storeText = store != null ? store : "embedded in " + config.dataDir().resolve("cluster");
    ClusterDiscovery cdc;
    CsiDriver csi;
    try {
      cdc =
          discovery == null
              ? null
              : DiscoveryCommand.start(discovery, node, java.time.Duration.ofSeconds(5), mdns);
      csi =
          csiEndpoint == null
              ? null
              : CsiDriver.start(
                  node.store(),
                  new CsiDriver.Config(
                      CsiEndpoint.parse(csiEndpoint), true, csiNodeId, zone == null ? "" : zone));
    } catch (IOException | RuntimeException e) {
      node.close();
      throw e;
    }
    return new Served() {
      @Override
      public Target target() {
        return node.target();
      }

      @Override
      public void close() {
        if (csi != null) {
          csi.close();
        }
        node.close(); // and the discovery service it runs
      }

      @Override
      public List<String> bannerLines() {
        List<String> lines = new java.util.ArrayList<>();
        lines.add("node        " + node.id() + (all.isEmpty() ? "" : " " + all));
        lines.add("store       " + storeText);
        if (cdc != null) {
          lines.add("discovery   " + HostPort.of(cdc.address()) + " (" + cdc.nqn() + ")");
          cdc.mdns().ifPresent(m -> lines.add("mdns        " + m.describe()));
        }
        if (csi != null) {
          lines.add(
              "csi         "
                  + csi.endpoint()
                  + " (controller"
                  + (csiNodeId == null ? "" : ", node " + csiNodeId)
                  + ")");
        }
        return lines;
      }
    };
  }
}
