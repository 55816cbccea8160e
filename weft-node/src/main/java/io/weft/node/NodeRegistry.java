package io.weft.node;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.store.ClusterStore;
import io.weft.store.Compare;
import io.weft.store.KeyValue;
import io.weft.store.LeaseKeeper;
import io.weft.store.Op;
import io.weft.store.StoreException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Nodes in the cluster store. Each node has two keys: {@code nodes/info/<id>} (its {@link
 * NodeInfo}, kept when it goes down, so the cluster still knows where it was and when it was last
 * seen) and {@code nodes/live/<id>} (its UUID, attached to its lease: present exactly while the
 * node is alive). Joining is a compare-and-set on the liveness key, so two processes never both
 * hold one node id: a node whose previous incarnation died takes its key over at once (same UUID,
 * from the same data directory), anyone else is refused until that lease expires.
 */
public final class NodeRegistry implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NodeRegistry.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  static final String INFO = "nodes/info/";
  static final String LIVE = "nodes/live/";

  private final ClusterStore store;
  private final Duration ttl;
  private Runnable onLost = () -> {};
  private Runnable onRegained = () -> {};
  private boolean closed;
  private LeaseKeeper keeper;
  private ScheduledExecutorService heartbeat;
  private NodeInfo self;

  public NodeRegistry(ClusterStore store, Duration ttl) {
    this.store = store;
    this.ttl = ttl;
  }

  /** True while this node holds a live lease (joined, and not lost since). */
  public synchronized boolean holdsLease() {
    return keeper != null && !keeper.isLost();
  }

  /** This node's lease TTL. */
  public Duration ttl() {
    return ttl;
  }

  /**
   * Registers this node and keeps it alive until {@link #close()}; {@code onLost} runs once if its
   * lease is lost (the node must then stop acting as a cluster member).
   *
   * @throws NodeException if another live node holds the id
   */
  public synchronized void join(NodeInfo info, Runnable onLost) {
    join(info, onLost, () -> {});
  }

  /**
   * As {@link #join(NodeInfo, Runnable)}; after a lost lease the node keeps trying to register
   * again (a new lease, its own live key taken over), and {@code onRegained} runs once it is back.
   */
  public synchronized void join(NodeInfo info, Runnable onLost, Runnable onRegained) {
    if (keeper != null) {
      throw new IllegalStateException("already joined");
    }
    this.onLost = onLost;
    this.onRegained = onRegained;
    LeaseKeeper k = LeaseKeeper.start(store, ttl, this::leaseLost);
    try {
      claim(info, k.lease());
      long now = System.currentTimeMillis();
      self = info.seenAt(now, measure());
      store.put(INFO + info.id(), json(self));
    } catch (RuntimeException e) {
      k.close();
      throw e;
    }
    keeper = k;
    heartbeat =
        Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("node-heartbeat").unstarted(r));
    heartbeat.scheduleWithFixedDelay(
        this::recordSeen, ttl.toMillis(), ttl.toMillis(), TimeUnit.MILLISECONDS);
    log.info(
        "node {} joined the cluster (lease {}, TTL {} s)",
        info.id(),
        Long.toHexString(k.lease()),
        ttl.toSeconds());
  }

  /** The lease is gone: tell the node (it fences), then try to come back every half TTL. */
  private void leaseLost() {
    onLost.run();
    synchronized (this) {
      if (closed || heartbeat == null) {
        return;
      }
      heartbeat.schedule(this::rejoin, ttl.toMillis() / 2, TimeUnit.MILLISECONDS);
    }
  }

  private void rejoin() {
    NodeInfo info;
    synchronized (this) {
      if (closed || self == null) {
        return;
      }
      info = self;
    }
    LeaseKeeper k = null;
    try {
      k = LeaseKeeper.start(store, ttl, this::leaseLost);
      claim(info, k.lease());
      synchronized (this) {
        if (closed) {
          k.close();
          return;
        }
        keeper = k;
      }
      log.info("node {} is back in the cluster (lease {})", info.id(), Long.toHexString(k.lease()));
      onRegained.run();
    } catch (RuntimeException e) {
      if (k != null) {
        k.close();
      }
      log.warn("node {} cannot rejoin yet: {}", info.id(), e.getMessage());
      synchronized (this) {
        if (!closed && heartbeat != null) {
          heartbeat.schedule(this::rejoin, ttl.toMillis() / 2, TimeUnit.MILLISECONDS);
        }
      }
    }
  }

  private void claim(NodeInfo info, long lease) {
    String key = LIVE + info.id();
    byte[] mine = info.uuid().getBytes(StandardCharsets.UTF_8);
    for (int attempt = 0; attempt < 10; attempt++) {
      KeyValue held = store.get(key).orElse(null);
      if (held == null) {
        if (store.create(key, mine, lease)) {
          return;
        }
        continue; // someone created it meanwhile: look again
      }
      if (!held.valueAsString().equals(info.uuid())) {
        throw new NodeException(
            "node id '"
                + info.id()
                + "' is alive elsewhere (node uuid "
                + held.valueAsString()
                + "); choose another --id, or wait for that node's lease to expire");
      }
      // Our previous incarnation died without revoking its lease: take the key over now.
      if (store
          .txn(
              List.of(Compare.modRevision(key, held.modRevision())),
              List.of(Op.put(key, mine, lease)),
              List.of())
          .succeeded()) {
        if (held.lease() != 0 && held.lease() != lease) {
          store.revokeLease(held.lease());
        }
        log.info("node {}: took over the registration of its previous run", info.id());
        return;
      }
    }
    throw new NodeException("node id '" + info.id() + "' keeps changing hands; try again");
  }

  private volatile java.util.function.Supplier<NodeInfo.Usage> usage = () -> null;

  /** What the node measures of its disk; recorded with "last seen" at every heartbeat. */
  public void reportUsage(java.util.function.Supplier<NodeInfo.Usage> measure) {
    this.usage = measure;
  }

  private NodeInfo.Usage measure() {
    try {
      return usage.get();
    } catch (RuntimeException e) {
      log.warn("cannot measure this node's disk: {}", e.toString());
      return null;
    }
  }

  /** Refreshes "last seen", only while the liveness key is still ours. */
  private void recordSeen() {
    NodeInfo info;
    synchronized (this) {
      if (self == null) {
        return;
      }
      self = self.seenAt(System.currentTimeMillis(), measure());
      info = self;
    }
    try {
      store.txn(
          List.of(Compare.value(LIVE + info.id(), info.uuid())),
          List.of(Op.put(INFO + info.id(), json(info))),
          List.of());
    } catch (StoreException e) {
      log.warn("node {}: cannot record that it is alive: {}", info.id(), e.getMessage());
    }
  }

  /** Every node the cluster knows, in id order, up or down. */
  public List<NodeStatus> nodes() {
    Map<String, KeyValue> live = new HashMap<>();
    for (KeyValue kv : store.list(LIVE)) {
      live.put(kv.key().substring(LIVE.length()), kv);
    }
    List<NodeStatus> result = new ArrayList<>();
    for (KeyValue kv : store.list(INFO)) {
      NodeInfo info = parse(kv);
      KeyValue alive = live.get(info.id());
      boolean up = alive != null && alive.valueAsString().equals(info.uuid());
      result.add(new NodeStatus(info, up ? NodeStatus.State.UP : NodeStatus.State.DOWN));
    }
    return result;
  }

  /** Goes silent as a crashed node does: no revoke, the lease expires one TTL later. */
  public synchronized void abandon() {
    closed = true;
    if (heartbeat != null) {
      heartbeat.shutdownNow();
    }
    if (keeper != null) {
      keeper.abandon();
      keeper = null;
    }
  }

  /** Leaves the cluster: the lease is revoked, so the node shows as down at once. */
  @Override
  public synchronized void close() {
    closed = true;
    if (heartbeat != null) {
      heartbeat.shutdownNow();
    }
    if (keeper != null) {
      try {
        recordSeenNow();
      } finally {
        keeper.close();
        keeper = null;
        log.info("node {} left the cluster", self.id());
      }
    }
  }

  private void recordSeenNow() {
    try {
      self = self.seenAt(System.currentTimeMillis(), measure());
      store.txn(
          List.of(Compare.value(LIVE + self.id(), self.uuid())),
          List.of(Op.put(INFO + self.id(), json(self))),
          List.of());
    } catch (StoreException e) {
      log.warn("node {}: last seen not recorded: {}", self.id(), e.getMessage());
    }
  }

  private static byte[] json(NodeInfo info) {
    try {
      return JSON.writeValueAsBytes(info);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static NodeInfo parse(KeyValue kv) {
    try {
      return JSON.readValue(kv.value(), NodeInfo.class);
    } catch (IOException e) {
      throw new NodeException("node record " + kv.key() + " is not readable: " + e.getMessage(), e);
    }
  }
}
