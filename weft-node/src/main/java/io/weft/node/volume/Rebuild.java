package io.weft.node.volume;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.block.BlockStatus;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings one replica back to the in-sync set while the volume stays online, on the owner. From its
 * start every write is mirrored to the replica too; then it copies, region by region, what the
 * replica may lack: the regions it missed since this owner dropped it (its change map), or all of
 * them when that is unknown (another owner dropped it, or it was the owner before). A region is
 * copied only when no write to it is in flight, and copied again if a write arrived meanwhile, so a
 * copy never overwrites newer data. When every region is copied the replica is identical, and only
 * then does it rejoin the in-sync set (by compare-and-set under this owner's generation).
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
    ByteBuf buffer = Unpooled.directBuffer((int) RegionMap.REGION);
    try {
      long copied = 0;
      long lastReport = 0;
      progress.report(0, total, full);
      RegionMap guard = device.guard();
      for (int region = 0; region < todo.regions(); region++) {
        if (!todo.isMarked(region)) {
          continue;
        }
        int attempts = 0;
        do {
          // Cleared first, then no write in flight: a write that begins after the clear marks the
          // region again (copied again), one that began before has landed before the copy reads.
          guard.clear(region);
          long waitedSince = System.nanoTime();
          while (guard.inFlight(region) > 0) {
            if (!alive()) {
              return false;
            }
            if (System.nanoTime() - waitedSince > MAX_WAIT_NANOS) {
              failure = "a region stayed busy with writes for 30 s";
              return false;
            }
            Thread.sleep(1);
          }
          if (++attempts > MAX_ATTEMPTS) {
            failure = "a region was written " + MAX_ATTEMPTS + " times while being copied";
            return false; // written without pause: try the rebuild again later
          }
          if (!copyRegion(region, buffer)) {
            return false;
          }
        } while (guard.isMarked(region));
        copied++;
        long now = System.nanoTime();
        if (now - lastReport > TimeUnit.MILLISECONDS.toNanos(500)) {
          progress.report(copied, total, full);
          lastReport = now;
        }
      }
      progress.report(total, total, full);
      return alive();
    } finally {
      buffer.release();
    }
  }

  /** How long one region may stay busy, and how often it may be copied, before giving up. */
  private static final long MAX_WAIT_NANOS = TimeUnit.SECONDS.toNanos(30);

  private static final int MAX_ATTEMPTS = 1000;

  private boolean alive() {
    if (device.isFenced() || !stillOwner.getAsBoolean()) {
      failure = "this node no longer owns the volume";
      return false;
    }
    if (device.catchUpFailed(remote)) {
      failure = "the replica failed a mirrored write";
      Throwable why = device.catchUpFailure(remote);
      if (why != null) {
        failure = ReplicaProblem.describe(why);
      }
      return false;
    }
    return true;
  }

  private boolean copyRegion(int region, ByteBuf buffer) throws InterruptedException {
    if (!alive()) {
      return false;
    }
    long offset = (long) region << RegionMap.REGION_SHIFT;
    int length = (int) Math.min(RegionMap.REGION, device.sizeBytes() - offset);
    CompletableFuture<Integer> read = new CompletableFuture<>();
    device.local().read(offset, buffer, 0, length, read::complete);
    try {
      int status = read.get(30, TimeUnit.SECONDS);
      if (status != BlockStatus.OK) {
        log.warn("volume {}: rebuild read failed: {}", volume, BlockStatus.describe(status));
        failure = "reading this node's replica failed (" + BlockStatus.describe(status) + ")";
        return false;
      }
      int shift = Integer.numberOfTrailingZeros(blockSize());
      if (allZeros(buffer, length)) {
        // Never written (or zeroed): Write Zeroes keeps the replica thin and sends no data.
        remote
            .namespace()
            .writeZeroes(offset >>> shift, length >>> shift)
            .get(30, TimeUnit.SECONDS);
      } else {
        remote.namespace().writeBlocking(offset >>> shift, length >>> shift, buffer, 0);
      }
      return true;
    } catch (ExecutionException | TimeoutException | IOException e) {
      log.warn("volume {}: rebuild of {} stopped: {}", volume, remote.node(), e.toString());
      failure = ReplicaProblem.describe(e);
      return false;
    }
  }

  private static boolean allZeros(ByteBuf b, int length) {
    int i = 0;
    for (; i + 8 <= length; i += 8) {
      if (b.getLong(i) != 0) {
        return false;
      }
    }
    for (; i < length; i++) {
      if (b.getByte(i) != 0) {
        return false;
      }
    }
    return true;
  }

  private int blockSize() {
    return remote.namespace().blockSize();
  }
}
