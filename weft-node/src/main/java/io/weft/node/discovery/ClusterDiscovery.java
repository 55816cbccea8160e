package io.weft.node.discovery;

import io.weft.node.NodeInfo;
import io.weft.node.NodeRegistry;
import io.weft.node.NodeStatus;
import io.weft.node.volume.VolumeRecord;
import io.weft.node.volume.VolumeService;
import io.weft.protocol.discovery.DiscoveryInformation;
import io.weft.protocol.discovery.DiscoveryLogEntry;
import io.weft.protocol.discovery.DiscoveryLogPage;
import io.weft.protocol.nvme.Status;
import io.weft.store.ClusterStore;
import io.weft.store.StoreException;
import io.weft.tgt.DiscoverySource;
import io.weft.tgt.Target;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A centralized discovery controller over the cluster store: an NVMe/TCP endpoint whose discovery
 * log lists, for each host, the volumes that host may use (a volume's allowed hosts; a volume open
 * to all is listed to all) with one entry per node that holds a replica and is up, so a multipath
 * host finds every path; plus the service's own entry (SUBTYPE 3). Each host's log is kept until
 * the store changes (a boot storm reads memory, not the store); a change recomputes the cached logs
 * and sends the discovery-log-change notice to the persistent discovery controllers of the hosts
 * whose log changed, and only to them.
 */
