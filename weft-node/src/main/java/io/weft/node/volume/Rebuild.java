package io.weft.node.volume;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings one replica back to the in-sync set while the volume stays online, on the owner. From its
 * start every write is mirrored to the replica too; then it copies, region by region, what the
 * replica may lack: the regions it missed since this owner dropped it (its change map), or all of
 * them when that is unknown (another owner dropped it, or it was the owner before), through a
 * {@link RegionCopier}, which never leaves older data over a newer write. When every region is
 * copied the replica is identical, and only then does it rejoin the in-sync set (by compare-and-set
 * under this owner's generation).
 */
final class Rebuild {
  private static final Logger log = LoggerFactory.getLogger(Rebuild.class);

  /** Reports progress: regions copied, regions to copy, full copy or not. */
  interface Progress {
    void report(long copied, long total, boolean full);
  }

  private final String volume;
  private final ReplicatedDevice device;
  private final RemoteReplica remote;
  private final Progress progress;
  private final BooleanSupplier stillOwner;
  private volatile String failure = "abandoned";

  Rebuild(
      String volume,
      ReplicatedDevice device,
      RemoteReplica remote,
      Progress progress,
      BooleanSupplier stillOwner) {
    this.volume = volume;
    this.device = device;
    this.remote = remote;
    this.progress = progress;
    this.stillOwner = stillOwner;
  }

  /** Why {@link #copy} returned false, in a few words. */
  String failure() {
    return failure;
  }

  /**
   * Copies; returns true when the replica is identical to the owner's and mirrored (the caller then
   * adds it to the in-sync set), false if it was abandoned (the replica or the ownership failed).
   */
  boolean copy() throws InterruptedException {
    device.addCatchingUp(remote);
    RegionMap missed = device.takeChangeMap(remote.node());
    boolean full = missed == null;
    RegionMap todo = new RegionMap(device.sizeBytes());
    if (full) {
      todo.markAll();
    } else {
      todo.addAll(missed);
    }
    int total = todo.countMarked();
    log.info(
        "volume {}: rebuilding {} ({} of {} regions, {})",
        volume,
        remote.node(),
        total,
        todo.regions(),
        full ? "full copy" : "changed regions");
    try (RegionCopier copier = new RegionCopier(device, this::stopReason)) {
      long copied = 0;
      long lastReport = 0;
      progress.report(0, total, full);
      List<RemoteReplica> to = List.of(remote);
      for (int region = 0; region < todo.regions(); region++) {
        if (!todo.isMarked(region)) {
          continue;
        }
        if (!copier.copy(region, to)) {
          failure = copier.failure();
          return false;
        }
        copied++;
        long now = System.nanoTime();
        if (now - lastReport > TimeUnit.MILLISECONDS.toNanos(500)) {
          progress.report(copied, total, full);
          lastReport = now;
        }
      }
      progress.report(total, total, full);
      String stop = stopReason();
      if (stop != null) {
        failure = stop;
        return false;
      }
      return true;
    }
  }

  /** Why to stop copying, or null while the rebuild may go on. */
  private String stopReason() {
    if (device.isFenced() || !stillOwner.getAsBoolean()) {
      return "this node no longer owns the volume";
    }
    if (device.catchUpFailed(remote)) {
      Throwable why = device.catchUpFailure(remote);
      return why != null ? ReplicaProblem.describe(why) : "the replica failed a mirrored write";
    }
    return null;
  }
}
