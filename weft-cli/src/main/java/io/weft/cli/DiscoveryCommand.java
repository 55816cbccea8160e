package io.weft.cli;

import io.weft.node.NodeRegistry;
import io.weft.node.StorageNode;
import io.weft.node.discovery.ClusterDiscovery;
import io.weft.node.discovery.MdnsAdvertiser;
import io.weft.store.ClusterStore;
import io.weft.store.ClusterStores;
import io.weft.store.EtcdAccess;
import io.weft.tgt.Target;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.TargetConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code weft discovery}: the cluster's centralized discovery service on its own. Each host's log
 * lists the volumes it may use, with a path through every node that holds a replica and is up;
 * hosts that keep a persistent discovery connection hear of changes to their log (the
 * discovery-log-change notice). It reads the cluster store and holds no lease: start as many as you
 * like on the same store.
 */
@Command(
    name = "discovery",
    subcommands = {
      DiscoveryTargetCommands.Register.class,
      DiscoveryTargetCommands.Deregister.class,
      DiscoveryTargetCommands.ListTargets.class
    },
    sortOptions = false,
    usageHelpAutoWidth = true,
    mixinStandardHelpOptions = true,
    description = {
      "Run the cluster's discovery service until SIGTERM or Ctrl-C.",
      "",
      "Hosts run 'nvme discover -t tcp -a HOST -s 8009' against it. --listen sets where",
      "it answers (default 127.0.0.1:8009); the cluster comes from --store (etcd://...),",
      "or the store embedded in the data dir when no node process holds it.",
      "--admin HOST:PORT serves its management API (off by default, so it never takes",
      "a node's port). 'weft discovery register|",
      "deregister|list' manage foreign targets and referrals and list every entry with",
      "its source and health, through any node's admin API or this one's. Hosts may",
      "register themselves with 'nvme dim' (Discovery Information Management).",
      "--mdns advertises the service over mDNS (TP8009): hosts on the link find it",
      "with 'weft discover --mdns' or nvme-stas.",
      ""
    })
final class DiscoveryCommand extends TargetCommand {
  static final int DEFAULT_PORT = 8009;

  @Option(
      names = "--store",
      paramLabel = "etcd://HOST:PORT[,...]",
      description = "Cluster store. Default: embedded in the data dir.")
  String store;

  @Option(
      names = "--discovery-nqn",
      paramLabel = "NQN",
      description = "This service's own discovery NQN. Default: derived from its address.")
  String discoveryNqn;

  @Option(
      names = "--health-window",
      paramLabel = "SECONDS",
      description =
          "How long a registered target may not answer before hosts stop seeing it. Default 5.")
  int healthWindow = 5;

  @Option(
      names = "--dim-subsystems",
      description = {
        "Take the subsystems discovery controllers register with Discovery Information",
        "Management (off: only operators register subsystems; hosts register themselves)."
      })
  boolean dimSubsystems;

  @Mixin StoreAccessOptions storeAccess;

  /** What the --store-* flags ask for, read (the password too) before anything starts. */
  private EtcdAccess etcdAccess;

  @Mixin MdnsAdvertiseOptions mdns;

  @Override
  TargetConfig defaults(Path workingDir) {
    TargetConfig d = super.defaults(workingDir);
    return new TargetConfig(
        d.dataDir(),
        List.of(ListenerConfig.of("127.0.0.1", DEFAULT_PORT)),
        List.of(),
        null, // a management API only when --admin asks for one
        d.tuning());
  }

  @Override
  void checkCommandFlags() {
    etcdAccess = storeAccess.access(System::getenv);
    mdns.check(spec);
  }

  @Override
  boolean requiresSubsystem() {
    return false;
  }

  @Override
  Served serve(TargetConfig config) throws IOException {
    if (!config.subsystems().isEmpty()) {
      throw usage("a discovery service exports no subsystem: drop --file/--memory/--nqn");
    }
    ClusterStore s = ClusterStores.open(store, config.dataDir(), etcdAccess);
    ClusterDiscovery cdc;
    try {
      NodeRegistry registry = new NodeRegistry(s, StorageNode.DEFAULT_LEASE_TTL);
      cdc =
          ClusterDiscovery.start(
              s,
              registry,
              config.listeners().get(0),
              config.dataDir().resolve("discovery"),
              discoveryNqn,
              config.tuning(),
              java.time.Duration.ofSeconds(healthWindow),
              config.adminListen(),
              config.security());
      cdc.registrations().acceptSubsystems(dimSubsystems);
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
    MdnsAdvertiser advertised;
    try {
      advertised = mdns.advertise(cdc);
    } catch (IOException | RuntimeException e) {
      cdc.close();
      s.close();
      throw e;
    }
    return new Served() {
      @Override
      public Target target() {
        return cdc.target();
      }

      @Override
      public void close() {
        cdc.close();
        s.close();
      }

      @Override
      public List<String> bannerLines() {
        List<String> lines = new java.util.ArrayList<>();
        lines.add("discovery   " + cdc.nqn());
        lines.add("store       " + (store != null ? store : "embedded in " + config.dataDir()));
        if (advertised != null) {
          lines.add("mdns        " + advertised.describe());
        }
        return lines;
      }
    };
  }

  /**
   * The discovery service inside a storage node ({@code weft node --discovery HOST:PORT}),
   * advertised over mDNS when {@code mdns} asks for it.
   */
  static ClusterDiscovery start(
      String listen, StorageNode node, java.time.Duration window, MdnsAdvertiseOptions mdns)
      throws IOException {
    HostPort at = HostPort.parse(listen, "--discovery");
    ClusterDiscovery cdc = node.startDiscovery(ListenerConfig.of(at.host(), at.port()), window);
    mdns.advertise(cdc); // the node closes the service, and the service its advertisement
    return cdc;
  }
}