public final class ClusterDiscovery implements DiscoverySource, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ClusterDiscovery.class);

  /** A host's log: the generation it changed at and its entries. */
  private static final class View {
    final long generation;
    final List<DiscoveryLogEntry> entries;

    /** When a host last read it ({@link System#nanoTime}): idle views are let go. */
    volatile long lastRead = System.nanoTime();

    View(long generation, List<DiscoveryLogEntry> entries) {
      this.generation = generation;
      this.entries = entries;
    }
  }

  /**
   * A kept log whose host has no discovery controller here and has not read it for this long is
   * dropped (computed again if the host comes back), so hosts that came once do not stay forever.
   */
  static final java.time.Duration IDLE_VIEW = java.time.Duration.ofMinutes(10);

  private volatile long idleViewNanos = IDLE_VIEW.toNanos();
  private long lastSweepNanos = System.nanoTime();

  /**
   * What the logs are made of, built once per change rather than once per host: every volume (in
   * name order) and every registered subsystem or pulled controller that answers, as the logs list
   * them; then the referrals, which the logs list last.
   */
  private record Snapshot(List<Listing> listings, List<Listing> referrals) {}

  /**
   * Entries the logs list together: the hosts that may see them (empty: every host), as a set since
   * every host's log is computed at each change, and the entries (a volume's: one per node that
   * holds a replica and is up).
   */
  private record Listing(Set<String> allowedHosts, List<DiscoveryLogEntry> entries) {
    boolean visibleTo(String hostNqn) {
      return allowedHosts.isEmpty() || allowedHosts.contains(hostNqn);
    }
  }

  private final NodeRegistry registry;
  private final VolumeService volumes;
  private final ForeignTargets foreignTargets;
  private final long healthWindowNanos;

  /** When each registered foreign target last accepted a connection (its id to nanoTime). */
  private final Map<String, Long> lastAnswered = new ConcurrentHashMap<>();

  private volatile List<ForeignTarget> registered = List.of();
  private volatile Set<String> healthy = Set.of();
  private final java.util.concurrent.ScheduledExecutorService prober =
      Executors.newSingleThreadScheduledExecutor(
          r -> Thread.ofPlatform().daemon().name("discovery-health").unstarted(r));
  private final Target target;
  private final String uniqueNqn;
  private final InetSocketAddress self;

  /** This service's own entry, first in every log. */
  private final DiscoveryLogEntry selfEntry;

  private final List<ClusterStore.Watch> watches = new ArrayList<>();
  private final Map<String, View> views = new ConcurrentHashMap<>();
  private final AtomicLong generation = new AtomicLong(1);
  private final ExecutorService refresher =
      Executors.newSingleThreadExecutor(
          r -> Thread.ofPlatform().daemon().name("discovery-refresh").unstarted(r));
  private final AtomicBoolean refreshQueued = new AtomicBoolean();
  private final DiscoveryRegistrations registrations;
  private final DiscoveryPuller puller;

  /** Registrations write to the store: on a thread of their own, never on an event loop. */
  private final ExecutorService registrar =
      Executors.newSingleThreadExecutor(
          r -> Thread.ofPlatform().daemon().name("discovery-registrar").unstarted(r));

  private volatile Snapshot snapshot;

  /** The mDNS advertisement of this service, once {@link #advertiseOverMdns} started one. */
  private MdnsAdvertiser mdns;

  private ClusterDiscovery(
      ClusterStore store,
      NodeRegistry registry,
      Target target,
      String uniqueNqn,
      java.time.Duration healthWindow) {
    this.registry = registry;
    this.volumes = new VolumeService(store, registry);
    this.foreignTargets = new ForeignTargets(store);
    this.registrations = new DiscoveryRegistrations(store);
    this.puller = new DiscoveryPuller(uniqueNqn, this::refreshSoon);
    this.healthWindowNanos = healthWindow.toNanos();
    this.target = target;
    this.uniqueNqn = uniqueNqn;
    this.self = target.listenAddresses().get(0);
    // It takes persistent connections, and following it finds nothing new (nvme-cli's connect-all
    // skips it).
    this.selfEntry =
        entry(
            DiscoveryLogEntry.SUBTYPE_CURRENT_DISCOVERY,
            1,
            self.getAddress().getHostAddress(),
            self.getPort(),
            uniqueNqn,
            DiscoveryLogEntry.EFLAGS_DUPLICATE_RETURNED_INFORMATION
                | DiscoveryLogEntry.EFLAGS_EXPLICIT_PERSISTENT_CONNECTION);
    long from = store.revision() + 1;
    this.snapshot = load();
    watches.add(store.watch(VolumeService.PREFIX, from, events -> refreshSoon()));
    watches.add(store.watch("nodes/", from, events -> refreshSoon()));
    watches.add(store.watch(ForeignTargets.PREFIX, from, events -> refreshSoon()));
    long period = Math.max(100, healthWindow.toMillis() / 4);
    prober.scheduleWithFixedDelay(
        this::probe, 0, period, java.util.concurrent.TimeUnit.MILLISECONDS);
    target.serveCentralDiscovery(this, uniqueNqn);
  }

  /**
   * Starts a discovery service listening on {@code listen}, serving the cluster in {@code store},
   * with no management API of its own (a node's discovery service uses the node's).
   *
   * @param uniqueNqn its own discovery NQN (answered besides the well-known one); null for {@link
   *     #defaultNqn} of the address it is bound to
   */
  public static ClusterDiscovery start(
      ClusterStore store,
      NodeRegistry registry,
      ListenerConfig listen,
      Path dataDir,
      String uniqueNqn,
      TuningConfig tuning,
      java.time.Duration healthWindow)
      throws IOException {
    return start(store, registry, listen, dataDir, uniqueNqn, tuning, healthWindow, null);
  }

  /**
   * As above, with a management API on {@code adminListen} ("host:port"; null for none), so
   * operators can register through any instance: foreign targets, referrals, pulls; registered
   * hosts; every entry with its health.
   */
  public static ClusterDiscovery start(
      ClusterStore store,
      NodeRegistry registry,
      ListenerConfig listen,
      Path dataDir,
      String uniqueNqn,
      TuningConfig tuning,
      java.time.Duration healthWindow,
      String adminListen)
      throws IOException {
    return start(
        store,
        registry,
        listen,
        dataDir,
        uniqueNqn,
        tuning,
        healthWindow,
        adminListen,
        io.weft.tgt.config.SecurityConfig.defaults());
  }

  /** As above, with the management API locked as {@code security} says (TLS, token, ...). */
  public static ClusterDiscovery start(
      ClusterStore store,
      NodeRegistry registry,
      ListenerConfig listen,
      Path dataDir,
      String uniqueNqn,
      TuningConfig tuning,
      java.time.Duration healthWindow,
      String adminListen,
      io.weft.tgt.config.SecurityConfig security)
      throws IOException {
    // The API's health column is this instance's view, known once the instance exists.
    AtomicReference<ClusterDiscovery> self = new AtomicReference<>();
    Target t =
        Target.start(
            new TargetConfig(dataDir, List.of(listen), List.of(), adminListen, tuning, security),
            adminListen == null
                ? List.of()
                : List.of(
                    new DiscoveryResource(
                        store,
                        registry,
                        () -> {
                          ClusterDiscovery d = self.get();
                          return d == null ? Map.of() : d.foreignHealth();
                        })));
    try {
      InetSocketAddress bound = t.listenAddresses().get(0);
      String nqn =
          uniqueNqn != null
              ? uniqueNqn
              : defaultNqn(bound.getAddress().getHostAddress(), bound.getPort());
      ClusterDiscovery d = new ClusterDiscovery(store, registry, t, nqn, healthWindow);
      self.set(d);
      log.info("discovery service {} on {}", nqn, bound);
      return d;
    } catch (RuntimeException e) {
      t.close();
      throw e;
    }
  }

  /** The default unique NQN of a discovery service at {@code host}:{@code port}. */
  public static String defaultNqn(String host, int port) {
    return "nqn.2026-11.io.weft:discovery:" + host + ":" + port;
  }

  /** The target that answers for this service (its listener, its discovery controllers). */
  public Target target() {
    return target;
  }

  public InetSocketAddress address() {
    return self;
  }

  public String nqn() {
    return uniqueNqn;
  }

  /**
   * Advertises this service over mDNS/DNS-SD (TP8009) until it closes, so hosts on the link find it
   * with no address configured.
   *
   * @param on the interface address to advertise on; null for the address the service listens on (a
   *     service listening on a wildcard address needs one)
   * @throws IllegalArgumentException when {@code on} does not fit the listen address (see {@link
   *     MdnsAdvertiser#advertiseAddress})
   * @throws IOException when the advertisement cannot start (not an address of this host, no
   *     multicast socket)
   */
  public synchronized MdnsAdvertiser advertiseOverMdns(InetAddress on) throws IOException {
    if (mdns != null) {
      throw new IllegalStateException("this discovery service is advertised already");
    }
    mdns =
        MdnsAdvertiser.start(
            MdnsAdvertiser.advertiseAddress(self.getAddress(), on), self.getPort(), uniqueNqn);
    return mdns;
  }

  /** Its mDNS advertisement, when {@link #advertiseOverMdns} started one. */
  public synchronized java.util.Optional<MdnsAdvertiser> mdns() {
    return java.util.Optional.ofNullable(mdns);
  }

  @Override
  public DiscoveryLogPage logFor(String hostNqn) {
    // A new view gets a generation of its own: one let go and computed again must not repeat a
    // number the host saw with other entries.
    View v =
        views.computeIfAbsent(
            hostNqn, h -> new View(generation.incrementAndGet(), entries(h, snapshot)));
    v.lastRead = System.nanoTime();
    return new DiscoveryLogPage(v.generation, v.entries);
  }

  @Override
  public CompletionStage<Integer> manage(
      int task, DiscoveryInformation information, Registrant who) {
    try {
      return CompletableFuture.supplyAsync(
          () -> registrations.manage(task, information, who), registrar);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      return CompletableFuture.completedFuture(Status.INTERNAL_ERROR);
    }
  }

  /** The hosts that registered themselves with Discovery Information Management. */
  public DiscoveryRegistrations registrations() {
    return registrations;
  }

  private void refreshSoon() {
    if (refreshQueued.compareAndSet(false, true)) {
      try {
        refresher.execute(this::refresh);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // closed
      }
    }
  }

  /** Reads the cluster again, recomputes every cached log and tells the hosts whose log changed. */
  private void refresh() {
    refreshQueued.set(false);
    Snapshot s;
    try {
      s = load();
    } catch (StoreException e) {
      log.warn(
          "discovery: the cluster store is unavailable ({}); serving as before", e.getMessage());
      return;
    }
    snapshot = s;
    Set<String> changed = new HashSet<>();
    for (Map.Entry<String, View> e : views.entrySet()) {
      List<DiscoveryLogEntry> now = entries(e.getKey(), s);
      if (!now.equals(e.getValue().entries)) {
        views.put(e.getKey(), new View(generation.incrementAndGet(), now));
        changed.add(e.getKey());
      }
    }
    if (!changed.isEmpty()) {
      log.info("discovery: the log changed for {} host(s)", changed.size());
      target.announceDiscoveryChange(changed::contains);
    }
  }

  private Snapshot load() {
    Map<String, NodeStatus> up = new HashMap<>();
    for (NodeStatus n : registry.nodes()) {
      if (n.state() == NodeStatus.State.UP) {
        up.put(n.info().id(), n);
      }
    }
    List<VolumeRecord> all = new ArrayList<>();
    volumes.list().forEach(v -> all.add(v.volume()));
    all.sort((a, b) -> a.name().compareTo(b.name()));
    List<Listing> listings = new ArrayList<>();
    for (VolumeRecord v : all) {
      listings.add(new Listing(Set.copyOf(v.allowedHosts()), paths(v, up)));
    }
    List<ForeignTarget> foreign = foreignTargets.list();
    registered = foreign;
    puller.update(foreign.stream().filter(f -> f.kind() == ForeignTarget.Kind.PULL).toList());
    Set<String> ok = healthy;
    List<Listing> referrals = new ArrayList<>();
    for (ForeignTarget f : foreign) {
      Set<String> hosts = Set.copyOf(f.allowedHosts());
      switch (f.kind()) {
        case SUBSYSTEM -> {
          if (ok.contains(f.id())) {
            listings.add(
                new Listing(hosts, List.of(foreignEntry(DiscoveryLogEntry.SUBTYPE_NVM, f))));
          }
        }
        // A pulled controller's entries are there while its connection is live (the puller knows).
        case PULL -> listings.add(new Listing(hosts, puller.entries(f)));
        case REFERRAL -> {
          if (ok.contains(f.id())) {
            referrals.add(
                new Listing(hosts, List.of(foreignEntry(DiscoveryLogEntry.SUBTYPE_REFERRAL, f))));
          }
        }
      }
    }
    return new Snapshot(List.copyOf(listings), List.copyOf(referrals));
  }

  /** A volume's entries: one per node that holds a replica and is up. */
  private static List<DiscoveryLogEntry> paths(VolumeRecord v, Map<String, NodeStatus> up) {
    List<DiscoveryLogEntry> out = new ArrayList<>();
    for (int i = 0; i < v.nodes().size(); i++) {
      NodeStatus n = up.get(v.nodes().get(i));
      if (n == null) {
        continue; // down: no path there until it is back
      }
      NodeInfo.Address at = NodeInfo.Address.parse(n.info().nvmeAddress());
      // Each node's port of the one subsystem gets a port ID of its own, as its controllers
      // get controller IDs of their own.
      out.add(entry(DiscoveryLogEntry.SUBTYPE_NVM, i + 1, at.host(), at.port(), v.nqn(), 0));
    }
    return List.copyOf(out);
  }

  /**
   * Lets go of the kept logs of hosts that have no discovery controller here and have not read
   * theirs for the idle time; a persistent host's log is always kept (its changes must be noticed).
   */
  void sweepIdleViews() {
    long now = System.nanoTime();
    Set<String> connected = target.discoveryHosts();
    int before = views.size();
    views
        .entrySet()
        .removeIf(
            e -> !connected.contains(e.getKey()) && now - e.getValue().lastRead >= idleViewNanos);
    if (views.size() < before) {
      log.info("discovery: let go of {} idle host log(s)", before - views.size());
    }
  }

  /** For tests: how long an idle view is kept. */
  void idleViewsAfter(java.time.Duration idle) {
    idleViewNanos = idle.toNanos();
  }

  /** The hosts whose log is kept now. */
  Set<String> keptViews() {
    return Set.copyOf(views.keySet());
  }

  /**
   * Tries every registered foreign target (a TCP connection to its address); a target that has not
   * answered for the health window leaves the logs, and one that answers again comes back.
   */
  private void probe() {
    long now = System.nanoTime();
    if (now - lastSweepNanos > 60_000_000_000L) {
      lastSweepNanos = now;
      sweepIdleViews();
    }
    puller.check();
    for (ForeignTarget f : registered) {
      if (f.kind() == ForeignTarget.Kind.PULL) {
        // Its persistent connection says whether it answers.
        if (puller.live(f.id())) {
          lastAnswered.put(f.id(), now);
        }
        continue;
      }
      try (java.net.Socket s = new java.net.Socket()) {
        s.connect(
            new InetSocketAddress(f.traddr(), f.trsvcid()),
            (int) Math.max(100, Math.min(1000, healthWindowNanos / 2_000_000)));
        lastAnswered.put(f.id(), now);
      } catch (IOException | RuntimeException e) {
        // no answer: its last answer ages
      }
    }
    Set<String> nowHealthy = new HashSet<>();
    for (ForeignTarget f : registered) {
      Long last = lastAnswered.get(f.id());
      if (last != null && now - last < healthWindowNanos) {
        nowHealthy.add(f.id());
      }
    }
    if (!nowHealthy.equals(healthy)) {
      log.info(
          "discovery: {} of {} registered target(s) answer", nowHealthy.size(), registered.size());
      healthy = Set.copyOf(nowHealthy);
      refreshSoon();
    }
  }

  /** The foreign targets registered, each with whether it answers now ("up" or "down"). */
  public Map<String, String> foreignHealth() {
    Map<String, String> out = new java.util.LinkedHashMap<>();
    Set<String> ok = healthy;
    for (ForeignTarget f : registered) {
      out.put(f.id(), ok.contains(f.id()) ? "up" : "down");
    }
    return out;
  }

  /**
   * The entries {@code hostNqn} may see: this service, every path of every volume and every foreign
   * subsystem it may use, then the referrals (last, as nvmet lists them).
   */
  private List<DiscoveryLogEntry> entries(String hostNqn, Snapshot s) {
    List<DiscoveryLogEntry> out = new ArrayList<>();
    out.add(selfEntry);
    for (Listing l : s.listings()) {
      if (l.visibleTo(hostNqn)) {
        out.addAll(l.entries());
      }
    }
    for (Listing l : s.referrals()) {
      if (l.visibleTo(hostNqn)) {
        out.addAll(l.entries());
      }
    }
    return List.copyOf(out);
  }

  private static DiscoveryLogEntry foreignEntry(int subtype, ForeignTarget f) {
    return entry(subtype, 1, f.traddr(), f.trsvcid(), f.nqn(), 0);
  }

  private static DiscoveryLogEntry entry(
      int subtype, int portId, String host, int port, String nqn, int eflags) {
    return new DiscoveryLogEntry(
        DiscoveryLogEntry.TRTYPE_TCP,
        host.contains(":") ? DiscoveryLogEntry.ADRFAM_IPV6 : DiscoveryLogEntry.ADRFAM_IPV4,
        subtype,
        DiscoveryLogEntry.TREQ_DISABLE_SQFLOW,
        portId,
        0xFFFF,
        32,
        Integer.toString(port),
        nqn,
        host,
        0,
        eflags);
  }

  @Override
  public void close() {
    synchronized (this) {
      if (mdns != null) {
        mdns.close(); // the goodbye goes out while the service still answers
        mdns = null;
      }
    }
    watches.forEach(ClusterStore.Watch::close);
    prober.shutdownNow();
    refresher.shutdownNow();
    registrar.shutdownNow();
    puller.close();
    target.close();
  }
}
