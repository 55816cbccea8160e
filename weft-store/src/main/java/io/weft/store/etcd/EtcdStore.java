package io.weft.store.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Txn;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchResponse;
import io.grpc.Status;
import io.weft.store.ClusterStore;
import io.weft.store.Compare;
import io.weft.store.EtcdAccess;
import io.weft.store.KeyValue;
import io.weft.store.Op;
import io.weft.store.StoreException;
import io.weft.store.TxnResult;
import io.weft.store.WatchEvent;
import io.weft.store.WatchListener;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster store on a real etcd v3 cluster, through the jetcd client (which fails over between
 * the endpoints it is given, so one member down changes nothing while a quorum stands). Every key
 * is kept under a namespace ({@code /weft/} by default) so Weft can share an etcd with others.
 */
public final class EtcdStore implements ClusterStore {
  private static final Logger log = LoggerFactory.getLogger(EtcdStore.class);

  /** How long one call waits before it reports the store unavailable. */
  static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

  private final Client client;
  private final KV kv;
  private final List<URI> endpoints;

  /** Set when the store is closed: the watches jetcd then completes end with CLOSED. */
  private volatile boolean closed;

  private EtcdStore(List<URI> endpoints, String namespace, EtcdAccess access) {
    this.endpoints = List.copyOf(endpoints);
    ClientBuilder builder =
        Client.builder()
            .endpoints(endpoints.toArray(URI[]::new))
            .namespace(bytes(namespace))
            .connectTimeout(Duration.ofSeconds(3))
            .retryMaxDuration(CALL_TIMEOUT)
            .waitForReady(false);
    if (access.user() != null) {
      builder.user(bytes(access.user())).password(bytes(access.password()));
    }
    if (access.tls()) {
      try {
        builder.sslContext(
            tls -> {
              if (access.caFile() != null) {
                tls.trustManager(access.caFile().toFile());
              }
              if (access.certFile() != null) {
                tls.keyManager(access.certFile().toFile(), access.keyFile().toFile());
              }
            });
      } catch (SSLException | IllegalArgumentException e) {
        throw new StoreException(StoreException.Kind.UNAVAILABLE, "etcd TLS: " + e.getMessage(), e);
      }
    }
    this.client = builder.build();
    this.kv = client.getKVClient();
  }

  /**
   * Connects to an etcd cluster.
   *
   * @param endpoints client URLs of its members, e.g. {@code http://127.0.0.1:2379}
   * @param namespace prefix under which every key is kept
   */
  public static EtcdStore connect(List<URI> endpoints, String namespace) {
    return connect(endpoints, namespace, EtcdAccess.none());
  }

