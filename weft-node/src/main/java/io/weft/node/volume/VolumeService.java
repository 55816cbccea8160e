package io.weft.node.volume;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.node.NodeException;
import io.weft.node.NodeRegistry;
import io.weft.node.NodeStatus;
import io.weft.node.pool.PoolRecord;
import io.weft.node.pool.PoolService;
import io.weft.node.pool.PoolView;
import io.weft.node.snapshot.SnapshotRecord;
import io.weft.node.snapshot.SnapshotService;
import io.weft.node.tenant.TenantRecord;
import io.weft.node.tenant.TenantService;
import io.weft.store.ClusterStore;
import io.weft.store.Compare;
import io.weft.store.KeyValue;
import io.weft.store.Op;
import io.weft.tgt.qos.QosPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Volumes in the cluster store: create (placed by {@link Placement}), list, delete, and every
 * change of owner or in-sync set, each a compare-and-set on the volume's revision so that two nodes
 * can never both believe they own a volume.
 */
public final class VolumeService {

  public static final String PREFIX = "volumes/";

  /** Moved by every create: a create commits only on the promises it counted (see create). */
  static final String PLACEMENT = "placement/last";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");

  /** Each replica's node takes its own range of controller IDs below 0xFFEF. */
  static final int MAX_REPLICAS = 15;

  private final ClusterStore store;
  private final NodeRegistry nodes;
  private final boolean hostsRequired;
  private final TenantService tenants;
  private final PoolService pools;
  private final SnapshotService snapshots;

  public VolumeService(ClusterStore store, NodeRegistry nodes) {
    this(store, nodes, false);
  }

  /**
   * @param hostsRequired refuse volumes that let any host connect (the node serving this API
   *     listens beyond loopback: {@link VolumeAccess#hostsRequired})
   */
  public VolumeService(ClusterStore store, NodeRegistry nodes, boolean hostsRequired) {
    this.store = store;
    this.nodes = nodes;
    this.hostsRequired = hostsRequired;
    this.tenants = new TenantService(store);
    this.pools = new PoolService(store);
    this.snapshots = new SnapshotService(store);
  }

  public SnapshotService snapshots() {
    return snapshots;
  }

  /**
   * Asks for a snapshot of a volume: its owner stops writes for a moment, every in-sync replica's
   * node makes an instant copy of its replica, and the owner marks it ready ({@link
   * SnapshotRecord}). Returns at once; {@link #awaitSnapshot} waits for the outcome.
   */
  public SnapshotRecord createSnapshot(String volume, String name) {
    VolumeRecord v = require(volume).volume();
    if (v.encrypted()) {
      throw new NodeException("snapshots of volumes encrypted at rest are not served yet");
    }
    return snapshots.create(name, volume, v.sizeBytes(), v.blockSize(), v.inSync(), v.generation());
  }

