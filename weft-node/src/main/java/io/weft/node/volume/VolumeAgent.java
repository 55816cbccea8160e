package io.weft.node.volume;

import io.weft.block.BlockDevice;
import io.weft.block.Reflinks;
import io.weft.node.Failpoints;
import io.weft.node.NodeRegistry;
import io.weft.node.NodeStatus;
import io.weft.node.snapshot.SnapshotService;
import io.weft.protocol.nvme.AnaLogPage;
import io.weft.protocol.nvme.IdentifyNamespace;
import io.weft.protocol.tls.ClientTls;
import io.weft.store.ClusterStore;
import io.weft.store.StoreException;
import io.weft.tgt.Target;
import io.weft.tgt.TargetException;
import io.weft.tgt.config.DhchapKeys;
import io.weft.tgt.config.SubsystemConfig;
import io.weft.tgt.qos.QosPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes this node do what the cluster store says about volumes. For every volume with a replica
 * here it keeps the replica file ({@code volumes/<name>.img} in the data directory), the internal
 * replica subsystem (open only to the current owner's generation: older owners are disconnected and
 * refused, which is the fencing), and the host-facing subsystem with the volume's NQN and identity;
 * its ANA state is optimized on the owner and inaccessible elsewhere. On the owner the namespace
 * writes through a {@link ReplicatedDevice} to every in-sync replica. When an owner's lease is
 * gone, the first in-sync replica that is up takes the volume over with a compare-and-set that
 * raises the generation.
 *
 * <p>All of it runs on one agent thread, from store watches and a short periodic tick; blocking
 * store calls never run on I/O threads.
 */
