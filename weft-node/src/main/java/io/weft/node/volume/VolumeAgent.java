package io.weft.node.volume;

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
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
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

  private final String me;
  private final ReplicaFiles files;
  private final Target target;
  private final NodeRegistry registry;
  private final VolumeService volumes;
  private final ScheduledExecutorService agent;
  private final ExecutorService blocking;
  private final VolumeExports exports;
  private final ReplicaRepair repair;
  private final VolumeSnapshots snapshots;
  private final Map<String, LocalVolume> local = new ConcurrentHashMap<>();

  /** Per volume: takeovers by this node of a volume whose owner was down (failovers). */
  private final Map<String, LongAdder> failovers = new ConcurrentHashMap<>();

  private final List<ClusterStore.Watch> watches = new ArrayList<>();
  private volatile boolean leaseLost;

  /** Whether orphan replicas were looked for since this agent started (once, see reconcile). */
  private boolean swept;

  /** Failovers this node carried out, by volume (for the metrics endpoint). */
  public Map<String, Long> failovers() {
    Map<String, Long> out = new TreeMap<>();
    failovers.forEach((name, n) -> out.put(name, n.sum()));
    return out;
  }

  /**
   * For each volume this node owns, how many bytes each dropped replica is behind (for the metrics
   * endpoint): what its rebuild has to copy.
   */
  public Map<String, Map<String, Long>> replicasBehind() {
    Map<String, Map<String, Long>> out = new TreeMap<>();
    for (Map.Entry<String, LocalVolume> e : local.entrySet()) {
      ReplicatedDevice d = e.getValue().replicated;
      if (d != null) {
        out.put(e.getKey(), d.behindBytes());
      }
    }
    return out;
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
    this.me = me;
    this.files = new ReplicaFiles(dataDir.resolve("volumes"));
    this.target = target;
    this.registry = registry;
    this.volumes = new VolumeService(store, registry);
    this.exports = new VolumeExports(me, files, target, registry, linkKeys);
    this.snapshots = new VolumeSnapshots(me, volumes.snapshots(), files, new SnapshotReplicas());
    this.agent =
        Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("volume-agent").unstarted(r));
    this.blocking =
        Executors.newCachedThreadPool(
            r -> Thread.ofPlatform().daemon().name("volume-io").unstarted(r));
    this.repair = new ReplicaRepair(me, volumes, target, linkKeys, linkTls, agent, blocking);
    long from = store.revision() + 1;
    watches.add(store.watch(VolumeService.PREFIX, from, events -> kick()));
    watches.add(store.watch("nodes/live/", from, events -> kick()));
    watches.add(store.watch(VolumeService.MOVES, from, events -> kick()));
    watches.add(store.watch(SnapshotService.PREFIX, from, events -> kick()));
    watches.add(store.watch(SnapshotService.ACKS, from, events -> kick()));
    agent.scheduleWithFixedDelay(this::reconcile, 0, 500, TimeUnit.MILLISECONDS);
  }

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
    public boolean copy(String volume, Path target) throws IOException {
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
    if (leaseLost || r.owner().equals(me) || NodeStatus.isUp(nodes, r.owner()) || !r.isInSync(me)) {
      return false;
    }
    String first =
        r.nodes().stream()
            .filter(n -> !n.equals(r.owner()) && r.isInSync(n) && NodeStatus.isUp(nodes, n))
            .findFirst()
            .orElse(null);
    if (!me.equals(first)) {
      return false;
    }
    List<String> inSync = new ArrayList<>(r.inSync());
    inSync.remove(r.owner());
    if (volumes.replace(v, r.withOwner(me, inSync))) {
      failovers.computeIfAbsent(r.name(), n -> new LongAdder()).increment();
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

  private void apply(VolumeService.Versioned v, Map<String, NodeStatus> nodes) {
    VolumeRecord r = v.volume();
    LocalVolume lv = local.get(r.name());
    if (lv != null && !lv.record.uuid().equals(r.uuid())) {
      // Deleted and created again under the same name between two rounds: a different volume.
      remove(r.name());
      lv = null;
    }
    if (lv == null) {
      lv = exports.export(r);
      if (lv == null) {
        return;
      }
      local.put(r.name(), lv);
    }
    lv.record = r;
    exports.setHosts(lv, r);
    if (!Objects.equals(r.qos(), lv.qos)) {
      exports.applyQos(lv, r);
    }
    // Fencing: only the current owner's generation may reach this replica.
    if (!r.ownerHostNqn().equals(lv.allowedOwner)) {
      if (!exports.fenceToOwner(lv, r)) {
        return;
      }
      repair.reportRecentWrites(lv, r);
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
        exports.showSize(lv, r, lv.servedSize);
        if (r.growing()
            && lv.servedSize >= r.sizeBytes()
            && volumes.replace(v, r.withServedBytes(r.sizeBytes()))) {
          log.info("volume {}: growth to {} bytes done", r.name(), r.sizeBytes());
          return; // the store changed; the watch brings the next round
        }
      }
      // The in-sync set changes only through this owner (drops, rejoins) or with a new
      // generation, so the device's own targets are authoritative here.
      repair.startRebuilds(lv, r, nodes);
    } else {
      stopOwning(lv);
      exports.setAna(lv, AnaLogPage.INACCESSIBLE);
      // No I/O passes here: hosts may see the size at once.
      exports.showSize(lv, r, lv.replica.sizeBytes());
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
    exports.setAna(lv, AnaLogPage.CHANGE);
    try {
      return lv.replicated.drain(HANDOVER_DRAIN_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private void resumeWrites(LocalVolume lv) {
    lv.replicated.resume();
    exports.setAna(lv, AnaLogPage.OPTIMIZED);
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
      exports.setAna(lv, AnaLogPage.INACCESSIBLE);
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
    exports.setAna(lv, AnaLogPage.CHANGE);
    List<RemoteReplica> remotes = new ArrayList<>();
    VolumeService.Versioned current = v;
    boolean serving = false;
    try {
      for (String node : r.inSync()) {
        if (node.equals(me)) {
          continue;
        }
        NodeStatus peer = nodes.get(node);
        RemoteReplica remote =
            peer == null ? null : repair.connect(r, node, peer.info().peerAddress());
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
              (node, why) -> repair.dropReplica(r.name(), r.generation(), node, why),
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
      exports.setAna(lv, AnaLogPage.OPTIMIZED);
      log.info(
          "volume {}: serving as owner, generation {}, replicas on {}",
          r.name(),
          r.generation(),
          replicated.remoteNodes());
      serving = true;
      if (r.generation() > 1 && volumes.handedOverGeneration(r.name()) != r.generation()) {
        blocking.execute(() -> repair.resync(lv, replicated, r));
      }
    } finally {
      if (!serving) {
        remotes.forEach(RemoteReplica::close);
      }
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

  private void remove(String name) {
    LocalVolume lv = local.remove(name);
    if (lv != null) {
      stopOwning(lv);
      exports.unexport(lv, lv.record);
      Failpoints.reach("remove.unexported");
      try {
        files.delete(name);
      } catch (IOException e) {
        log.warn("volume {}: replica file not deleted: {}", name, e.toString());
      }
      log.info("volume {}: removed from this node", name);
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