  /** Waits until a snapshot is ready or failed, for at most {@code limit}; the record then. */
  public SnapshotRecord awaitSnapshot(String name, java.time.Duration limit)
      throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (true) {
      SnapshotRecord s =
          snapshots
              .get(name)
              .orElseThrow(() -> new NodeException("no snapshot '" + name + "'"))
              .snapshot();
      if (s.state() == SnapshotRecord.State.READY
          || s.state() == SnapshotRecord.State.FAILED
          || System.nanoTime() > deadline) {
        return s;
      }
      Thread.sleep(20);
    }
  }

  /**
   * Deletes a snapshot: every node removes its copy. Clones made from it are copies of their own
   * (extents the file system shares are its to count), so they live on.
   */
  public void deleteSnapshot(String name) {
    if (snapshots.get(name).isEmpty()) {
      throw new NodeException("no snapshot '" + name + "'");
    }
    snapshots.delete(name);
  }

  private SnapshotRecord readySnapshot(String name) {
    SnapshotRecord s =
        snapshots
            .get(name)
            .orElseThrow(() -> new NodeException("no snapshot '" + name + "'"))
            .snapshot();
    if (s.state() != SnapshotRecord.State.READY) {
      throw new NodeException(
          "snapshot '"
              + name
              + "' is "
              + s.state().name().toLowerCase(java.util.Locale.ROOT)
              + ", not ready");
    }
    return s;
  }

  /** What every node has promised, and may promise under its pool's overcommit ratio. */
  public Promises promises() {
    Map<String, Double> ratios = new HashMap<>();
    pools.configured().forEach((name, p) -> ratios.put(name, p.overcommitRatio()));
    return new Promises(committedBytes(), ratios);
  }

  /**
   * Sets a pool's overcommit ratio. It moves the key every placement compares, so no volume is
   * placed by a ratio that changed meanwhile. A lower ratio than the pool's promises need takes
   * nothing away: the pool only takes no new volume until its promises fit again.
   */
  public PoolRecord setPool(String name, double overcommitRatio) {
    store.txn(
        List.of(),
        List.of(PoolService.put(name, overcommitRatio), Op.put(PLACEMENT, "pool:" + name)),
        List.of());
    return new PoolRecord(name, overcommitRatio);
  }

  /** Every pool a node names or someone configured, with its capacity and promises. */
  public List<PoolView> pools() {
    Map<String, PoolRecord> configured = pools.configured();
    Promises promises = promises();
    java.util.TreeSet<String> names = new java.util.TreeSet<>(configured.keySet());
    List<NodeStatus> all = nodes.nodes();
    all.forEach(n -> names.add(n.info().pool()));
    List<PoolView> out = new ArrayList<>();
    for (String name : names) {
      List<NodeStatus> members = all.stream().filter(n -> n.info().pool().equals(name)).toList();
      out.add(
          new PoolView(
              name,
              configured.getOrDefault(name, PoolRecord.unconfigured(name)).overcommitRatio(),
              members.stream().map(n -> n.info().id()).toList(),
              members.stream().mapToLong(n -> n.info().capacityBytes()).sum(),
              members.stream().mapToLong(promises::limit).sum(),
              members.stream()
                  .mapToLong(n -> promises.committed().getOrDefault(n.info().id(), 0L))
                  .sum(),
              members.stream()
                  .filter(n -> n.state() == NodeStatus.State.UP)
                  .mapToLong(n -> Math.max(0, promises.free(n)))
                  .sum(),
              members.stream().mapToLong(n -> n.info().usedBytes()).sum()));
    }
    return out;
  }

  /** The cluster's tenants; their changes are checked against this service's volumes. */
  public TenantService tenants() {
    return tenants;
  }

  /** Every volume as the tenant rules see it: its tenant, size and hosts. */
  public List<TenantService.VolumeHosts> tenantView() {
    return list().stream()
        .map(
            v ->
                new TenantService.VolumeHosts(
                    v.volume().name(),
                    v.volume().tenant(),
                    v.volume().sizeBytes(),
                    v.volume().allowedHosts()))
        .toList();
  }

  /** Creates a tenant (its hosts checked against every volume's). */
  public TenantRecord createTenant(String name, long quotaBytes, List<String> hosts) {
    return tenants.create(name, quotaBytes, hosts, this::tenantView);
  }

  public TenantRecord setTenantHosts(String name, List<String> hosts) {
    return tenants.setHosts(name, hosts, this::tenantView);
  }

  public TenantRecord setTenantQuota(String name, long quotaBytes) {
    return tenants.setQuota(name, quotaBytes, this::tenantView);
  }

  public void deleteTenant(String name) {
    tenants.delete(name, this::tenantView);
  }

  private void requireHosts(String name, List<String> hosts) {
    if (hostsRequired && (hosts == null || hosts.isEmpty())) {
      throw new NodeException(
          "volume '"
              + name
              + "' would let any host connect, and this node listens beyond loopback: name the"
              + " hosts that may (--allow-host NQN)");
    }
  }

  /** A volume with the revision its record was read at (what a compare-and-set compares). */
  public record Versioned(VolumeRecord volume, long modRevision) {}

  /**
   * What {@code weft volume create} asks for.
   *
   * @param ownerZones the zones the owner should serve from, most wanted first (a CSI consumer's
   *     topology), or null for any
   * @param zoneFallback when none of {@code ownerZones} has room, place the owner in another zone
   *     instead of refusing
   * @param qos the volume's QoS policy, or null for none
   * @param tenant the tenant the volume belongs to, or null
   * @param pool the pool whose nodes hold the volume, or null for any node
   * @param fromSnapshot the snapshot the volume is a clone of (placed on the snapshot's nodes, each
   *     replica an instant copy of the snapshot's), or null for an empty volume
   */
  public record CreateRequest(
      String name,
      long sizeBytes,
      int replicas,
      List<String> nodes,
      List<String> allowedHosts,
      String nqn,
      Integer blockSize,
      Boolean encrypt,
      List<String> ownerZones,
      Boolean zoneFallback,
      QosPolicy qos,
      String tenant,
      String pool,
      String fromSnapshot) {

    /**
     * An empty volume placed by placement alone: not encrypted, no QoS, tenant or pool (the
     * canonical constructor names the rest).
     */
    public CreateRequest(
        String name,
        long sizeBytes,
        int replicas,
        List<String> nodes,
        List<String> allowedHosts,
        String nqn,
        Integer blockSize) {
      this(
          name,
          sizeBytes,
          replicas,
          nodes,
          allowedHosts,
          nqn,
          blockSize,
          null,
          null,
          null,
          null,
          null,
          null,
          null);
    }
  }

  public VolumeRecord create(CreateRequest r) {
    if (r.name() == null || !NAME.matcher(r.name()).matches()) {
      throw new NodeException(
          "invalid volume name '" + r.name() + "': lower-case letters, digits, . _ -");
    }
    requireHosts(r.name(), r.allowedHosts());
    SnapshotRecord source = r.fromSnapshot() == null ? null : readySnapshot(r.fromSnapshot());
    int blockSize =
        source != null ? source.blockSize() : r.blockSize() == null ? 512 : r.blockSize();
    if (blockSize != 512 && blockSize != 4096) {
      throw new NodeException("block size must be 512 or 4096");
    }
    if (source != null && r.blockSize() != null && r.blockSize() != blockSize) {
      throw new NodeException(
          "snapshot '" + source.name() + "' has " + blockSize + "-byte blocks; a clone keeps them");
    }
    if (source != null && Boolean.TRUE.equals(r.encrypt())) {
      throw new NodeException("clones are not encrypted at rest yet");
    }
    if (r.replicas() > MAX_REPLICAS) {
      throw new NodeException("at most " + MAX_REPLICAS + " replicas, not " + r.replicas());
    }
    // a clone is its snapshot's size unless asked larger
    long size = source != null && r.sizeBytes() == 0 ? source.sizeBytes() : r.sizeBytes();
    if (size <= 0 || size % blockSize != 0) {
      throw new NodeException("size must be a positive multiple of " + blockSize + " bytes");
    }
    if (source != null && size < source.sizeBytes()) {
      throw new NodeException(
          "snapshot '"
              + source.name()
              + "' holds "
              + source.sizeBytes()
              + " bytes; a clone is at least that large");
    }
    // Placement reads what every node has promised, then writes one more promise: two creates at
    // once (two controllers, two callers) could both count the same free space. Each create
    // therefore also moves PLACEMENT, and commits only if nobody moved it since it looked.
    for (int attempt = 0; attempt < 20; attempt++) {
      long seen = store.get(PLACEMENT).map(KeyValue::modRevision).orElse(0L);
      long tenantsSeen = tenants.lastRevision();
      List<TenantRecord> allTenants = tenants.list();
      List<String> hosts = r.allowedHosts() == null ? List.of() : r.allowedHosts();
      TenantService.checkVolumeHosts(r.name(), r.tenant(), hosts, allTenants, VolumeRecord.NO_HOST);
      TenantService.checkQuota(r.tenant(), size, allTenants, tenantView());
      List<NodeStatus> all = nodes.nodes();
      if (source != null) {
        // each replica starts as a copy of the snapshot's copy on its node
        all = all.stream().filter(n -> source.nodes().contains(n.info().id())).toList();
      }
      if (r.pool() != null) {
        all = all.stream().filter(n -> n.info().pool().equals(r.pool())).toList();
        if (all.isEmpty()) {
          throw new NoCapacityException("no node is in pool '" + r.pool() + "'");
        }
      }
      List<String> placed =
          Placement.place(
              all,
              r.replicas(),
              size,
              promises(),
              r.nodes() == null ? List.of() : r.nodes(),
              r.ownerZones() == null ? List.of() : r.ownerZones(),
              Boolean.TRUE.equals(r.zoneFallback()));
      VolumeRecord v =
          new VolumeRecord(
              r.name(),
              r.nqn() != null && !r.nqn().isBlank() ? r.nqn() : VolumeRecord.defaultNqn(r.name()),
              UUID.randomUUID().toString(),
              size,
              blockSize,
              r.replicas(),
              placed,
              placed.get(0),
              1,
              placed,
              r.allowedHosts(),
              System.currentTimeMillis(),
              Boolean.TRUE.equals(r.encrypt()),
              List.of(),
              r.qos(),
              r.tenant(),
              size,
              source == null ? null : source.uuid());
      Compare unchanged =
          seen == 0 ? Compare.absent(PLACEMENT) : Compare.modRevision(PLACEMENT, seen);
      if (store
          .txn(
              List.of(unchanged, tenants.unchanged(tenantsSeen), Compare.absent(PREFIX + v.name())),
              List.of(
                  Op.put(PLACEMENT, v.name()),
                  Op.put(TenantService.LAST, v.name()),
                  Op.put(PREFIX + v.name(), json(v))),
              List.of())
          .succeeded()) {
        return v;
      }
      if (store.get(PREFIX + v.name()).isPresent()) {
        throw new NodeException("volume '" + v.name() + "' exists");
      }
      // another volume was placed meanwhile: count again
    }
    throw new NodeException("volumes keep being created meanwhile; try again");
  }

  /**
   * Changes which hosts may use a volume (none named: every host). Each node's subsystem follows (a
   * connected host no longer allowed is disconnected), and the discovery service tells the hosts
   * whose log changed. Hosts that were readers and stay allowed stay readers.
   */
  public VolumeRecord setAllowedHosts(String name, List<String> hosts) {
    return setHosts(name, hosts, null);
  }

  /**
   * Changes which hosts may use a volume and which of them may only read (ROX): the target shows
   * those a write-protected namespace and refuses their writes, while the others write.
   *
   * @param readOnly the readers, each also in {@code hosts}; null keeps the readers that stay
   */
  public VolumeRecord setHosts(String name, List<String> hosts, List<String> readOnly) {
    return changeHosts(
        name,
        current -> {
          List<String> allowed = hosts == null ? List.of() : hosts;
          return new Hosts(allowed, readOnly != null ? readOnly : current.readOnlyAmong(allowed));
        });
  }

  /**
   * Grows a volume to {@code newSizeBytes}, online. Every node holding a replica must have the room
   * for the growth (space is promised as at create, and committed the same way, so two growths or a
   * create at once never promise the same space twice). Every node then grows its replica; the
   * owner, once every in-sync replica has, takes the volume over from itself (a hand-over of a few
   * milliseconds in which hosts hold their I/O), and serves the new size; hosts are told with
   * Namespace Attribute Changed. Asking for the present size changes nothing; a volume never
   * shrinks.
   */
  public VolumeRecord resize(String name, long newSizeBytes) {
    for (int attempt = 0; attempt < 20; attempt++) {
      long seen = store.get(PLACEMENT).map(KeyValue::modRevision).orElse(0L);
      Versioned v = require(name);
      VolumeRecord r = v.volume();
      if (newSizeBytes == r.sizeBytes()) {
        return r;
      }
      if (newSizeBytes < r.sizeBytes()) {
        throw new NodeException(
            "volume '" + name + "' has " + r.sizeBytes() + " bytes; it can grow, never shrink");
      }
      if (newSizeBytes % r.blockSize() != 0) {
        throw new NodeException("size must be a multiple of " + r.blockSize() + " bytes");
      }
      long more = newSizeBytes - r.sizeBytes();
      long tenantsSeen = tenants.lastRevision();
      TenantService.checkQuota(r.tenant(), more, tenants.list(), tenantView());
      Promises promises = promises();
      Map<String, NodeStatus> byId = new HashMap<>();
      nodes.nodes().forEach(n -> byId.put(n.info().id(), n));
      for (String node : r.nodes()) {
        NodeStatus n = byId.get(node);
        long free = n == null ? 0 : promises.free(n);
        if (free < more) {
          throw new NoCapacityException(
              "node "
                  + node
                  + " holds a replica of '"
                  + name
                  + "' and has "
                  + Math.max(0, free)
                  + " bytes free, not the "
                  + more
                  + " more the volume needs");
        }
      }
      Compare placementUnchanged =
          seen == 0 ? Compare.absent(PLACEMENT) : Compare.modRevision(PLACEMENT, seen);
      if (store
          .txn(
              List.of(
                  placementUnchanged,
                  tenants.unchanged(tenantsSeen),
                  Compare.modRevision(PREFIX + name, v.modRevision())),
              List.of(
                  Op.put(PLACEMENT, name),
                  Op.put(TenantService.LAST, name),
                  Op.put(PREFIX + name, json(r.withSize(newSizeBytes)))),
              List.of())
          .succeeded()) {
        return r.withSize(newSizeBytes);
      }
      // the volume or the promises changed meanwhile: look again
    }
    throw new NodeException("volume '" + name + "' keeps changing; try again");
  }

  /**
   * Sets a volume's QoS policy (null lifts it). The node serving the volume's hosts applies it at
   * once: the next I/O is paced by the new policy.
   */
  public VolumeRecord setQos(String name, QosPolicy policy) {
    for (int attempt = 0; attempt < 10; attempt++) {
      Versioned v = require(name);
      if (java.util.Objects.equals(v.volume().qos(), policy)) {
        return v.volume();
      }
      VolumeRecord next = v.volume().withQos(policy);
      if (replace(v, next)) {
        return next;
      }
    }
    throw new NodeException("volume '" + name + "' keeps changing; try again");
  }

  /** A volume's allowed hosts and, among them, its readers. */
  public record Hosts(List<String> allowed, List<String> readOnly) {}

  /**
   * Changes a volume's hosts as {@code change} decides from the record as it is now: the decision
   * is made again on the fresh record when someone else changed it meanwhile, so no concurrent
   * change is lost (two nodes published at once both stay published). {@code change} may throw to
   * refuse.
   */
  public VolumeRecord changeHosts(
      String name, java.util.function.Function<VolumeRecord, Hosts> change) {
    for (int attempt = 0; attempt < 10; attempt++) {
      long tenantsSeen = tenants.lastRevision();
      Versioned v = require(name);
      Hosts h = change.apply(v.volume());
      List<String> checked = List.copyOf(new LinkedHashSet<>(h.allowed()));
      List<String> readers = List.copyOf(new LinkedHashSet<>(h.readOnly()));
      requireHosts(name, checked);
      for (String host : checked) {
        if (!io.weft.protocol.fabrics.Nqn.wellFormed(host)) {
          throw new NodeException("invalid host NQN '" + host + "'");
        }
      }
      for (String host : readers) {
        if (!checked.contains(host)) {
          throw new NodeException(
              "read-only host '" + host + "' is not one of the volume's allowed hosts");
        }
      }
      if (checked.equals(v.volume().allowedHosts()) && readers.equals(v.volume().readOnlyHosts())) {
        return v.volume();
      }
      TenantService.checkVolumeHosts(
          name, v.volume().tenant(), checked, tenants.list(), VolumeRecord.NO_HOST);
      VolumeRecord next = v.volume().withHosts(checked, readers);
      // Compared with the tenants as checked, and moving them: a tenant change meanwhile (a host
      // given to a tenant) and this one never both pass their checks.
      if (store
          .txn(
              List.of(
                  tenants.unchanged(tenantsSeen),
                  Compare.modRevision(PREFIX + name, v.modRevision())),
              List.of(Op.put(PREFIX + name, json(next)), Op.put(TenantService.LAST, name)),
              List.of())
          .succeeded()) {
        return next;
      }
    }
    throw new NodeException("volume '" + name + "' keeps changing; try again");
  }

  /**
   * Bytes promised to volumes, per node: each volume's full size on every node holding a replica.
   * Replicas are sparse files, so this is what may be written, not what is. Placement commits on
   * these counts only if no other create committed since (see {@link #create}).
   */
  public Map<String, Long> committedBytes() {
    Map<String, Long> committed = new HashMap<>();
    for (Versioned v : list()) {
      for (String n : v.volume().nodes()) {
        committed.merge(n, v.volume().sizeBytes(), Long::sum);
      }
    }
    return committed;
  }

  /** The cluster's nodes, up or down. */
  public List<NodeStatus> nodes() {
    return nodes.nodes();
  }

  public List<Versioned> list() {
    List<Versioned> out = new ArrayList<>();
    for (KeyValue kv : store.list(PREFIX)) {
      out.add(new Versioned(parse(kv), kv.modRevision()));
    }
    return out;
  }

  public Optional<Versioned> get(String name) {
    return store.get(PREFIX + name).map(kv -> new Versioned(parse(kv), kv.modRevision()));
  }

  public Versioned require(String name) {
    return get(name).orElseThrow(() -> new NodeException("no volume '" + name + "'"));
  }

  /** Deletes the record; every node then stops exporting it and removes its replica. */
  public void delete(String name) {
    for (int attempt = 0; ; attempt++) {
      try {
        delete(require(name));
        return;
      } catch (NodeException changed) {
        // a change meanwhile (an owner recording a growth served): delete what is there now
        if (attempt >= 10 || get(name).isEmpty()) {
          throw changed;
        }
      }
    }
  }

  /**
   * Deletes the volume as it was read: if its record changed since (a host allowed meanwhile, an
   * owner change), nothing is deleted and the caller decides again.
   */
  public void delete(Versioned v) {
    String name = v.volume().name();
    List<Op> ops = new ArrayList<>();
    ops.add(Op.delete(PREFIX + name));
    for (String prefix : List.of(REBUILD, RECENT)) {
      for (KeyValue kv : store.list(prefix + name + "/")) {
        ops.add(Op.delete(kv.key()));
      }
    }
    ops.add(Op.delete(HANDOVER + name));
    if (!store
        .txn(List.of(Compare.modRevision(PREFIX + name, v.modRevision())), ops, List.of())
        .succeeded()) {
      throw new NodeException("volume '" + name + "' changed meanwhile; try again");
    }
  }

  /**
   * Replaces the record if it is still at {@code expected}'s revision.
   *
   * @return false if someone changed it first (the caller re-reads and decides again)
   */
  public boolean replace(Versioned expected, VolumeRecord next) {
    return store
        .txn(
            List.of(Compare.modRevision(PREFIX + next.name(), expected.modRevision())),
            List.of(Op.put(PREFIX + next.name(), json(next))),
            List.of())
        .succeeded();
  }

  /**
   * A hand-over: as {@link #replace}, and in the same transaction records that ownership reached
   * {@code next}'s generation with no write in flight ({@code handover/<name>}), so the new owner
   * knows the replicas are identical and need no resync.
   */
  boolean handOver(Versioned expected, VolumeRecord next) {
    return store
        .txn(
            List.of(Compare.modRevision(PREFIX + next.name(), expected.modRevision())),
            List.of(
                Op.put(PREFIX + next.name(), json(next)),
                Op.put(HANDOVER + next.name(), Long.toString(next.generation()).getBytes())),
            List.of())
        .succeeded();
  }

  /** The generation the last clean hand-over of {@code name} reached, or -1. */
  long handedOverGeneration(String name) {
    return store.get(HANDOVER + name).map(kv -> Long.parseLong(new String(kv.value()))).orElse(-1L);
  }

  static final String HANDOVER = "handover/";

  /** A planned owner move (to an in-sync replica): the next generation, same in-sync set. */
  /**
   * A planned owner move: asks the owner to hand the volume over ({@code moves/<name>}); the owner
   * stops taking I/O, lets the writes in flight complete, and moves ownership to {@code to} by
   * compare-and-set itself, so no write is cut off by the generation change. If the owner does not
   * hand over within {@link #HANDOVER_WAIT_MS} (it is down, or too slow), the move is made without
   * it: fencing keeps that safe, hosts only resend what was in flight.
   */
  public VolumeRecord moveOwner(String name, String to) {
    Versioned v = checkMove(name, to);
    if (v.volume().owner().equals(to)) {
      return v.volume();
    }
    String key = MOVES + name;
    try {
      store.put(key, JSON.writeValueAsBytes(new MoveIntent(to, v.volume().generation())));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      long deadline = System.nanoTime() + HANDOVER_WAIT_MS * 1_000_000L;
      while (System.nanoTime() < deadline) {
        Versioned now = require(name);
        if (now.volume().generation() != v.volume().generation()) {
          if (now.volume().owner().equals(to)) {
            return now.volume();
          }
          throw new NodeException(
              "volume '" + name + "' changed owner to " + now.volume().owner() + " meanwhile");
        }
        sleepMillis(5);
      }
      for (int attempt = 0; attempt < 5; attempt++) {
        Versioned now = checkMove(name, to);
        if (now.volume().owner().equals(to)) {
          return now.volume();
        }
        VolumeRecord next = now.volume().withOwner(to, now.volume().inSync());
        if (replace(now, next)) {
          return next;
        }
      }
      throw new NodeException("volume '" + name + "' keeps changing; try again");
    } finally {
      store.delete(key);
    }
  }

  /** How long a planned move waits for the owner to hand over before moving without it. */
  static final long HANDOVER_WAIT_MS = 5_000;

  static final String MOVES = "moves/";

  static final String RECENT = "recent/";

  /**
   * What one replica was written in lately, reported when it saw ownership move to {@code
   * generation} ({@code recent/<volume>/<node>}); see {@link RecentWrites}.
   */
  public record RecentReport(String node, long generation, List<Integer> regions) {}

  void reportRecent(String volume, RecentReport r) {
    try {
      store.put(RECENT + volume + "/" + r.node(), JSON.writeValueAsBytes(r));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The reports of a volume's replicas for {@code generation}, by node. */
  Map<String, RecentReport> recentReports(String volume, long generation) {
    Map<String, RecentReport> out = new HashMap<>();
    for (KeyValue kv : store.list(RECENT + volume + "/")) {
      try {
        RecentReport r = JSON.readValue(kv.value(), RecentReport.class);
        if (r.generation() == generation) {
          out.put(r.node(), r);
        }
      } catch (IOException e) {
        // unreadable: as if not reported
      }
    }
    return out;
  }

  /** A planned move's request to the owner of {@code generation}: hand over to {@code to}. */
  public record MoveIntent(String to, long generation) {}

  /** Planned moves asked for, by volume. */
  Map<String, MoveIntent> moveIntents() {
    Map<String, MoveIntent> out = new HashMap<>();
    for (KeyValue kv : store.list(MOVES)) {
      try {
        out.put(kv.key().substring(MOVES.length()), JSON.readValue(kv.value(), MoveIntent.class));
      } catch (IOException e) {
        // unreadable: no move asked
      }
    }
    return out;
  }

  private Versioned checkMove(String name, String to) {
    Versioned v = require(name);
    if (!v.volume().nodes().contains(to)) {
      throw new NodeException("node '" + to + "' holds no replica of '" + name + "'");
    }
    if (!v.volume().isInSync(to)) {
      throw new NodeException("node '" + to + "' is not in sync; only an in-sync replica may own");
    }
    return v;
  }

  private static void sleepMillis(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NodeException("interrupted while moving the owner");
    }
  }

  /**
   * A replica's rebuild as far as it got, or (with a {@code problem}) why it is out of sync: why it
   * was dropped, or why its last rebuild stopped ({@code rebuild/<volume>/<node>}, reported by the
   * owner). The last one stays after it completed, so operators can see what it copied.
   */
  public record RebuildProgress(
      String node, long copiedRegions, long totalRegions, boolean full, String problem) {
    public RebuildProgress(String node, long copiedRegions, long totalRegions, boolean full) {
      this(node, copiedRegions, totalRegions, full, null);
    }

    static RebuildProgress problem(String node, String problem) {
      return new RebuildProgress(node, 0, 0, false, problem);
    }

    public int percent() {
      return totalRegions == 0 ? 100 : (int) (copiedRegions * 100 / totalRegions);
    }

    boolean underWay() {
      return problem == null && copiedRegions < totalRegions;
    }
  }

  static final String REBUILD = "rebuild/";

  void reportRebuild(String volume, RebuildProgress p) {
    try {
      store.put(REBUILD + volume + "/" + p.node(), JSON.writeValueAsBytes(p));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Rebuilds under way for a volume, by node. */
  public Map<String, RebuildProgress> rebuilds(String volume) {
    Map<String, RebuildProgress> out = new HashMap<>();
    for (KeyValue kv : store.list(REBUILD + volume + "/")) {
      try {
        RebuildProgress p = JSON.readValue(kv.value(), RebuildProgress.class);
        out.put(p.node(), p);
      } catch (IOException e) {
        // a progress record is advisory; an unreadable one is skipped
      }
    }
    return out;
  }

  static byte[] json(VolumeRecord v) {
    try {
      return JSON.writeValueAsBytes(v);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static VolumeRecord parse(KeyValue kv) {
    try {
      return JSON.readValue(kv.value(), VolumeRecord.class);
    } catch (IOException e) {
      throw new NodeException("volume record " + kv.key() + " is not readable: " + e.getMessage());
    }
  }
}
