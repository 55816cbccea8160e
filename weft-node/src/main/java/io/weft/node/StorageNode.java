package io.weft.node;

import io.weft.node.discovery.ClusterDiscovery;
import io.weft.node.discovery.DiscoveryResource;
import io.weft.node.pool.PoolsResource;
import io.weft.node.snapshot.SnapshotsResource;
import io.weft.node.tenant.TenantsResource;
import io.weft.node.volume.ReplicaLinkKeys;
import io.weft.node.volume.VolumeAccess;
import io.weft.node.volume.VolumeAgent;
import io.weft.node.volume.VolumeRecord;
import io.weft.node.volume.VolumeService;
import io.weft.node.volume.VolumesResource;
import io.weft.protocol.tls.ClientTls;
import io.weft.protocol.tls.TlsMode;
import io.weft.store.ClusterStore;
import io.weft.store.ClusterStores;
import io.weft.store.EtcdAccess;
import io.weft.tgt.Target;
import io.weft.tgt.config.AccessPolicy;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.TargetConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One storage node: the target (NVMe/TCP listeners and management API, as {@code weft target}),
 * plus an identity in its data directory, a registration and lease in the cluster store, and the
 * cluster view on its management API. Replicated volumes and ANA build on this.
 */
public final class StorageNode implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StorageNode.class);

  /** How long a node may go silent before the cluster considers it down. */
  public static final Duration DEFAULT_LEASE_TTL = Duration.ofSeconds(10);

  /**
   * @param id the node id ({@code --id})
   * @param labels placement labels: at least zone, optionally rack
   * @param capacityBytes what the node offers for volumes; 0: the data directory's usable space
   * @param storeSpec {@code null} for the embedded store, else {@code etcd://HOST:PORT,...}
   * @param leaseTtl liveness lease
   * @param target the target's configuration (listeners, admin API, data directory, tuning)
   * @param storeAccess how the node authenticates to etcd (unused for the embedded store)
   * @param replicaLinks how owners and replicas authenticate each other (the cluster secret)
   */
  public record Config(
      String id,
      Map<String, String> labels,
      long capacityBytes,
      String storeSpec,
      Duration leaseTtl,
      TargetConfig target,
      EtcdAccess storeAccess,
      ReplicaLinkKeys replicaLinks) {

    public Config {
      if (storeAccess == null) {
        storeAccess = EtcdAccess.none();
      }
      if (replicaLinks == null) {
        replicaLinks = ReplicaLinkKeys.none();
      }
    }

    /** A node whose replica links are restricted by host NQN only (no cluster secret). */
    public Config(
        String id,
        Map<String, String> labels,
        long capacityBytes,
        String storeSpec,
        Duration leaseTtl,
        TargetConfig target,
        EtcdAccess storeAccess) {
      this(id, labels, capacityBytes, storeSpec, leaseTtl, target, storeAccess, null);
    }

    /** A node that reaches its store with no credentials (embedded, or an open etcd). */
    public Config(
        String id,
        Map<String, String> labels,
        long capacityBytes,
        String storeSpec,
        Duration leaseTtl,
        TargetConfig target) {
      this(id, labels, capacityBytes, storeSpec, leaseTtl, target, EtcdAccess.none(), null);
    }
  }

  private final NodeIdentity identity;
  private final ClusterStore store;
  private final boolean ownsStore;
  private final NodeRegistry registry;
  private final Target target;
  private final VolumeAgent volumes;

  /** The discovery service this node runs, if {@link #startDiscovery} started one. */
  private final AtomicReference<ClusterDiscovery> discovery;

  private StorageNode(
      NodeIdentity identity,
      ClusterStore store,
      boolean ownsStore,
      NodeRegistry registry,
      Target target,
      VolumeAgent volumes,
      AtomicReference<ClusterDiscovery> discovery) {
    this.discovery = discovery;
    this.identity = identity;
    this.store = store;
    this.ownsStore = ownsStore;
    this.registry = registry;
    this.target = target;
    this.volumes = volumes;
  }

  /** Starts a node with the store its configuration names. */
  /**
   * How this node's links to replicas are encrypted. Other nodes dial a node's first listener for
   * replication: when it takes certificate TLS, every node of the cluster does (one setting for the
   * cluster), and a node dials with its own certificate, key and CA, so both ends check each other
   * against the cluster's CA. A PSK listener cannot carry replication: its identities name hosts
   * and subsystems, not nodes.
   */
  static ClientTls replicationTls(TargetConfig tc) {
    ListenerConfig first = tc.listeners().get(0);
    return switch (first.tls()) {
      case NONE -> ClientTls.NONE;
      case CERT -> ClientTls.cert(first.credentials().certs());
      case PSK ->
          throw new IllegalArgumentException(
              "a node's first listener carries replication between nodes, which takes certificate"
                  + " TLS (tls=cert) or none, not tls=psk: list a cert or plain listener first");
    };
  }

  public static StorageNode start(Config config) throws IOException {
    return start(config, null);
  }

  /**
   * Starts a node; with a non-null {@code sharedStore} it uses that one (several nodes of one test
   * JVM on one store) and leaves it open on close.
   */
  public static StorageNode start(Config config, ClusterStore sharedStore) throws IOException {
    TargetConfig tc = config.target();
    ClientTls linkTls = replicationTls(tc);
    if (!config.replicaLinks().enabled()
        && linkTls.mode() == TlsMode.NONE
        && tc.listeners().stream()
            .anyMatch(l -> !io.weft.tgt.config.AccessPolicy.isLoopback(l.host()))) {
      log.warn(
          "replica links to and from node {} are restricted by host NQN only: give every node the"
              + " same --cluster-secret to authenticate them",
          config.id());
    }
    NodeIdentity identity = NodeIdentity.open(tc.dataDir(), config.id());
    ClusterStore store = null;
    Target target = null;
    NodeRegistry registry = null;
    AtomicReference<ClusterDiscovery> cdc = new AtomicReference<>();
    try {
      store =
          sharedStore != null
              ? sharedStore
              : ClusterStores.open(config.storeSpec(), tc.dataDir(), config.storeAccess());
      registry = new NodeRegistry(store, config.leaseTtl());
      refuseOpenVolumes(tc, identity.id(), new VolumeService(store, registry));
      VolumeService volumeService =
          new VolumeService(store, registry, VolumeAccess.hostsRequired(tc));
      target =
          Target.start(
              tc,
              List.of(
                  new NodesResource(registry),
                  new VolumesResource(volumeService),
                  new TenantsResource(volumeService),
                  new PoolsResource(volumeService),
                  new SnapshotsResource(volumeService),
                  new DiscoveryResource(
                      store,
                      registry,
                      () -> {
                        ClusterDiscovery d = cdc.get();
                        return d == null ? java.util.Map.of() : d.foreignHealth();
                      })));
      long capacity =
          config.capacityBytes() > 0
              ? config.capacityBytes()
              : Files.getFileStore(tc.dataDir()).getUsableSpace();
      NodeInfo info =
          new NodeInfo(
              identity.id(),
              identity.uuid().toString(),
              nvmeAddress(tc, target),
              peerAddress(tc, target),
              hostPort(target.adminAddress()),
              config.labels(),
              capacity,
              io.weft.tgt.core.Version.FIRMWARE,
              System.currentTimeMillis(),
              0,
              0,
              null);
      String id = identity.id();
      VolumeAgent[] agent = new VolumeAgent[1];
      java.nio.file.FileStore disk = Files.getFileStore(tc.dataDir());
      registry.reportUsage(
          () -> {
            try {
              VolumeAgent a = agent[0];
              return new NodeInfo.Usage(a == null ? 0 : a.usedBytes(), disk.getUsableSpace());
            } catch (IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          });
      registry.join(
          info,
          () -> {
            log.error(
                "node {} lost its lease: the cluster considers it down; it stops acknowledging"
                    + " writes for the volumes it owned",
                id);
            if (agent[0] != null) {
              agent[0].leaseLost();
            }
          },
          () -> {
            if (agent[0] != null) {
              agent[0].leaseRegained();
            }
          });
      agent[0] =
          new VolumeAgent(
              id, tc.dataDir(), target, store, registry, config.replicaLinks(), linkTls);
      target.metrics().register(new NodeMetrics(volumeService, agent[0]));

      return new StorageNode(identity, store, sharedStore == null, registry, target, agent[0], cdc);
    } catch (IOException | RuntimeException e) {
      if (registry != null) {
        registry.close();
      }
      if (target != null) {
        target.close();
      }
      if (store != null && sharedStore == null) {
        store.close();
      }
      identity.close();
      throw e;
    }
  }

  /**
   * Before anything binds: the volumes already placed on this node become its subsystems, so each
   * must restrict its hosts if a listener is beyond loopback.
   */
  private static void refuseOpenVolumes(TargetConfig tc, String id, VolumeService volumes)
      throws AccessPolicy.Refused {
    List<VolumeRecord> placed =
        volumes.list().stream()
            .map(VolumeService.Versioned::volume)
            .filter(v -> v.nodes().contains(id))
            .toList();
    List<String> problems = VolumeAccess.problems(tc, placed);
    if (!problems.isEmpty()) {
      throw new AccessPolicy.Refused(problems);
    }
  }

  /** What hosts dial: the first listener's advertised address, else the bound one. */
  private static String nvmeAddress(TargetConfig tc, Target target) {
    ListenerConfig first = tc.listeners().get(0);
    InetSocketAddress bound = target.listenAddresses().get(0);
    if (first.advertiseHost() != null) {
      int port = first.advertisePort() == 0 ? bound.getPort() : first.advertisePort();
      return first.advertiseHost() + ":" + port;
    }
    return hostPort(bound);
  }

  /**
   * What other nodes dial for replication: the bound address; for a wildcard bind, the advertised
   * host, else this machine's address.
   */
  private static String peerAddress(TargetConfig tc, Target target) throws IOException {
    InetSocketAddress bound = target.listenAddresses().get(0);
    if (!bound.getAddress().isAnyLocalAddress()) {
      return hostPort(bound);
    }
    ListenerConfig first = tc.listeners().get(0);
    String host =
        first.advertiseHost() != null
            ? first.advertiseHost()
            : java.net.InetAddress.getLocalHost().getHostAddress();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + bound.getPort();
  }

  private static String hostPort(InetSocketAddress a) {
    if (a == null) {
      return "";
    }
    String host = a.getAddress().getHostAddress();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
  }

  public String id() {
    return identity.id();
  }

  public Target target() {
    return target;
  }

  public NodeRegistry registry() {
    return registry;
  }

  public ClusterStore store() {
    return store;
  }

  /**
   * Runs the cluster's discovery service in this node, on {@code listen}, until the node stops.
   *
   * @param healthWindow how long a registered foreign target may not answer before it leaves the
   *     logs
   */
  public synchronized ClusterDiscovery startDiscovery(ListenerConfig listen, Duration healthWindow)
      throws IOException {
    if (discovery.get() != null) {
      throw new IllegalStateException("this node runs a discovery service already");
    }
    ClusterDiscovery d =
        ClusterDiscovery.start(
            store,
            registry,
            listen,
            target.config().dataDir().resolve("discovery"),
            null,
            target.config().tuning(),
            healthWindow);
    discovery.set(d);
    return d;
  }

  private void stopDiscovery() {
    ClusterDiscovery d = discovery.getAndSet(null);
    if (d != null) {
      d.close();
    }
  }

  /**
   * Stops as kill -9 would, as far as the cluster can tell: connections drop, nothing is revoked,
   * and the lease expires one TTL later. For tests of failover inside one JVM.
   */
  public void crash() {
    stopDiscovery();
    registry.abandon();
    volumes.close();
    target.close();
    if (ownsStore) {
      store.close();
    }
    identity.close();
  }

  /** Leaves the cluster (lease revoked: down at once), stops the target, closes the store. */
  @Override
  public void close() {
    try {
      stopDiscovery();
      volumes.close();
      registry.close();
    } finally {
      target.close();
      if (ownsStore) {
        store.close();
      }
      identity.close();
    }
  }
}
