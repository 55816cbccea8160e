package io.weft.node.volume;

import io.netty.buffer.ByteBuf;
import io.weft.block.BlockDevice;
import io.weft.block.BlockStatus;
import io.weft.block.IoCallback;
import io.weft.host.NvmeNamespace;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The owner's view of a replicated volume: reads come from the local replica; every write, flush,
 * write-zeroes and deallocate goes to the local replica, to every in-sync remote replica and to
 * every replica being rebuilt, and completes only when all of them completed, with the durability
 * the host asked for (FUA is passed on). An in-sync remote that fails is removed from the in-sync
 * set in the cluster store <em>before</em> the operation completes without it; if that removal is
 * refused because a newer owner took over, the operation completes with {@link
 * BlockStatus#PATH_UNAVAILABLE} and nothing is acknowledged. A replica being rebuilt that fails
 * only ends its rebuild.
 *
 * <p>Every modifying operation marks the 1 MiB regions it touches: in the rebuild guard (so a copy
 * never overwrites a newer write) and in the change map of every replica this owner dropped (so
 * their rebuild copies only what they missed).
 */
final class ReplicatedDevice implements BlockDevice {
  private static final Logger log = LoggerFactory.getLogger(ReplicatedDevice.class);

  /** Decides about a failed replica; blocking (a store transaction). */
  interface FailurePolicy {
    /**
     * @return true if {@code node} is now out of the in-sync set under this owner's generation;
     *     false if this owner has been fenced (a newer generation exists)
     */
    boolean dropReplica(String node, Throwable why);
  }

  private final String volume;
  private final BlockDevice local;
  private final int blockShift;
  private final FailurePolicy policy;
  private final Executor blocking;

  /** Writes in flight per region (what a copy waits out before it reads). */
  private final RegionMap inFlight;

  /** The guards of the copies under way (rebuilds, resyncs): every write marks each of them. */
  private volatile RegionMap[] copyGuards = new RegionMap[0];

  private final Object copyGuardLock = new Object();

  private final Map<String, RegionMap> changeMaps = new ConcurrentHashMap<>();
  private final Map<RemoteReplica, Throwable> catchUpFailed = new ConcurrentHashMap<>();

  /**
   * Where an operation goes, as one immutable snapshot: an operation reads it once, so a replica
   * moving from catching up to in sync is never missed by an operation that saw neither list.
   */
  private record Targets(List<RemoteReplica> inSync, List<RemoteReplica> catchingUp) {}

  private volatile Targets targets;
  private volatile boolean fenced;

  /** Handing over (a planned move): new operations are refused, those in flight complete. */
  private volatile boolean draining;

  /** Operations admitted and not yet completed, so a hand-over knows when they are all done. */
  private final AtomicInteger operations = new AtomicInteger();

  /**
   * Operations register in the current epoch; a rebuild starts a new one and waits for the older
   * one to drain, so that no operation that could have missed its replica (it read the targets
   * before the replica was added) is still running when the rebuild takes the change map. Each
   * epoch has its own counter, so two rebuilds starting together never wait on each other's new
   * operations.
   */
  private final java.util.concurrent.locks.ReentrantReadWriteLock epochLock =
      new java.util.concurrent.locks.ReentrantReadWriteLock();

  private AtomicInteger epochOps = new AtomicInteger();

  /** Overlapping writes run one after the other, in the same order on every replica. */
  private final OverlapOrder order = new OverlapOrder();

  ReplicatedDevice(
      String volume,
      BlockDevice local,
      int blockSize,
      List<RemoteReplica> remotes,
      FailurePolicy policy,
      Executor blocking) {
    this.volume = volume;
    this.local = local;
    this.blockShift = Integer.numberOfTrailingZeros(blockSize);
    this.targets = new Targets(List.copyOf(remotes), List.of());
    this.policy = policy;
    this.blocking = blocking;
    this.inFlight = new RegionMap(local.sizeBytes(), true);
  }

  List<String> remoteNodes() {
    return targets.inSync().stream().map(RemoteReplica::node).toList();
  }

  /** The remote replicas in sync now. */
  List<RemoteReplica> inSyncReplicas() {
    return targets.inSync();
  }

  /**
   * Drops an in-sync replica that may differ from this owner's and could not be made identical: out
   * of the in-sync set in the store first, and its next rebuild is a full copy. False if this owner
   * has been fenced meanwhile.
   */
  boolean dropInSync(RemoteReplica r, Throwable why) {
    return replicaFailed(r, why, 0, local.sizeBytes()) != BlockStatus.PATH_UNAVAILABLE;
  }

  /**
   * A guard for one copy: from now on every write marks it, until {@link #closeCopyGuard}. Writes
   * already in flight are counted in {@link #inFlight(int)}.
   */
  RegionMap openCopyGuard() {
    RegionMap g = new RegionMap(local.sizeBytes());
    synchronized (copyGuardLock) {
      RegionMap[] more = java.util.Arrays.copyOf(copyGuards, copyGuards.length + 1);
      more[more.length - 1] = g;
      copyGuards = more;
    }
    return g;
  }

  void closeCopyGuard(RegionMap g) {
    synchronized (copyGuardLock) {
      copyGuards =
          java.util.Arrays.stream(copyGuards).filter(x -> x != g).toArray(RegionMap[]::new);
    }
  }

  /** Writes in flight to {@code region}. */
  int inFlight(int region) {
    return inFlight.inFlight(region);
  }

  BlockDevice local() {
    return local;
  }

  boolean isFenced() {
    return fenced;
  }

  /** After a newer owner took over: every operation from now on is refused. */
  void fence() {
    fenced = true;
  }

  /**
   * Refuses new operations (as "retry another path") and waits until every operation in flight
   * completed, for at most {@code timeoutMillis}; true if none is left. A planned move calls this
   * before it moves ownership, so no write is cut off by the generation change.
   */
  boolean drain(long timeoutMillis) throws InterruptedException {
    draining = true;
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
    while (operations.get() > 0) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(0, 200_000);
    }
    return true;
  }

  /** Takes operations again (a hand-over that did not happen). */
  void resume() {
    draining = false;
  }

  /** Counts an operation in unless the device is fenced or draining; false if refused. */
  private boolean enter() {
    operations.incrementAndGet();
    // Counted first, then checked: a drain that set its flag and then saw no operation in flight
    // can never miss this one.
    if (fenced || draining) {
      operations.decrementAndGet();
      return false;
    }
    return true;
  }

  /**
   * Mirrors every operation from now on to {@code r} as well (a replica being rebuilt); its failure
   * fails the rebuild, never the host's operation. Returns once every operation begun before has
   * completed, so the change map the rebuild then takes is final for them.
   */
  void addCatchingUp(RemoteReplica r) throws InterruptedException {
    synchronized (this) {
      Targets t = targets;
      List<RemoteReplica> more = new ArrayList<>(t.catchingUp());
      more.add(r);
      targets = new Targets(t.inSync(), List.copyOf(more));
    }
    AtomicInteger old;
    epochLock.writeLock().lock();
    try {
      old = epochOps;
      epochOps = new AtomicInteger();
    } finally {
      epochLock.writeLock().unlock();
    }
    while (old.get() > 0) {
      Thread.sleep(1);
    }
  }

  boolean catchUpFailed(RemoteReplica r) {
    return catchUpFailed.containsKey(r);
  }

  /** Why a replica being rebuilt failed a mirrored operation, or null. */
  Throwable catchUpFailure(RemoteReplica r) {
    return catchUpFailed.get(r);
  }

  /**
   * Makes a rebuilt replica an in-sync target and, under the same lock, records it in the store
   * ({@code rejoin}): a failure of that replica meanwhile waits for both and then drops it by the
   * usual compare-and-set. Returns false (and leaves it out) if it failed while catching up or the
   * store refused.
   */
  synchronized boolean promoteAndJoin(RemoteReplica r, java.util.function.BooleanSupplier rejoin) {
    if (catchUpFailed.containsKey(r) || fenced) {
      return false;
    }
    Targets t = targets;
    List<RemoteReplica> rest = new ArrayList<>(t.catchingUp());
    rest.remove(r);
    List<RemoteReplica> more = new ArrayList<>(t.inSync());
    more.add(r);
    targets = new Targets(List.copyOf(more), List.copyOf(rest));
    boolean joined;
    try {
      joined = rejoin.getAsBoolean();
    } catch (RuntimeException e) {
      joined = false;
    }
    if (!joined) {
      targets = new Targets(t.inSync(), List.copyOf(rest));
    }
    return joined;
  }

  /** Stops mirroring to a replica whose rebuild ended without rejoining. */
  synchronized void removeCatchingUp(RemoteReplica r) {
    Targets t = targets;
    List<RemoteReplica> rest = new ArrayList<>(t.catchingUp());
    rest.remove(r);
    targets = new Targets(t.inSync(), List.copyOf(rest));
  }

  /**
   * How far each replica this owner dropped is behind: the bytes of the regions written since (what
   * a rebuild has to copy unless it copies everything), by node.
   */
  Map<String, Long> behindBytes() {
    Map<String, Long> out = new java.util.HashMap<>();
    changeMaps.forEach((node, map) -> out.put(node, (long) map.countMarked() * RegionMap.REGION));
    return out;
  }

  /** What {@code node} missed since this owner dropped it, or null if unknown (copy it all). */
  RegionMap takeChangeMap(String node) {
    return changeMaps.remove(node);
  }

  @Override
  public long sizeBytes() {
    return local.sizeBytes();
  }

  @Override
  public long usedBytes() {
    return local.usedBytes();
  }

  @Override
  public boolean volatileWriteCache() {
    return local.volatileWriteCache();
  }

  @Override
  public void read(long offset, ByteBuf dst, int dstIndex, int length, IoCallback callback) {
    if (!enter()) {
      callback.complete(BlockStatus.PATH_UNAVAILABLE);
      return;
    }
    local.read(
        offset,
        dst,
        dstIndex,
        length,
        status -> {
          operations.decrementAndGet();
          callback.complete(status);
        });
  }

  @Override
  public void write(
      long offset, ByteBuf src, int srcIndex, int length, boolean fua, IoCallback callback) {
    long slba = offset >>> blockShift;
    int blocks = length >>> blockShift;
    fanOut(
        offset,
        length,
        cb -> local.write(offset, src, srcIndex, length, fua, cb),
        ns ->
            fua ? ns.writeFua(slba, blocks, src, srcIndex) : ns.write(slba, blocks, src, srcIndex),
        callback);
  }

  @Override
  public void flush(IoCallback callback) {
    fanOut(0, 0, local::flush, NvmeNamespace::flush, callback);
  }

  @Override
  public void writeZeroes(long offset, long length, IoCallback callback) {
    long slba = offset >>> blockShift;
    int blocks = (int) (length >>> blockShift);
    fanOut(
        offset,
        length,
        cb -> local.writeZeroes(offset, length, cb),
        ns -> ns.writeZeroes(slba, blocks),
        callback);
  }

  @Override
  public void deallocate(long offset, long length, IoCallback callback) {
    long slba = offset >>> blockShift;
    long blocks = length >>> blockShift;
    fanOut(
        offset,
        length,
        cb -> local.deallocate(offset, length, cb),
        ns -> ns.deallocate(slba, blocks),
        callback);
  }

  /**
   * One operation on the local replica and every remote; completes once, when all did. A modifying
   * operation ({@code length > 0}) waits for earlier overlapping ones, and marks its regions.
   */
  private void fanOut(
      long offset,
      long length,
      Consumer<IoCallback> onLocal,
      Function<NvmeNamespace, CompletableFuture<Void>> onRemote,
      IoCallback callback) {
    if (!enter()) {
      callback.complete(BlockStatus.PATH_UNAVAILABLE);
      return;
    }
    IoCallback counted =
        status -> {
          operations.decrementAndGet();
          callback.complete(status);
        };
    if (length == 0) {
      fanOutNow(0, 0, onLocal, onRemote, counted);
      return;
    }
    order.admit(
        offset,
        length,
        ticket ->
            fanOutNow(
                offset,
                length,
                onLocal,
                onRemote,
                status -> {
                  order.complete(ticket);
                  counted.complete(status);
                }));
  }

  private void fanOutNow(
      long offset,
      long length,
      Consumer<IoCallback> onLocal,
      Function<NvmeNamespace, CompletableFuture<Void>> onRemote,
      IoCallback callback) {
    if (fenced) {
      callback.complete(BlockStatus.PATH_UNAVAILABLE);
      return;
    }
    AtomicInteger myEpoch;
    epochLock.readLock().lock();
    try {
      myEpoch = epochOps;
      myEpoch.incrementAndGet();
    } finally {
      epochLock.readLock().unlock();
    }
    // Read once, after registering in the epoch: a rebuild that added its replica after this read
    // waits for this operation before it takes the change map (which this operation marks).
    Targets t = targets;
    IoCallback done;
    if (length > 0) {
      // In flight first, then marked: a rebuild that clears the mark and then waits for nothing in
      // flight can never miss this write.
      inFlight.begin(offset, length);
      for (RegionMap g : copyGuards) {
        g.mark(offset, length);
      }
      for (RegionMap m : changeMaps.values()) {
        m.mark(offset, length);
      }
      done =
          status -> {
            inFlight.end(offset, length);
            myEpoch.decrementAndGet();
            callback.complete(status);
          };
    } else {
      done =
          status -> {
            myEpoch.decrementAndGet();
            callback.complete(status);
          };
    }
    Fan fan = new Fan(t.inSync().size() + t.catchingUp().size() + 1, done);
    for (RemoteReplica r : t.catchingUp()) {
      send(onRemote, r)
          .whenComplete(
              (ok, error) -> {
                if (error == null) {
                  fan.done(BlockStatus.OK);
                } else if (catchUpFailedNow(r, error)) {
                  // Promoted meanwhile: it is in sync now, so it must leave by the usual path.
                  runBlocking(() -> fan.done(replicaFailed(r, error, offset, length)), fan);
                } else {
                  fan.done(BlockStatus.OK);
                }
              });
    }
    for (RemoteReplica r : t.inSync()) {
      send(onRemote, r)
          .whenComplete(
              (ok, error) -> {
                if (error == null) {
                  fan.done(BlockStatus.OK);
                } else {
                  runBlocking(() -> fan.done(replicaFailed(r, error, offset, length)), fan);
                }
              });
    }
    onLocal.accept(fan::done);
  }

  /**
   * Records a catching-up replica's failure; true if it was promoted to in sync meanwhile (then the
   * caller drops it as an in-sync replica).
   */
  private synchronized boolean catchUpFailedNow(RemoteReplica r, Throwable error) {
    if (catchUpFailed.putIfAbsent(r, error) == null) {
      log.warn("volume {}: rebuild of {} failed: {}", volume, r.node(), error.toString());
    }
    return targets.inSync().contains(r);
  }

  /** Runs store work off the I/O thread; if that is refused (closing), the part fails. */
  private void runBlocking(Runnable work, Fan fan) {
    try {
      blocking.execute(work);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      fan.done(BlockStatus.PATH_UNAVAILABLE);
    }
  }

  private static CompletableFuture<Void> send(
      Function<NvmeNamespace, CompletableFuture<Void>> onRemote, RemoteReplica r) {
    try {
      return onRemote.apply(r.namespace());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Drops a failed replica (blocking store call); the status the operation gets for it. */
  private int replicaFailed(RemoteReplica r, Throwable error, long offset, long length) {
    // What this operation did on that replica is unknown now: its rebuild must copy the range.
    changeMaps
        .computeIfAbsent(r.node(), n -> new RegionMap(local.sizeBytes()))
        .mark(offset, length);
    synchronized (this) {
      if (!targets.inSync().contains(r)) {
        return fenced ? BlockStatus.PATH_UNAVAILABLE : BlockStatus.OK; // dropped already
      }
      boolean dropped;
      try {
        dropped = policy.dropReplica(r.node(), error);
      } catch (RuntimeException e) {
        // The store cannot be reached: the operation is neither on every in-sync replica nor may
        // the replica be dropped, so it cannot be acknowledged.
        log.warn("volume {}: cannot drop replica {}: {}", volume, r.node(), e.toString());
        return BlockStatus.IO_ERROR;
      }
      if (!dropped) {
        fenced = true;
        return BlockStatus.PATH_UNAVAILABLE;
      }
      Targets t = targets;
      List<RemoteReplica> rest = new ArrayList<>(t.inSync());
      rest.remove(r);
      targets = new Targets(List.copyOf(rest), t.catchingUp());
    }
    log.warn(
        "volume {}: replica on {} failed ({}); it is out of the in-sync set",
        volume,
        r.node(),
        error.toString());
    r.close();
    return BlockStatus.OK;
  }

  /** Counts completions and reports the worst status once all are in. */
  private static final class Fan {
    private final AtomicInteger left;
    private final AtomicInteger worst = new AtomicInteger(BlockStatus.OK);
    private final IoCallback callback;

    Fan(int parts, IoCallback callback) {
      this.left = new AtomicInteger(parts);
      this.callback = callback;
    }

    void done(int status) {
      if (status != BlockStatus.OK) {
        // PATH_UNAVAILABLE wins over everything: nothing may be acknowledged by a fenced owner.
        worst.accumulateAndGet(
            status,
            (a, b) -> a == BlockStatus.PATH_UNAVAILABLE ? a : (b != BlockStatus.OK ? b : a));
      }
      if (left.decrementAndGet() == 0) {
        callback.complete(worst.get());
      }
    }
  }

  @Override
  public void close() {
    Targets t;
    synchronized (this) {
      t = targets;
      targets = new Targets(List.of(), List.of());
    }
    t.inSync().forEach(RemoteReplica::close);
    t.catchingUp().forEach(RemoteReplica::close);
  }
}
