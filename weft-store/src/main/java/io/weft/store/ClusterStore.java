package io.weft.store;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The one contract for Weft's cluster state: string keys with revisions, compare-and-set
 * transactions, prefix watches, and leases that expire when their holder stops renewing them.
 * Discovery, high availability and the control plane all stand on it and keep no state of their
 * own.
 *
 * <p>The semantics are etcd v3's, so that the two implementations are interchangeable: every
 * committed write advances one store-wide revision; a key's {@code modRevision} is the revision
 * that last wrote it; a transaction's comparisons and writes are atomic; a watch delivers every
 * change under its prefix from its start revision on, in order, without gaps; a lease's keys are
 * deleted together, in one revision, when it expires or is revoked. Nothing may be decided by a
 * timer alone: ownership changes are transactions on a revision, liveness is a lease.
 *
 * <p>A call that fails with {@code UNAVAILABLE} (the store unreachable, or an etcd cluster electing
 * a leader) may or may not have taken effect: a caller re-reads before it decides again, which
 * every compare-and-set loop does anyway.
 *
 * <p>Implementations: {@code EmbeddedStore} (one node, durable in its data directory) and {@code
 * EtcdStore} (a real etcd cluster). Calls block the calling thread; never call them on an I/O event
 * loop.
 */
public interface ClusterStore extends AutoCloseable {
  /** The key's current state, if it exists. */
  Optional<KeyValue> get(String key);

  /** Every key that starts with {@code prefix}, in key order. */
  List<KeyValue> list(String prefix);

  /** The store's current revision (that of the last committed write). */
  long revision();

  /**
   * Runs {@code then} if every comparison holds, else {@code otherwise}, atomically. Both branches
   * may be empty; an empty comparison list always holds.
   */
  TxnResult txn(List<Compare> when, List<Op> then, List<Op> otherwise);

  /** An unconditional put; returns the new revision. */
  default long put(String key, byte[] value) {
    return txn(List.of(), List.of(Op.put(key, value)), List.of()).revision();
  }

  /** An unconditional put of UTF-8 text; returns the new revision. */
  default long put(String key, String value) {
    return txn(List.of(), List.of(Op.put(key, value)), List.of()).revision();
  }

  /** Deletes the key if it exists; returns the store revision afterwards. */
  default long delete(String key) {
    return txn(List.of(), List.of(Op.delete(key)), List.of()).revision();
  }

  /**
   * Creates the key only if it does not exist: the building block of "exactly one wins".
   *
   * @return true if this call created it
   */
  default boolean create(String key, byte[] value, long lease) {
    return txn(List.of(Compare.absent(key)), List.of(Op.put(key, value, lease)), List.of())
        .succeeded();
  }

  /**
   * Watches every key under {@code prefix}, delivering changes from {@code fromRevision}
   * (inclusive) on; {@code revision() + 1} means "only what happens from now". A start revision
   * older than the store still remembers ends the watch with a {@code COMPACTED} error.
   */
  Watch watch(String prefix, long fromRevision, WatchListener listener);

  /** Grants a lease of {@code ttl} (whole seconds, at least 1); returns its id. */
  long grantLease(Duration ttl);

  /**
   * Renews a lease to its full TTL.
   *
   * @return the TTL it now has
   * @throws StoreException LEASE_NOT_FOUND if it expired or was revoked
   */
  Duration keepAlive(long lease);

  /** Revokes a lease now, deleting its keys; a lease that is already gone is not an error. */
  void revokeLease(long lease);

  /** The time a lease has left, or empty if it is gone. */
  Optional<Duration> leaseTimeToLive(long lease);

  /** Ends every watch and releases the store; leases are left to expire on their own. */
  @Override
  void close();

  /** An open watch; closing it stops delivery. */
  interface Watch extends AutoCloseable {
    @Override
    void close();
  }
}