  /** As {@link #connect(List, String)}, authenticating and encrypting as {@code access} says. */
  public static EtcdStore connect(List<URI> endpoints, String namespace, EtcdAccess access) {
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("no etcd endpoint given");
    }
    return new EtcdStore(endpoints, namespace, access);
  }

  public List<URI> endpoints() {
    return endpoints;
  }

  @Override
  public Optional<KeyValue> get(String key) {
    GetResponse r = retried(() -> kv.get(bytes(key)), "get " + key);
    return r.getKvs().isEmpty() ? Optional.empty() : Optional.of(convert(r.getKvs().get(0)));
  }

  @Override
  public List<KeyValue> list(String prefix) {
    GetOption option =
        GetOption.builder()
            .isPrefix(true)
            .withSortField(GetOption.SortTarget.KEY)
            .withSortOrder(GetOption.SortOrder.ASCEND)
            .build();
    GetResponse r = retried(() -> kv.get(bytes(prefix), option), "list " + prefix);
    List<KeyValue> result = new ArrayList<>(r.getKvs().size());
    r.getKvs().forEach(x -> result.add(convert(x)));
    return result;
  }

  @Override
  public long revision() {
    // A count-only read of one key returns the store's revision in its header.
    GetOption option = GetOption.builder().withCountOnly(true).build();
    return retried(() -> kv.get(bytes("\0"), option), "revision").getHeader().getRevision();
  }

  @Override
  public TxnResult txn(List<Compare> when, List<Op> then, List<Op> otherwise) {
    Txn txn = kv.txn();
    txn.If(when.stream().map(EtcdStore::cmp).toArray(Cmp[]::new));
    txn.Then(then.stream().map(EtcdStore::op).toArray(io.etcd.jetcd.op.Op[]::new));
    txn.Else(otherwise.stream().map(EtcdStore::op).toArray(io.etcd.jetcd.op.Op[]::new));
    TxnResponse r = await(txn.commit(), "txn");
    return new TxnResult(r.isSucceeded(), r.getHeader().getRevision());
  }

  @Override
  public Watch watch(String prefix, long fromRevision, WatchListener listener) {
    WatchOption option =
        WatchOption.builder()
            .isPrefix(true)
            .withRevision(Math.max(1, fromRevision))
            // etcd's answer to each (re)creation of the watch, so a resumed watch is noticed
            .withCreateNotify(true)
            .build();
    WatchAdapter adapter = new WatchAdapter(prefix, listener);
    io.etcd.jetcd.Watch.Watcher watcher =
        client.getWatchClient().watch(bytes(prefix), option, adapter);
    return () -> {
      adapter.closedByOwner = true;
      watcher.close();
    };
  }

  /**
   * One watch's listener as the contract wants it. jetcd reports every error of a watch's stream,
   * also those it recovers from by resuming on another member from the next revision (the member
   * died); the contract's onError ends the watch, so only the error that made jetcd give up, after
   * which it completes the watch, is passed on.
   */
  private final class WatchAdapter implements io.etcd.jetcd.Watch.Listener {
    private final String prefix;
    private final WatchListener listener;
    private volatile Throwable lastError;
    volatile boolean closedByOwner;

    WatchAdapter(String prefix, WatchListener listener) {
      this.prefix = prefix;
      this.listener = listener;
    }

    @Override
    public void onNext(WatchResponse response) {
      Throwable interrupted = lastError;
      if (interrupted != null) {
        lastError = null;
        log.info("watch {} resumed after its stream failed ({})", prefix, interrupted.toString());
      }
      deliver(response, listener);
    }

    @Override
    public void onError(Throwable error) {
      lastError = error; // jetcd resumes unless it completes the watch next
    }

    @Override
    public void onCompleted() {
      if (closedByOwner) {
        return;
      }
      Throwable error = lastError;
      if (closed) {
        listener.onError(
            new StoreException(StoreException.Kind.CLOSED, "watch " + prefix + ": store closed"));
      } else if (error != null) {
        listener.onError(translate(error, "watch " + prefix));
      } else {
        listener.onError(
            new StoreException(
                StoreException.Kind.UNAVAILABLE, "watch " + prefix + ": etcd ended the watch"));
      }
    }
  }

  /** Splits a response into one batch per revision, as the contract promises. */
  private static void deliver(WatchResponse response, WatchListener listener) {
    List<WatchEvent> batch = new ArrayList<>();
    long revision = -1;
    for (io.etcd.jetcd.watch.WatchEvent e : response.getEvents()) {
      KeyValue kv = convert(e.getKeyValue());
      if (revision != -1 && kv.modRevision() != revision) {
        listener.onEvents(List.copyOf(batch));
        batch.clear();
      }
      revision = kv.modRevision();
      WatchEvent.Type type =
          e.getEventType() == io.etcd.jetcd.watch.WatchEvent.EventType.DELETE
              ? WatchEvent.Type.DELETE
              : WatchEvent.Type.PUT;
      batch.add(new WatchEvent(type, kv));
    }
    if (!batch.isEmpty()) {
      listener.onEvents(List.copyOf(batch));
    }
  }

  @Override
  public long grantLease(Duration ttl) {
    long seconds = Math.max(1, (ttl.toMillis() + 999) / 1000);
    return await(client.getLeaseClient().grant(seconds), "grant lease").getID();
  }

  @Override
  public Duration keepAlive(long lease) {
    // A renewal only resets the TTL, so sending it again is as safe as a read.
    long ttl =
        retried(() -> client.getLeaseClient().keepAliveOnce(lease), "keep lease alive").getTTL();
    if (ttl <= 0) {
      throw leaseNotFound(lease);
    }
    return Duration.ofSeconds(ttl);
  }

  @Override
  public void revokeLease(long lease) {
    try {
      await(client.getLeaseClient().revoke(lease), "revoke lease");
    } catch (StoreException e) {
      if (e.kind() != StoreException.Kind.LEASE_NOT_FOUND) {
        throw e;
      }
    }
  }

  @Override
  public Optional<Duration> leaseTimeToLive(long lease) {
    long ttl =
        retried(() -> client.getLeaseClient().timeToLive(lease, LeaseOption.DEFAULT), "lease TTL")
            .getTTL();
    return ttl < 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(ttl));
  }

  @Override
  public void close() {
    closed = true;
    client.close();
  }

  // ---- conversions ----

  private static Cmp cmp(Compare c) {
    ByteSequence key = bytes(c.key());
    return switch (c.target()) {
      case MOD_REVISION -> new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(c.number()));
      case VERSION -> new Cmp(key, Cmp.Op.EQUAL, CmpTarget.version(c.number()));
      case VALUE -> new Cmp(key, Cmp.Op.EQUAL, CmpTarget.value(ByteSequence.from(c.value())));
    };
  }

  private static io.etcd.jetcd.op.Op op(Op o) {
    return switch (o) {
      case Op.Put p ->
          io.etcd.jetcd.op.Op.put(
              bytes(p.key()),
              ByteSequence.from(p.value()),
              p.lease() == 0
                  ? PutOption.DEFAULT
                  : PutOption.builder().withLeaseId(p.lease()).build());
      case Op.Delete d -> io.etcd.jetcd.op.Op.delete(bytes(d.key()), DeleteOption.DEFAULT);
    };
  }

  private static KeyValue convert(io.etcd.jetcd.KeyValue x) {
    return new KeyValue(
        x.getKey().toString(StandardCharsets.UTF_8),
        x.getValue().getBytes(),
        x.getCreateRevision(),
        x.getModRevision(),
        x.getVersion(),
        x.getLease());
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  // ---- errors ----

  /**
   * A call that changes nothing if made twice (a read, a lease renewal), made again while etcd is
   * briefly unreachable, until {@link #CALL_TIMEOUT} has passed. jetcd retries some failures of a
   * read itself, but not those of the moment a member dies: a read sent on the connection to it
   * fails UNKNOWN "channel closed" or UNAVAILABLE "io exception", and one that reached a member as
   * the leader changed fails UNAVAILABLE "leader changed". A write is never made again here, as
   * whether it landed is unknown; the contract leaves that to the caller, who re-reads.
   */
  private static <T> T retried(Supplier<CompletableFuture<T>> call, String what) {
    long deadline = System.nanoTime() + CALL_TIMEOUT.toNanos();
    long pauseMillis = 20;
    while (true) {
      try {
        return await(call.get(), what, Math.max(1, deadline - System.nanoTime()));
      } catch (StoreException e) {
        long left = deadline - System.nanoTime();
        if (!isTransient(e.getCause()) || left < TimeUnit.MILLISECONDS.toNanos(pauseMillis)) {
          throw e;
        }
        log.debug("{}: {}; trying again", what, e.getMessage());
        try {
          Thread.sleep(pauseMillis);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
        pauseMillis = Math.min(pauseMillis * 2, 500);
      }
    }
  }

  /**
   * A call failed because a member or the connection to it went away, not because of what it asked:
   * asked again, a member that is still up can answer it.
   */
  private static boolean isTransient(Throwable error) {
    Status status = Status.fromThrowable(error);
    return status.getCode() == Status.Code.UNAVAILABLE
        || status.getCode() == Status.Code.UNKNOWN
            && String.valueOf(status.getDescription()).contains("channel closed");
  }

  private static <T> T await(CompletableFuture<T> future, String what) {
    return await(future, what, CALL_TIMEOUT.toNanos());
  }

  private static <T> T await(CompletableFuture<T> future, String what, long timeoutNanos) {
    try {
      return future.get(timeoutNanos, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException(StoreException.Kind.UNAVAILABLE, what + ": interrupted", e);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new StoreException(
          StoreException.Kind.UNAVAILABLE,
          what + ": etcd did not answer within " + CALL_TIMEOUT.toSeconds() + " s",
          e);
    } catch (ExecutionException e) {
      throw translate(e.getCause(), what);
    }
  }

  private static StoreException translate(Throwable error, String what) {
    if (error instanceof StoreException s) {
      return s;
    }
    if (error instanceof CompactedException c) {
      return new StoreException(
          StoreException.Kind.COMPACTED,
          what
              + ": revision compacted (etcd keeps revisions after "
              + c.getCompactedRevision()
              + ")",
          error);
    }
    if (error instanceof EtcdException e && e.getErrorCode() == ErrorCode.NOT_FOUND
        || Status.fromThrowable(error).getCode() == Status.Code.NOT_FOUND) {
      // The only thing etcd's KV and lease calls report as not found is a lease.
      return new StoreException(
          StoreException.Kind.LEASE_NOT_FOUND, what + ": " + error.getMessage(), error);
    }
    Status status = Status.fromThrowable(error);
    Status.Code code = status.getCode();
    // etcd answers a client without credentials with INVALID_ARGUMENT "user name is empty".
    boolean noUser =
        code == Status.Code.INVALID_ARGUMENT
            && String.valueOf(status.getDescription()).contains("user name is empty");
    if (code == Status.Code.UNAUTHENTICATED || code == Status.Code.PERMISSION_DENIED || noUser) {
      // Not an outage: retrying will not help, the credentials or the role must change.
      return new StoreException(
          StoreException.Kind.UNAVAILABLE,
          what
              + ": etcd refused this client ("
              + status.getDescription()
              + "); check --store-user/--store-password and the user's role",
          error);
    }
    if (error instanceof io.etcd.jetcd.common.exception.ClosedClientException) {
      return new StoreException(StoreException.Kind.CLOSED, what + ": client closed", error);
    }
    return new StoreException(StoreException.Kind.UNAVAILABLE, what + ": " + error, error);
  }

  private static StoreException leaseNotFound(long lease) {
    return new StoreException(
        StoreException.Kind.LEASE_NOT_FOUND, "lease " + Long.toHexString(lease) + " not found");
  }
}