public final class VolumeAgent implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(VolumeAgent.class);

  /** How long a new owner keeps trying to reach a replica before it drops it from in-sync. */
  static final long CONNECT_PATIENCE_MS = 10_000;

  /** Controller IDs per node of a volume: 15 nodes fit below 0xFFEF. */
  static final int CNTLIDS_PER_NODE = 4096;

  /** The host-facing port whose ANA state the agent sets (a node has one listener). */
  static final int PORT = 1;

  private final String me;
  private final ReplicaFiles files;
  private final Target target;
  private final NodeRegistry registry;
  private final VolumeService volumes;
  private final ScheduledExecutorService agent;
  private final ExecutorService blocking;
  private final Map<String, LocalVolume> local = new java.util.concurrent.ConcurrentHashMap<>();

  /** Per volume: takeovers by this node of a volume whose owner was down (failovers). */
  private final Map<String, java.util.concurrent.atomic.LongAdder> failovers =
      new java.util.concurrent.ConcurrentHashMap<>();

  private final List<ClusterStore.Watch> watches = new ArrayList<>();
  private volatile boolean leaseLost;

  /** Whether orphan replicas were looked for since this agent started (once, see reconcile). */
  private boolean swept;

  /** A volume this node holds a replica of. */
  /** Failovers this node carried out, by volume (for the metrics endpoint). */
  public Map<String, Long> failovers() {
    Map<String, Long> out = new java.util.TreeMap<>();
    failovers.forEach((name, n) -> out.put(name, n.sum()));
    return out;
  }

  /**
   * For each volume this node owns, how many bytes each dropped replica is behind (for the metrics
   * endpoint): what its rebuild has to copy.
   */
  public Map<String, Map<String, Long>> replicasBehind() {
    Map<String, Map<String, Long>> out = new java.util.TreeMap<>();
    for (Map.Entry<String, LocalVolume> e : local.entrySet()) {
      ReplicatedDevice d = e.getValue().replicated;
      if (d != null) {
        out.put(e.getKey(), d.behindBytes());
      }
    }
    return out;
  }

  private static final class LocalVolume {
    VolumeRecord record;
    BlockDevice replica;
    RecentWrites recent;
    VolumeDevice device;
    ReplicatedDevice replicated;
    long servedGeneration;

    /** The size the owner's replicated device serves: every in-sync replica had it at the start. */
    long servedSize;

    final Map<String, Long> rebuilding = new java.util.concurrent.ConcurrentHashMap<>();
    String allowedOwner;
    List<String> allowedHosts;
    List<String> readOnlyHosts = List.of();
    QosPolicy qos;
    int anaState = -1;
  }

  /**
   * @param linkKeys how the links from owners to replicas authenticate (see {@link
   *     ReplicaLinkKeys})
   * @param linkTls how this node's links to the replicas of the volumes it owns are encrypted:
   *     certificate TLS when the nodes' replication listeners take it (every node of a cluster the
   *     same), else none
   */
  public VolumeAgent(
      String me,
      Path dataDir,
      Target target,
      ClusterStore store,
      NodeRegistry registry,
      ReplicaLinkKeys linkKeys,
      ClientTls linkTls) {
    this.linkKeys = linkKeys;
    this.linkTls = linkTls;
    this.me = me;
    this.files = new ReplicaFiles(dataDir.resolve("volumes"));
    this.target = target;
    this.registry = registry;
    this.volumes = new VolumeService(store, registry);
    this.snapshots = new VolumeSnapshots(me, volumes.snapshots(), files, new SnapshotReplicas());
    this.agent =
        Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("volume-agent").unstarted(r));
    this.blocking =
        Executors.newCachedThreadPool(
            r -> Thread.ofPlatform().daemon().name("volume-io").unstarted(r));
    long from = store.revision() + 1;
    watches.add(store.watch(VolumeService.PREFIX, from, events -> kick()));
    watches.add(store.watch("nodes/live/", from, events -> kick()));
    watches.add(store.watch(VolumeService.MOVES, from, events -> kick()));
    watches.add(store.watch(SnapshotService.PREFIX, from, events -> kick()));
    watches.add(store.watch(SnapshotService.ACKS, from, events -> kick()));
    agent.scheduleWithFixedDelay(this::reconcile, 0, 500, TimeUnit.MILLISECONDS);
  }

  private final ReplicaLinkKeys linkKeys;
  private final ClientTls linkTls;
  private final VolumeSnapshots snapshots;

  /** What snapshots need of this node's volumes (see {@link VolumeSnapshots}). */
  private final class SnapshotReplicas implements VolumeSnapshots.Replicas {
    @Override
    public boolean owns(String volume, long generation) {
      LocalVolume lv = local.get(volume);
      return !leaseLost && lv != null && lv.replicated != null && lv.servedGeneration == generation;
    }

    @Override
    public boolean pause(String volume) {
      return pauseWrites(local.get(volume));
    }

    @Override
    public void resume(String volume) {
      LocalVolume lv = local.get(volume);
      if (lv != null && lv.replicated != null) {
        resumeWrites(lv);
      }
    }

    @Override
    public boolean copy(String volume, java.nio.file.Path target) throws IOException {
      LocalVolume lv = local.get(volume);
      if (lv == null || !(lv.replica instanceof io.weft.block.FileBlockDevice f)) {
        return false;
      }
      f.copyTo(target);
      return true;
    }
  }

  public VolumeService volumes() {
    return volumes;
  }

  /** What this node's replica files occupy on disk now. */
  public long usedBytes() {
    long used = 0;
    for (LocalVolume lv : local.values()) {
      if (lv.replica != null) {
        used += lv.replica.usedBytes();
      }
    }
    return used;
  }

  private void kick() {
    agent.execute(this::reconcile);
  }

  /** This node's lease is gone: it must stop acknowledging writes for any volume at once. */
  public void leaseLost() {
    leaseLost = true;
    // At once, on the caller's thread: the agent thread may be busy connecting for seconds.
    for (LocalVolume lv : local.values()) {
      ReplicatedDevice d = lv.replicated;
      if (d != null) {
        d.fence();
      }
    }
  }

  /** Registered again with a new lease: act on the store's view again (owner or not). */
  public void leaseRegained() {
    agent.execute(
        () -> {
          if (!registry.holdsLease()) {
            return; // lost again before this ran: the next regain brings us back
          }
          leaseLost = false;
          for (LocalVolume lv : local.values()) {
            lv.servedGeneration = -1; // serve again only after reconnecting to the replicas
          }
          reconcile();
        });
  }

  private void reconcile() {
    try {
      List<VolumeService.Versioned> all = volumes.list();
      Map<String, NodeStatus> nodes = new HashMap<>();
      registry.nodes().forEach(n -> nodes.put(n.info().id(), n));
      Map<String, VolumeService.MoveIntent> moves = volumes.moveIntents();
      Set<String> wanted = new HashSet<>();
      for (VolumeService.Versioned v : all) {
        if (v.volume().nodes().contains(me)) {
          wanted.add(v.volume().name());
        }
      }
      if (!swept) {
        // Once the store has answered: replicas of volumes deleted while this node was away.
        Set<String> keep = new HashSet<>(wanted);
        keep.addAll(local.keySet());
        files.sweep(keep);
        swept = true;
      }
      for (VolumeService.Versioned v : all) {
        if (!v.volume().nodes().contains(me)) {
          continue;
        }
        if (takeOverIfOwnerIsGone(v, nodes)) {
          return; // the store changed; the watch brings the next round
        }
        apply(v, nodes);
        VolumeService.MoveIntent move = moves.get(v.volume().name());
        if (move != null && handOver(v, move)) {
          return; // the store changed; the watch brings the next round
        }
      }
      for (String name : new ArrayList<>(local.keySet())) {
        if (!wanted.contains(name)) {
          remove(name);
        }
      }
      snapshots.reconcile(
          () -> {
            Map<String, VolumeRecord> now = new HashMap<>();
            volumes.list().forEach(v -> now.put(v.volume().name(), v.volume()));
            return now;
          });
    } catch (StoreException e) {
      log.warn(
          "volume agent: the cluster store is unavailable ({}); serving as before", e.getMessage());
    } catch (RuntimeException e) {
      log.error("volume agent: reconcile failed", e);
    }
  }

  /** The first in-sync replica that is up takes over a volume whose owner is down. */
  private boolean takeOverIfOwnerIsGone(VolumeService.Versioned v, Map<String, NodeStatus> nodes) {
    VolumeRecord r = v.volume();
    if (leaseLost || r.owner().equals(me) || up(nodes, r.owner()) || !r.isInSync(me)) {
      return false;
    }
    String first =
        r.nodes().stream()
            .filter(n -> !n.equals(r.owner()) && r.isInSync(n) && up(nodes, n))
            .findFirst()
            .orElse(null);
    if (!me.equals(first)) {
      return false;
    }
    List<String> inSync = new ArrayList<>(r.inSync());
    inSync.remove(r.owner());
    if (volumes.replace(v, r.withOwner(me, inSync))) {
      failovers
          .computeIfAbsent(r.name(), n -> new java.util.concurrent.atomic.LongAdder())
          .increment();
      log.warn(
          "volume {}: owner {} is down; {} takes over (generation {})",
          r.name(),
          r.owner(),
          me,
          r.generation() + 1);
      return true;
    }
    return false;
  }

  private static boolean up(Map<String, NodeStatus> nodes, String id) {
    NodeStatus s = nodes.get(id);
    return s != null && s.state() == NodeStatus.State.UP;
  }

  private void apply(VolumeService.Versioned v, Map<String, NodeStatus> nodes) {
    VolumeRecord r = v.volume();
    LocalVolume lv = local.get(r.name());
    if (lv != null && !lv.record.uuid().equals(r.uuid())) {
      // Deleted and created again under the same name between two rounds: a different volume.
      remove(r.name());
      lv = null;
    }
    if (lv == null) {
      lv = export(r);
      if (lv == null) {
        return;
      }
      local.put(r.name(), lv);
    }
    lv.record = r;
    if (!r.allowedHosts().equals(lv.allowedHosts) || !r.readOnlyHosts().equals(lv.readOnlyHosts)) {
      // Zoning changed: hosts no longer allowed are disconnected at once. New readers are made
      // readers before they are let in, and old ones stay readers until they are out, so no host
      // writes in between.
      try {
        Set<String> readersMeanwhile = new java.util.HashSet<>(lv.readOnlyHosts);
        readersMeanwhile.addAll(r.readOnlyHosts());
        target.setReadOnlyHosts(r.nqn(), readersMeanwhile);
        target.setAllowedHosts(
            r.nqn(), Set.copyOf(r.allowedHosts()), "no longer allowed on volume " + r.name());
        target.setReadOnlyHosts(r.nqn(), Set.copyOf(r.readOnlyHosts()));
        lv.allowedHosts = r.allowedHosts();
        lv.readOnlyHosts = r.readOnlyHosts();
      } catch (TargetException e) {
        log.error("volume {}: cannot change its hosts: {}", r.name(), e.getMessage());
      }
    }
    if (!java.util.Objects.equals(r.qos(), lv.qos)) {
      applyQos(lv, r);
    }
    // Fencing: only the current owner's generation may reach this replica.
    String owner = r.ownerHostNqn();
    if (!owner.equals(lv.allowedOwner)) {
      try {
        // The new generation's keys first: the allow-list change then ends the old owner's links.
        target.setHostKeys(r.replicaNqn(), owner, linkKeys.keysFor(r));
        if (lv.allowedOwner != null) {
          target.setHostKeys(r.replicaNqn(), lv.allowedOwner, null);
        }
        target.setAllowedHosts(
            r.replicaNqn(), Set.of(owner), "fenced: generation " + r.generation());
        lv.allowedOwner = owner;
        reportRecentWrites(lv, r);
      } catch (TargetException e) {
        log.error("volume {}: cannot fence older owners: {}", r.name(), e.getMessage());
        return;
      }
    }
    if (r.sizeBytes() > lv.replica.sizeBytes() && !growReplica(lv, r)) {
      return; // tried again next round
    }
    if (r.owner().equals(me) && !leaseLost) {
      if (lv.replicated == null || lv.servedGeneration != r.generation()) {
        becomeOwner(v, lv, nodes);
      } else if (lv.servedSize < r.sizeBytes() && replicasGrown(lv, r) && growByHandOver(v, lv)) {
        return; // the store changed; the watch brings the next round, which serves the new size
      }
      if (lv.replicated != null) {
        showSize(lv, r, lv.servedSize);
        if (r.growing()
            && lv.servedSize >= r.sizeBytes()
            && volumes.replace(v, r.withServedBytes(r.sizeBytes()))) {
          log.info("volume {}: growth to {} bytes done", r.name(), r.sizeBytes());
          return; // the store changed; the watch brings the next round
        }
      }
      // The in-sync set changes only through this owner (drops, rejoins) or with a new
      // generation, so the device's own targets are authoritative here.
      startRebuilds(lv, r, nodes);
    } else {
      stopOwning(lv);
      setAna(lv, AnaLogPage.INACCESSIBLE);
      // No I/O passes here: hosts may see the size at once.
      showSize(lv, r, lv.replica.sizeBytes());
    }
  }

  /**
   * The volume grew: this node's replica grows (file, recent-writes map, the replica namespace the
   * owner writes through). False if it could not (no space for the file's metadata, ...): the next
   * round tries again, and until then an owner does not serve the new size.
   */
  private boolean growReplica(LocalVolume lv, VolumeRecord r) {
    try {
      lv.replica.grow(r.sizeBytes());
      Failpoints.reach("grow.file-grown");
      lv.recent.grow(r.sizeBytes());
      target.namespaceGrown(r.replicaNqn(), 1);
      log.info("volume {}: replica grown to {} bytes", r.name(), r.sizeBytes());
      return true;
    } catch (IOException | TargetException | RuntimeException e) {
      log.error("volume {}: cannot grow the replica: {}", r.name(), e.toString());
      return false;
    }
  }

  /** Whether every in-sync remote replica has grown to the volume's size (asked over its link). */
  private boolean replicasGrown(LocalVolume lv, VolumeRecord r) {
    for (RemoteReplica remote : lv.replicated.inSyncReplicas()) {
      try {
        IdentifyNamespace id = remote.namespace().controller().identifyNamespace(1);
        if (id.sizeBlocks() << id.blockSizeShift() < r.sizeBytes()) {
          return false;
        }
      } catch (IOException | RuntimeException e) {
        return false; // its link is failing: the write path deals with that
      }
    }
    return true;
  }

  /**
   * Serves the grown volume: a hand-over from this owner to itself (stop taking I/O, let what is in
   * flight complete, next generation), after which it serves anew with a replicated device of the
   * new size. Hosts hold their I/O for the few milliseconds it takes, as in a planned move. True if
   * the generation moved.
   */
  private boolean growByHandOver(VolumeService.Versioned v, LocalVolume lv) {
    VolumeRecord r = v.volume();
    if (pauseWrites(lv) && volumes.handOver(v, r.withOwner(me, r.inSync()))) {
      Failpoints.reach("grow.handed-over");
      log.info(
          "volume {}: growing to {} bytes, serving it from generation {}",
          r.name(),
          r.sizeBytes(),
          r.generation() + 1);
      stopOwning(lv);
      return true;
    }
    resumeWrites(lv);
    return false;
  }

  /**
   * The owner stops taking writes (ANA change: hosts hold their I/O or retry) and lets those in
   * flight complete; false if they did not within {@link #HANDOVER_DRAIN_MS}. A hand-over, a growth
   * and a snapshot all start so, and end with {@link #resumeWrites} unless ownership moved.
   */
  private boolean pauseWrites(LocalVolume lv) {
    setAna(lv, AnaLogPage.CHANGE);
    try {
      return lv.replicated.drain(HANDOVER_DRAIN_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private void resumeWrites(LocalVolume lv) {
    lv.replicated.resume();
    setAna(lv, AnaLogPage.OPTIMIZED);
  }

  /** Hosts see the volume up to {@code covered} (at most its recorded size), told by an event. */
  private void showSize(LocalVolume lv, VolumeRecord r, long covered) {
    long size = Math.min(covered, r.sizeBytes());
    if (lv.device.sizeBytes() >= size) {
      return;
    }
    try {
      lv.device.grow(size);
      target.namespaceGrown(r.nqn(), 1);
      log.info("volume {}: hosts see {} bytes", r.name(), size);
    } catch (TargetException e) {
      log.error("volume {}: cannot show the new size: {}", r.name(), e.getMessage());
    }
  }

  /**
   * A planned move away from this node: stop taking I/O (ANA change, so hosts hold their I/O or
   * retry), let every operation in flight complete, then give the volume to the new owner by
   * compare-and-set. True if ownership moved.
   */
  private boolean handOver(VolumeService.Versioned v, VolumeService.MoveIntent move) {
    VolumeRecord r = v.volume();
    LocalVolume lv = local.get(r.name());
    if (leaseLost
        || lv == null
        || !r.owner().equals(me)
        || move.to().equals(me)
        || move.generation() != r.generation()
        || !r.isInSync(move.to())
        || lv.replicated == null) {
      return false;
    }
    long start = System.nanoTime();
    boolean drained = pauseWrites(lv);
    if (!drained) {
      log.warn(
          "volume {}: writes still in flight after {} ms; not handing over",
          r.name(),
          HANDOVER_DRAIN_MS);
    }
    if (drained && volumes.handOver(v, r.withOwner(move.to(), r.inSync()))) {
      log.info(
          "volume {}: handed over to {} (generation {}) after draining for {} µs",
          r.name(),
          move.to(),
          r.generation() + 1,
          (System.nanoTime() - start) / 1000);
      stopOwning(lv);
      setAna(lv, AnaLogPage.INACCESSIBLE);
      return true;
    }
    resumeWrites(lv);
    return false;
  }

  /** How long a hand-over waits for writes in flight before giving up (the move then goes on). */
  static final long HANDOVER_DRAIN_MS = 2_000;

  private void becomeOwner(
      VolumeService.Versioned v, LocalVolume lv, Map<String, NodeStatus> nodes) {
    VolumeRecord r = v.volume();
    stopOwning(lv);
    setAna(lv, AnaLogPage.CHANGE);
    List<RemoteReplica> remotes = new ArrayList<>();
    VolumeService.Versioned current = v;
    boolean serving = false;
    try {
      for (String node : r.inSync()) {
        if (node.equals(me)) {
          continue;
        }
        NodeStatus peer = nodes.get(node);
        RemoteReplica remote = peer == null ? null : connect(r, node, peer.info().peerAddress());
        if (remote != null) {
          remotes.add(remote);
          continue;
        }
        // Unreachable: out of the in-sync set before this owner acknowledges anything.
        VolumeRecord without = current.volume().withoutInSync(node);
        if (!volumes.replace(current, without)) {
          remotes.forEach(RemoteReplica::close);
          log.warn("volume {}: ownership changed while taking it over; standing down", r.name());
          return;
        }
        current = volumes.require(r.name());
        log.warn(
            "volume {}: replica on {} unreachable; it is out of the in-sync set", r.name(), node);
      }
      ReplicatedDevice replicated =
          new ReplicatedDevice(
              r.name(),
              lv.replica,
              r.blockSize(),
              remotes,
              (node, why) -> dropReplica(r.name(), r.generation(), node, why),
              blocking);
      lv.replicated = replicated;
      lv.servedGeneration = r.generation();
      // What every replica written through has room for: hosts see no more than that.
      long covered = lv.replica.sizeBytes();
      for (RemoteReplica remote : remotes) {
        covered = Math.min(covered, remote.namespace().sizeBytes());
      }
      lv.servedSize = covered;
      lv.device.serveWith(replicated);
      setAna(lv, AnaLogPage.OPTIMIZED);
      log.info(
          "volume {}: serving as owner, generation {}, replicas on {}",
          r.name(),
          r.generation(),
          replicated.remoteNodes());
      serving = true;
      if (r.generation() > 1 && volumes.handedOverGeneration(r.name()) != r.generation()) {
        blocking.execute(() -> resync(lv, replicated, r));
      }
    } finally {
      if (!serving) {
        remotes.forEach(RemoteReplica::close);
      }
    }
  }

  /**
   * The old owner is fenced from this replica now: report what it wrote here lately, for the new
   * owner's resync. Advisory; a report that cannot be written makes the new owner drop this replica
   * instead.
   */
  private void reportRecentWrites(LocalVolume lv, VolumeRecord r) {
    try {
      volumes.reportRecent(
          r.name(), new VolumeService.RecentReport(me, r.generation(), lv.recent.regions()));
    } catch (RuntimeException e) {
      log.warn("volume {}: recent writes not reported: {}", r.name(), e.toString());
    }
  }

  /**
   * After a takeover without a hand-over, the old owner's last writes may have reached some
   * replicas and not others. Every in-sync replica (this one included) reports the regions it was
   * written in lately; this owner copies those regions from its replica to the others, so that they
   * are identical again. A replica that does not report in time, or fails the copy, leaves the
   * in-sync set (its rebuild is a full copy).
   */
  private void resync(LocalVolume lv, ReplicatedDevice device, VolumeRecord r) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RESYNC_REPORT_WAIT_MS);
    Map<String, VolumeService.RecentReport> reports = Map.of();
    java.util.function.Supplier<String> stop =
        () -> lv.replicated != device || device.isFenced() ? "ownership moved on" : null;
    try {
      while (stop.get() == null) {
        reports = volumes.recentReports(r.name(), r.generation());
        boolean all = reports.containsKey(me);
        for (RemoteReplica remote : device.inSyncReplicas()) {
          all &= reports.containsKey(remote.node());
        }
        if (all || System.nanoTime() > deadline) {
          break;
        }
        Thread.sleep(50);
      }
      java.util.TreeSet<Integer> regions = new java.util.TreeSet<>();
      reports.values().forEach(report -> regions.addAll(report.regions()));
      if (!reports.containsKey(me)) {
        // Our own replica's recent writes are unknown: every region may differ.
        for (int i = 0; i < new RegionMap(r.sizeBytes()).regions(); i++) {
          regions.add(i);
        }
      }
      for (RemoteReplica remote : device.inSyncReplicas()) {
        if (!reports.containsKey(remote.node())) {
          device.dropInSync(
              remote, new java.io.IOException("it did not report its recent writes in time"));
        }
      }
      List<String> to = device.remoteNodes();
      if (to.isEmpty()) {
        return; // no other replica in sync: nothing can differ
      }
      long start = System.nanoTime();
      try (RegionCopier copier = new RegionCopier(device, stop)) {
        for (int region : regions) {
          List<RemoteReplica> targets = device.inSyncReplicas();
          if (targets.isEmpty()) {
            break;
          }
          while (!copier.copy(region, targets)) {
            RemoteReplica failed = copier.failedReplica();
            if (failed == null) {
              log.warn("volume {}: resync stopped: {}", r.name(), copier.failure());
              return;
            }
            device.dropInSync(failed, new java.io.IOException(copier.failure()));
            targets = device.inSyncReplicas();
            if (targets.isEmpty()) {
              break;
            }
          }
        }
      }
      log.info(
          "volume {}: resynced {} region(s) written around the takeover to {} in {} ms",
          r.name(),
          regions.size(),
          to,
          (System.nanoTime() - start) / 1_000_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      log.warn("volume {}: resync failed: {}", r.name(), e.toString());
    }
  }

  /** How long a new owner waits for the replicas' reports of their recent writes. */
  static final long RESYNC_REPORT_WAIT_MS = 5_000;

  /** Connects to a replica, retrying while it has not yet let this generation in. */
  private RemoteReplica connect(VolumeRecord r, String node, String address) {
    long deadline = System.currentTimeMillis() + CONNECT_PATIENCE_MS;
    IOException last = null;
    while (System.currentTimeMillis() < deadline && !Thread.currentThread().isInterrupted()) {
      try {
        return RemoteReplica.connect(
            r, node, address, target.eventLoops(), linkKeys.keysFor(r), linkTls);
      } catch (IOException e) {
        last = e;
        sleep(50); // the replica's node lets this generation in as soon as its watch fires
      }
    }
    log.warn("volume {}: cannot reach the replica on {}: {}", r.name(), node, String.valueOf(last));
    return null;
  }

  /** Starts a rebuild for every replica that is up but out of sync (one at a time per node). */
  private void startRebuilds(LocalVolume lv, VolumeRecord r, Map<String, NodeStatus> nodes) {
    ReplicatedDevice device = lv.replicated;
    if (device == null) {
      return;
    }
    long now = System.currentTimeMillis();
    for (String node : r.nodes()) {
      if (node.equals(me) || r.isInSync(node) || !up(nodes, node)) {
        continue;
      }
      Long since = lv.rebuilding.get(node);
      if (since != null) {
        continue; // running, or backing off after a failure
      }
      lv.rebuilding.put(node, now);
      String address = nodes.get(node).info().peerAddress();
      blocking.execute(() -> rebuild(lv, device, r, node, address));
    }
  }

  private void rebuild(
      LocalVolume lv, ReplicatedDevice device, VolumeRecord r, String node, String address) {
    boolean joined = false;
    String problem = "unreachable";
    RemoteReplica remote = connect(r, node, address);
    try {
      if (remote == null) {
        return;
      }
      Rebuild rebuild =
          new Rebuild(
              r.name(),
              device,
              remote,
              (copied, total, full) ->
                  volumes.reportRebuild(
                      r.name(), new VolumeService.RebuildProgress(node, copied, total, full)),
              () -> lv.replicated == device && !device.isFenced());
      if (!rebuild.copy()) {
        problem = rebuild.failure();
        return;
      }
      joined = device.promoteAndJoin(remote, () -> rejoin(r.name(), r.generation(), node));
      if (joined) {
        log.info("volume {}: replica on {} is rebuilt and back in sync", r.name(), node);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      log.warn("volume {}: rebuild of {} failed: {}", r.name(), node, e.toString());
      problem = e.toString();
    } finally {
      // Each step on its own: one failing (a store error) must not skip the others.
      if (!joined && remote != null) {
        quietly(() -> device.removeCatchingUp(remote));
        quietly(remote::close);
      }
      if (!joined) {
        String why = "rebuild stopped: " + problem;
        log.info("volume {}: replica on {}: {}; trying again in 3 s", r.name(), node, why);
        quietly(() -> reportProblem(r.name(), node, why));
      }
      if (joined) {
        lv.rebuilding.remove(node); // its last progress stays on record until the next change
      } else {
        // Try again after a pause, not in a tight loop against a replica that keeps failing.
        try {
          agent.schedule(() -> lv.rebuilding.remove(node), 3, TimeUnit.SECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
          lv.rebuilding.remove(node);
        }
      }
    }
  }

  /** Adds a rebuilt replica to the in-sync set, if this node still owns the volume. */
  private boolean rejoin(String name, long generation, String node) {
    for (int attempt = 0; attempt < 5; attempt++) {
      VolumeService.Versioned v = volumes.get(name).orElse(null);
      if (v == null || !v.volume().owner().equals(me) || v.volume().generation() != generation) {
        return false;
      }
      if (volumes.replace(v, v.volume().withInSync(node))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Called by the replicated device when a remote fails: the replica leaves the in-sync set by a
   * compare-and-set that also checks this node still owns the volume at the same generation.
   *
   * @return false if this owner has been fenced
   */
  private boolean dropReplica(String name, long generation, String node, Throwable why) {
    // Every failed compare-and-set means the record changed (a rejoin, a rebuild report of the
    // record): read it again for as long as this node still owns this generation. Giving up is
    // not "fenced": that would stop a healthy owner; the store error fails the write instead.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      VolumeService.Versioned v = volumes.get(name).orElse(null);
      if (v == null || !v.volume().owner().equals(me) || v.volume().generation() != generation) {
        return false;
      }
      if (!v.volume().isInSync(node)) {
        return true;
      }
      if (volumes.replace(v, v.volume().withoutInSync(node))) {
        reportProblem(name, node, ReplicaProblem.describe(why));
        return true;
      }
    }
    throw new StoreException(
        StoreException.Kind.UNAVAILABLE,
        "volume " + name + ": the record kept changing for 10 s while dropping " + node);
  }

  /** Records why a replica is out of sync, for {@code weft volume show}; advisory only. */
  private void reportProblem(String volume, String node, String problem) {
    try {
      volumes.reportRebuild(volume, VolumeService.RebuildProgress.problem(node, problem));
    } catch (RuntimeException e) {
      log.debug("volume {}: problem of {} not recorded: {}", volume, node, e.toString());
    }
  }

  private void stopOwning(LocalVolume lv) {
    if (lv.replicated != null) {
      ReplicatedDevice old = lv.replicated;
      old.fence();
      lv.device.serveWith(null);
      lv.replicated = null;
      // Writes already in flight finish against the old remotes, then they close.
      agent.schedule(old::close, 2, TimeUnit.SECONDS);
    }
  }

  private void setAna(LocalVolume lv, int state) {
    if (lv.anaState == state) {
      return;
    }
    try {
      target.setAnaState(lv.record.nqn(), PORT, 1, AnaLogPage.name(state));
      lv.anaState = state;
    } catch (TargetException e) {
      log.error("volume {}: cannot set ANA state: {}", lv.record.name(), e.getMessage());
    }
  }

  /**
   * The volume's QoS on its host-facing namespace, on every node that exports it: hosts are held to
   * it on whichever path they use. Replication traffic (the replica subsystem) is never limited:
   * holding it back would hold back the owner's writes twice.
   */
  private void applyQos(LocalVolume lv, VolumeRecord r) {
    try {
      target.setQos(r.nqn(), 1, r.qos());
      lv.qos = r.qos();
    } catch (TargetException e) {
      log.error("volume {}: cannot set QoS: {}", r.name(), e.getMessage());
    }
  }

  /** Opens the replica file and exports the replica and host-facing subsystems. */
  private LocalVolume export(VolumeRecord r) {
    LocalVolume lv = new LocalVolume();
    lv.record = r;
    try {
      files.claim(r.name(), r.uuid());
      Failpoints.reach("export.claimed");
      if (r.sourceSnapshot() != null && !Files.exists(files.replica(r.name()))) {
        // a clone: this replica starts as an instant copy of the snapshot's copy on this node
        Reflinks.copy(files.snapshot(r.sourceSnapshot()), files.replica(r.name()));
        Failpoints.reach("clone.copied");
      }
      lv.replica =
          target.openFileDevice(
              files.replica(r.name()), r.sizeBytes(), false, r.blockSize(), r.encrypted());
      Failpoints.reach("export.replica-open");
      UUID uuid = UUID.fromString(r.uuid());
      DhchapKeys ownerKeys = linkKeys.keysFor(r);
      target.createSubsystem(
          new SubsystemConfig(
              r.replicaNqn(),
              null,
              "Weft replica",
              null,
              List.of(r.ownerHostNqn()),
              List.of(),
              ownerKeys == null ? Map.of() : Map.of(r.ownerHostNqn(), ownerKeys)));
      lv.allowedOwner = r.ownerHostNqn();
      // Long enough that a takeover (one lease TTL after the owner's last renewal) still finds
      // the old owner's last writes reported.
      lv.recent = new RecentWrites(r.sizeBytes(), registry.ttl().multipliedBy(2).plusSeconds(5));
      target.addNamespace(
          r.replicaNqn(),
          1,
          new SharedDevice(lv.replica, lv.recent),
          r.blockSize(),
          uuid,
          "replica");
      Failpoints.reach("export.replica-exported");
      lv.device = new VolumeDevice(r.sizeBytes(), lv.replica.volatileWriteCache());
      target.createSubsystem(
          new SubsystemConfig(
              r.nqn(), null, "Weft volume " + r.name(), null, r.allowedHosts(), List.of()));
      lv.allowedHosts = r.allowedHosts();
      target.setReadOnlyHosts(r.nqn(), Set.copyOf(r.readOnlyHosts()));
      lv.readOnlyHosts = r.readOnlyHosts();
      // One NVM subsystem spans nodes: each node's controllers get IDs of their own.
      int index = r.nodes().indexOf(me);
      target.setCntlidRange(r.nqn(), 1 + index * CNTLIDS_PER_NODE, (index + 1) * CNTLIDS_PER_NODE);
      // Inaccessible until this node knows it owns the volume.
      target.setAnaState(r.nqn(), PORT, 1, AnaLogPage.name(AnaLogPage.INACCESSIBLE));
      lv.anaState = AnaLogPage.INACCESSIBLE;
      target.addNamespace(r.nqn(), 1, lv.device, r.blockSize(), uuid, "volume");
      Failpoints.reach("export.done");
      log.info("volume {}: replica exported ({} bytes, {})", r.name(), r.sizeBytes(), r.nqn());
      return lv;
    } catch (IOException | TargetException | RuntimeException e) {
      log.error("volume {}: cannot export: {}", r.name(), e.toString());
      unexport(lv, r);
      return null;
    }
  }

  private void remove(String name) {
    LocalVolume lv = local.remove(name);
    if (lv != null) {
      stopOwning(lv);
      unexport(lv, lv.record);
      Failpoints.reach("remove.unexported");
      try {
        files.delete(name);
      } catch (IOException e) {
        log.warn("volume {}: replica file not deleted: {}", name, e.toString());
      }
      log.info("volume {}: removed from this node", name);
    }
  }

  private void unexport(LocalVolume lv, VolumeRecord r) {
    for (String nqn : List.of(r.nqn(), r.replicaNqn())) {
      if (target.hasSubsystem(nqn)) {
        try {
          target.removeSubsystem(nqn);
        } catch (TargetException e) {
          log.warn("volume {}: {}", r.name(), e.getMessage());
        }
      }
    }
    if (lv.replica != null) {
      lv.replica.close();
    }
  }

  private static void quietly(Runnable step) {
    try {
      step.run();
    } catch (RuntimeException e) {
      log.warn("volume agent: cleanup step failed: {}", e.toString());
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    watches.forEach(ClusterStore.Watch::close);
    agent.shutdownNow();
    try {
      agent.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (LocalVolume lv : local.values()) {
      if (lv.replicated != null) {
        lv.replicated.fence();
        lv.replicated.close();
      }
      if (lv.replica != null) {
        lv.replica.close();
      }
    }
    blocking.shutdownNow();
  }
}
