package io.weft.store.embedded;

import io.weft.store.ClusterStore;
import io.weft.store.Compare;
import io.weft.store.KeyValue;
import io.weft.store.Op;
import io.weft.store.StoreException;
import io.weft.store.TxnResult;
import io.weft.store.WatchEvent;
import io.weft.store.WatchListener;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single-node cluster store: the whole state in memory, every change forced to a write-ahead
 * log in the node's data directory before it is acknowledged, so it survives kill -9 and power
 * loss. It is the default when a node runs without etcd; it is deliberately not replicated (a
 * cluster of more than one node runs on etcd).
 *
 * <p>Leases survive a restart with their full TTL from the moment the store reopens, as etcd renews
 * leases when a new leader takes over: a holder that died with the process is noticed one TTL
 * later.
 */
public final class EmbeddedStore implements ClusterStore {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedStore.class);

  /** Revisions kept for watches that start in the past. */
  static final int HISTORY_REVISIONS = 10_000;

  /** Log records after which the state is snapshotted and the log emptied. */
  static final int SNAPSHOT_EVERY = 10_000;

  private final int snapshotEvery;

  private final Path dir;
  private final WriteAheadLog wal;
  private final TreeMap<String, KeyValue> data = new TreeMap<>();
  private final Map<Long, LeaseState> leases = new HashMap<>();
  private final SecureRandom random = new SecureRandom();
  private final WatchHub watches;
  private final ScheduledExecutorService expiry;
  private long revision;
  private long sequence;
  private boolean closed;

  private static final class LeaseState {
    final long ttlSeconds;
    long deadlineNanos;
    final Set<String> keys = new HashSet<>();

    LeaseState(long ttlSeconds) {
      this.ttlSeconds = ttlSeconds;
      renew();
    }

    void renew() {
      deadlineNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(ttlSeconds);
    }
  }

  private EmbeddedStore(Path dir, int snapshotEvery) {
    this.dir = dir;
    this.snapshotEvery = snapshotEvery;
    this.wal = WriteAheadLog.open(dir);
    WriteAheadLog.Snapshot s = wal.snapshot();
    revision = s.revision();
    sequence = s.sequence();
    for (KeyValue kv : s.keys()) {
      data.put(kv.key(), kv);
    }
    s.leaseTtls().forEach((id, ttl) -> leases.put(id, new LeaseState(ttl)));
    for (KeyValue kv : s.keys()) {
      attach(kv.key(), kv.lease());
    }
    watches = new WatchHub(HISTORY_REVISIONS, revision);
    for (WalRecord r : wal.records()) {
      replay(r);
    }
    if (wal.recordsSinceSnapshot() > 0) {
      wal.writeSnapshot(snapshotState());
    }
    expiry =
        Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("store-leases").unstarted(r));
    expiry.scheduleWithFixedDelay(this::expireLeases, 50, 50, TimeUnit.MILLISECONDS);
    log.info(
        "cluster store: embedded in {}, revision {}, {} keys, {} leases",
        dir,
        revision,
        data.size(),
        leases.size());
  }

  /**
   * Opens (or creates) the store in {@code dir}.
   *
   * @throws StoreException LOCKED if another process has it open, CORRUPT if its files are damaged
   */
  public static EmbeddedStore open(Path dir) {
    return new EmbeddedStore(dir, SNAPSHOT_EVERY);
  }

  /** As {@link #open(Path)}, snapshotting every {@code snapshotEvery} records (for tests). */
  static EmbeddedStore open(Path dir, int snapshotEvery) {
    return new EmbeddedStore(dir, snapshotEvery);
  }

  public Path directory() {
    return dir;
  }

  // ---- reads ----

  @Override
  public synchronized Optional<KeyValue> get(String key) {
    ensureOpen();
    return Optional.ofNullable(data.get(key));
  }

  @Override
  public synchronized List<KeyValue> list(String prefix) {
    ensureOpen();
    List<KeyValue> result = new ArrayList<>();
    for (KeyValue kv : data.tailMap(prefix, true).values()) {
      if (!kv.key().startsWith(prefix)) {
        break;
      }
      result.add(kv);
    }
    return result;
  }

  @Override
  public synchronized long revision() {
    ensureOpen();
    return revision;
  }

  // ---- writes ----

  @Override
  public synchronized TxnResult txn(List<Compare> when, List<Op> then, List<Op> otherwise) {
    ensureOpen();
    boolean holds = true;
    for (Compare c : when) {
      holds &= c.holds(data.get(c.key()));
    }
    List<Op> ops = holds ? then : otherwise;
    Set<String> seen = new HashSet<>();
    for (Op op : ops) {
      if (!seen.add(op.key())) {
        throw new IllegalArgumentException("key '" + op.key() + "' is written twice in one txn");
      }
      if (op instanceof Op.Put p && p.lease() != 0 && !leases.containsKey(p.lease())) {
        throw new StoreException(
            StoreException.Kind.LEASE_NOT_FOUND,
            "lease " + Long.toHexString(p.lease()) + " not found");
      }
    }
    long next = revision + 1;
    List<WalRecord.Change> changes = new ArrayList<>();
    for (Op op : ops) {
      KeyValue old = data.get(op.key());
      switch (op) {
        case Op.Put p ->
            changes.add(
                new WalRecord.Change(
                    p.key(),
                    p.value(),
                    old == null ? next : old.createRevision(),
                    old == null ? 1 : old.version() + 1,
                    p.lease()));
        case Op.Delete d -> {
          if (old != null) {
            changes.add(new WalRecord.Change(d.key(), null, 0, 0, 0));
          }
        }
      }
    }
    if (changes.isEmpty()) {
      return new TxnResult(holds, revision);
    }
    commit(new WalRecord.Write(++sequence, next, changes));
    return new TxnResult(holds, revision);
  }

  // ---- leases ----

  @Override
  public synchronized long grantLease(Duration ttl) {
    ensureOpen();
    long seconds = Math.max(1, (ttl.toMillis() + 999) / 1000);
    long id;
    do {
      id = random.nextLong() & Long.MAX_VALUE;
    } while (id == 0 || leases.containsKey(id));
    commit(new WalRecord.LeaseGranted(++sequence, id, seconds));
    return id;
  }

  @Override
  public synchronized Duration keepAlive(long lease) {
    ensureOpen();
    LeaseState l = leases.get(lease);
    if (l == null) {
      throw new StoreException(
          StoreException.Kind.LEASE_NOT_FOUND, "lease " + Long.toHexString(lease) + " not found");
    }
    l.renew();
    return Duration.ofSeconds(l.ttlSeconds);
  }

  @Override
  public synchronized void revokeLease(long lease) {
    ensureOpen();
    if (leases.containsKey(lease)) {
      endLease(lease);
    }
  }

  @Override
  public synchronized Optional<Duration> leaseTimeToLive(long lease) {
    ensureOpen();
    LeaseState l = leases.get(lease);
    if (l == null) {
      return Optional.empty();
    }
    return Optional.of(Duration.ofNanos(Math.max(0, l.deadlineNanos - System.nanoTime())));
  }

  private synchronized void expireLeases() {
    if (closed) {
      return;
    }
    long now = System.nanoTime();
    for (Long id : List.copyOf(leases.keySet())) {
      LeaseState l = leases.get(id);
      if (l != null && now - l.deadlineNanos >= 0) {
        log.info("lease {} expired ({} keys)", Long.toHexString(id), l.keys.size());
        try {
          endLease(id);
        } catch (StoreException e) {
          log.warn(
              "lease {} could not be ended, will retry: {}", Long.toHexString(id), e.toString());
        }
      }
    }
  }

  /** Deletes the lease's keys in one revision, then forgets the lease. */
  private void endLease(long id) {
    LeaseState l = leases.get(id);
    if (!l.keys.isEmpty()) {
      List<WalRecord.Change> deletes = new ArrayList<>();
      for (String key : new TreeSet<>(l.keys)) {
        deletes.add(new WalRecord.Change(key, null, 0, 0, 0));
      }
      commit(new WalRecord.Write(++sequence, revision + 1, deletes));
    }
    commit(new WalRecord.LeaseEnded(++sequence, id));
  }

  // ---- watches ----

  @Override
  public synchronized Watch watch(String prefix, long fromRevision, WatchListener listener) {
    ensureOpen();
    return watches.register(prefix, fromRevision, listener);
  }

  // ---- applying records ----

  /** Makes a record durable, then applies it; nothing changes if the log write fails. */
  private void commit(WalRecord r) {
    wal.append(r);
    replay(r);
    if (wal.recordsSinceSnapshot() >= snapshotEvery) {
      wal.writeSnapshot(snapshotState());
    }
  }

  private void replay(WalRecord r) {
    sequence = Math.max(sequence, r.sequence());
    switch (r) {
      case WalRecord.Write w -> {
        List<WatchEvent> events = new ArrayList<>(w.changes().size());
        for (WalRecord.Change c : w.changes()) {
          KeyValue old = data.get(c.key());
          if (old != null) {
            detach(c.key(), old.lease());
          }
          if (c.value() != null) {
            KeyValue kv =
                new KeyValue(
                    c.key(), c.value(), c.createRevision(), w.revision(), c.version(), c.lease());
            data.put(c.key(), kv);
            attach(c.key(), c.lease());
            events.add(new WatchEvent(WatchEvent.Type.PUT, kv));
          } else {
            data.remove(c.key());
            events.add(
                new WatchEvent(
                    WatchEvent.Type.DELETE,
                    new KeyValue(c.key(), new byte[0], 0, w.revision(), 0, 0)));
          }
        }
        revision = w.revision();
        watches.publish(events);
      }
      case WalRecord.LeaseGranted g -> leases.put(g.lease(), new LeaseState(g.ttlSeconds()));
      case WalRecord.LeaseEnded e -> leases.remove(e.lease());
    }
  }

  private void attach(String key, long lease) {
    LeaseState l = lease == 0 ? null : leases.get(lease);
    if (l != null) {
      l.keys.add(key);
    }
  }

  private void detach(String key, long lease) {
    LeaseState l = lease == 0 ? null : leases.get(lease);
    if (l != null) {
      l.keys.remove(key);
    }
  }

  private WriteAheadLog.Snapshot snapshotState() {
    Map<Long, Long> ttls = new LinkedHashMap<>();
    leases.forEach((id, l) -> ttls.put(id, l.ttlSeconds));
    return new WriteAheadLog.Snapshot(sequence, revision, List.copyOf(data.values()), ttls);
  }

  private void ensureOpen() {
    if (closed) {
      throw new StoreException(StoreException.Kind.CLOSED, "the cluster store is closed");
    }
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    expiry.shutdownNow();
    watches.close();
    wal.close();
  }
}
