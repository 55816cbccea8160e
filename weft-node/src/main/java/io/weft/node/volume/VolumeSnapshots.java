package io.weft.node.volume;

import io.weft.node.Failpoints;
import io.weft.node.snapshot.SnapshotRecord;
import io.weft.node.snapshot.SnapshotService;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's part in snapshots ({@link SnapshotRecord} says how one is taken): as a volume's owner
 * it stops writes, freezes the snapshot, waits for every replica's copy and marks it ready; as a
 * replica's node it copies its replica when the snapshot is frozen; and it removes the copies no
 * live snapshot names. Runs on the volume agent's thread, each round.
 */
final class VolumeSnapshots {
  private static final Logger log = LoggerFactory.getLogger(VolumeSnapshots.class);

  /** How long the owner holds writes while it waits for the replicas' copies. */
  static final long COPY_WAIT_MS = 10_000;

  /** A snapshot still being taken this long after it was asked for failed (its owner died). */
  static final long STALE_MS = 60_000;

  /** What the snapshots need of the node's volumes. */
  interface Replicas {
    /** Whether this node serves {@code volume} as owner of {@code generation} now. */
    boolean owns(String volume, long generation);

    /** Stops taking writes and lets those in flight complete; false if they did not in time. */
    boolean pause(String volume);

    void resume(String volume);

    /** Copies this node's replica of {@code volume} to {@code target}; false if it has none. */
    boolean copy(String volume, Path target) throws IOException;
  }

  private final String me;
  private final SnapshotService snapshots;
  private final ReplicaFiles files;
  private final Replicas replicas;

  VolumeSnapshots(String me, SnapshotService snapshots, ReplicaFiles files, Replicas replicas) {
    this.me = me;
    this.snapshots = snapshots;
    this.files = files;
    this.replicas = replicas;
  }

  /**
   * One round. {@code volumesNow}: the cluster's volumes by name, read when called. They are read
   * after the snapshots, so every snapshot's volume is there unless it was deleted (a snapshot is
   * only ever asked for of a volume that exists): a list read before could miss a volume created
   * just before its snapshot, and fail the snapshot for a volume that is there. A snapshot's copy
   * stays while a clone of it on this node has no replica file yet, even once the snapshot is
   * deleted (a volume cloned from a volume goes through a snapshot deleted as soon as the clone is
   * recorded).
   */
  void reconcile(java.util.function.Supplier<Map<String, VolumeRecord>> volumesNow) {
    java.util.List<SnapshotService.Versioned> all = snapshots.list();
    Map<String, VolumeRecord> volumes = volumesNow.get();
    Set<String> keep = new HashSet<>();
    for (VolumeRecord v : volumes.values()) {
      if (v.sourceSnapshot() != null
          && v.nodes().contains(me)
          && !Files.exists(files.replica(v.name()))) {
        keep.add(v.sourceSnapshot());
      }
    }
    for (SnapshotService.Versioned sv : all) {
      SnapshotRecord s = sv.snapshot();
      if (!s.nodes().contains(me)) {
        continue;
      }
      if (s.live()) {
        keep.add(s.uuid());
      }
      boolean stale = System.currentTimeMillis() - s.createdAtMillis() > STALE_MS;
      switch (s.state()) {
        case TAKING -> {
          VolumeRecord v = volumes.get(s.volume());
          if (v == null || v.generation() != s.generation() || stale) {
            // its owner changed or died before freezing it: nobody will take it
            fail(sv, v == null ? "the volume is gone" : "its owner changed");
          } else if (replicas.owns(s.volume(), s.generation())) {
            take(sv);
          }
        }
        case FROZEN -> {
          VolumeRecord v = volumes.get(s.volume());
          if (v == null || v.generation() != s.generation() || stale) {
            fail(sv, v == null ? "the volume is gone" : "its owner changed before finishing it");
          } else if (replicas.owns(s.volume(), s.generation())) {
            // an owner takes a snapshot from start to end within one round: finding it frozen
            // here means that owner died (or restarted) while it held writes
            fail(sv, "its owner restarted while taking it");
          } else {
            copyAndAck(s);
          }
        }
        default -> {}
      }
    }
    files.sweepSnapshots(keep);
  }

  /** As the volume's owner: writes stop, the snapshot freezes, every copy is made, writes go on. */
  private void take(SnapshotService.Versioned sv) {
    SnapshotRecord s = sv.snapshot();
    long start = System.nanoTime();
    boolean paused = replicas.pause(s.volume());
    try {
      if (!paused) {
        fail(sv, "writes in flight did not complete in time");
        return;
      }
      if (!snapshots.advance(sv, SnapshotRecord.State.FROZEN)) {
        return; // changed meanwhile (deleted): nothing to take
      }
      Failpoints.reach("snapshot.frozen");
      String own = copyAndAck(s);
      if (own != null) {
        fail(snapshots.get(s.name()).orElse(sv), "the owner's own copy failed: " + own);
        return;
      }
      long deadline = System.nanoTime() + COPY_WAIT_MS * 1_000_000L;
      Set<String> acks = snapshots.acks(s.name());
      while (!acks.containsAll(s.nodes()) && System.nanoTime() < deadline) {
        Thread.sleep(5);
        acks = snapshots.acks(s.name());
      }
      SnapshotService.Versioned frozen = snapshots.get(s.name()).orElse(null);
      if (frozen == null || frozen.snapshot().state() != SnapshotRecord.State.FROZEN) {
        return;
      }
      if (acks.containsAll(s.nodes())) {
        snapshots.advance(frozen, SnapshotRecord.State.READY);
        log.info(
            "snapshot {} of volume {}: ready on {}, writes held for {} µs",
            s.name(),
            s.volume(),
            s.nodes(),
            (System.nanoTime() - start) / 1000);
      } else {
        Set<String> missing = new HashSet<>(s.nodes());
        missing.removeAll(acks);
        fail(frozen, "no copy from " + missing + " in " + COPY_WAIT_MS + " ms");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      replicas.resume(s.volume()); // the ANA change was made even if the drain timed out
    }
  }

  /**
   * As a replica's node: copies the replica while the owner holds writes, and says so. Returns why
   * it could not, or null.
   */
  private String copyAndAck(SnapshotRecord s) {
    Path copy = files.snapshot(s.uuid());
    try {
      if (!Files.exists(copy)) {
        files.snapshotsDir();
        if (!replicas.copy(s.volume(), copy)) {
          return "no replica of " + s.volume() + " is open on " + me;
        }
        Failpoints.reach("snapshot.copied");
      }
      if (!snapshots.acks(s.name()).contains(me)) {
        snapshots.ack(s.name(), me);
      }
      return null;
    } catch (IOException | RuntimeException e) {
      log.error(
          "snapshot {} of volume {}: cannot copy the replica: {}",
          s.name(),
          s.volume(),
          e.getMessage());
      return e.getMessage();
    }
  }

  private void fail(SnapshotService.Versioned sv, String why) {
    if (snapshots.fail(sv, why)) {
      log.warn(
          "snapshot {} of volume {} failed: {}", sv.snapshot().name(), sv.snapshot().volume(), why);
    }
  }
}
