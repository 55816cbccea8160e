package io.weft.node.volume;

import io.weft.node.NodeStatus;
import io.weft.protocol.tls.ClientTls;
import io.weft.store.StoreException;
import io.weft.tgt.Target;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a volume's replicas identical, for the {@link VolumeAgent}: the owner's links to them, the
 * resync of what the old owner wrote around a takeover, rebuilds of replicas out of sync and their
 * return to the in-sync set, and the drop of a replica whose link fails. Copies run on the agent's
 * blocking pool, never on its thread or an I/O thread.
 */
final class ReplicaRepair {
  private static final Logger log = LoggerFactory.getLogger(ReplicaRepair.class);

  /** How long a new owner keeps trying to reach a replica before it drops it from in-sync. */
  static final long CONNECT_PATIENCE_MS = 10_000;

  private final String me;
  private final VolumeService volumes;
  private final Target target;
  private final ReplicaLinkKeys linkKeys;
  private final ClientTls linkTls;
  private final ScheduledExecutorService agent;
  private final ExecutorService blocking;

  ReplicaRepair(
      String me,
      VolumeService volumes,
      Target target,
      ReplicaLinkKeys linkKeys,
      ClientTls linkTls,
      ScheduledExecutorService agent,
      ExecutorService blocking) {
    this.me = me;
    this.volumes = volumes;
    this.target = target;
    this.linkKeys = linkKeys;
    this.linkTls = linkTls;
    this.agent = agent;
    this.blocking = blocking;
  }

  /**
   * The old owner is fenced from this replica now: report what it wrote here lately, for the new
   * owner's resync. Advisory; a report that cannot be written makes the new owner drop this replica
   * instead.
   */
  void reportRecentWrites(LocalVolume lv, VolumeRecord r) {
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
  void resync(LocalVolume lv, ReplicatedDevice device, VolumeRecord r) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RESYNC_REPORT_WAIT_MS);
    Map<String, VolumeService.RecentReport> reports = Map.of();
    Supplier<String> stop =
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
      TreeSet<Integer> regions = new TreeSet<>();
      reports.values().forEach(report -> regions.addAll(report.regions()));
      if (!reports.containsKey(me)) {
        // Our own replica's recent writes are unknown: every region may differ.
        for (int i = 0; i < new RegionMap(r.sizeBytes()).regions(); i++) {
          regions.add(i);
        }
      }
      for (RemoteReplica remote : device.inSyncReplicas()) {
        if (!reports.containsKey(remote.node())) {
          device.dropInSync(remote, new IOException("it did not report its recent writes in time"));
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
            device.dropInSync(failed, new IOException(copier.failure()));
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
  RemoteReplica connect(VolumeRecord r, String node, String address) {
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
  void startRebuilds(LocalVolume lv, VolumeRecord r, Map<String, NodeStatus> nodes) {
    ReplicatedDevice device = lv.replicated;
    if (device == null) {
      return;
    }
    long now = System.currentTimeMillis();
    for (String node : r.nodes()) {
      if (node.equals(me) || r.isInSync(node) || !NodeStatus.isUp(nodes, node)) {
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

  void rebuild(
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
        } catch (RejectedExecutionException e) {
          lv.rebuilding.remove(node);
        }
      }
    }
  }

  /** Adds a rebuilt replica to the in-sync set, if this node still owns the volume. */
  boolean rejoin(String name, long generation, String node) {
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
  boolean dropReplica(String name, long generation, String node, Throwable why) {
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
  void reportProblem(String volume, String node, String problem) {
    try {
      volumes.reportRebuild(volume, VolumeService.RebuildProgress.problem(node, problem));
    } catch (RuntimeException e) {
      log.debug("volume {}: problem of {} not recorded: {}", volume, node, e.toString());
    }
  }

  static void quietly(Runnable step) {
    try {
      step.run();
    } catch (RuntimeException e) {
      log.warn("volume agent: cleanup step failed: {}", e.toString());
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
