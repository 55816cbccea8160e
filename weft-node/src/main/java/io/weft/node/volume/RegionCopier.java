package io.weft.node.volume;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.block.BlockStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Copies regions of the owner's replica to remote replicas while hosts keep writing, without ever
 * leaving older data over a newer write: a region is copied after its mark in this copy's own guard
 * is cleared and no write to it is in flight (a write counts itself in flight before it marks the
 * guards), and copied again if a write marked it meanwhile. A region that reads as zeros goes as
 * Write Zeroes, which keeps a thin replica thin and sends no data. Used by rebuilds and by the
 * resync after a takeover.
 */
final class RegionCopier implements AutoCloseable {
  /** How long one region may stay busy, and how often it may be copied, before giving up. */
  private static final long MAX_WAIT_NANOS = TimeUnit.SECONDS.toNanos(30);

  private static final int MAX_ATTEMPTS = 1000;

  private final ReplicatedDevice device;
  private final RegionMap guard;
  private final ByteBuf buffer = Unpooled.directBuffer((int) RegionMap.REGION);
  private final Supplier<String> stopReason;
  private String failure = "abandoned";
  private RemoteReplica failedReplica;

  /**
   * @param stopReason checked while copying: why to stop (the owner was fenced...), or null
   */
  RegionCopier(ReplicatedDevice device, Supplier<String> stopReason) {
    this.device = device;
    this.stopReason = stopReason;
    this.guard = device.openCopyGuard();
  }

  /** Why the last {@link #copy} returned false, in a few words. */
  String failure() {
    return failure;
  }

  /** The replica whose write failed, if that is why the last copy returned false. */
  RemoteReplica failedReplica() {
    return failedReplica;
  }

  /** Copies {@code region} to every replica in {@code to}; false (see {@link #failure}) if not. */
  boolean copy(int region, List<RemoteReplica> to) throws InterruptedException {
    failedReplica = null;
    int attempts = 0;
    do {
      // Cleared first, then no write in flight: a write that begins after the clear marks the
      // region again (copied again), one that began before has landed before the copy reads.
      guard.clear(region);
      long waitedSince = System.nanoTime();
      while (device.inFlight(region) > 0) {
        if (stopped()) {
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
        return false;
      }
      if (stopped() || !copyOnce(region, to)) {
        return false;
      }
    } while (guard.isMarked(region));
    return true;
  }

  private boolean stopped() {
    String why = stopReason.get();
    if (why != null) {
      failure = why;
      return true;
    }
    return false;
  }

  private boolean copyOnce(int region, List<RemoteReplica> to) throws InterruptedException {
    long offset = (long) region << RegionMap.REGION_SHIFT;
    int length = (int) Math.min(RegionMap.REGION, device.sizeBytes() - offset);
    CompletableFuture<Integer> read = new CompletableFuture<>();
    device.local().read(offset, buffer, 0, length, read::complete);
    int status;
    try {
      status = read.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      status = BlockStatus.IO_ERROR;
    }
    if (status != BlockStatus.OK) {
      failure = "reading this node's replica failed (" + BlockStatus.describe(status) + ")";
      return false;
    }
    boolean zeros = allZeros(buffer, length);
    List<CompletableFuture<Void>> writes = new ArrayList<>(to.size());
    for (RemoteReplica r : to) {
      int shift = Integer.numberOfTrailingZeros(r.namespace().blockSize());
      writes.add(
          zeros
              ? r.namespace().writeZeroes(offset >>> shift, length >>> shift)
              : r.namespace().write(offset >>> shift, length >>> shift, buffer, 0));
    }
    boolean ok = true;
    for (int i = 0; i < writes.size(); i++) {
      try {
        writes.get(i).get(30, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
        if (ok) {
          failure = ReplicaProblem.describe(e);
          failedReplica = to.get(i);
        }
        ok = false;
      }
    }
    return ok;
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

  @Override
  public void close() {
    device.closeCopyGuard(guard);
    buffer.release();
  }
}
