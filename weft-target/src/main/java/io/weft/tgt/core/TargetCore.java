package io.weft.tgt.core;

import io.weft.protocol.discovery.DiscoveryLogEntry;
import io.weft.protocol.discovery.DiscoveryLogPage;
import io.weft.tgt.config.DhchapPolicy;
import io.weft.tgt.config.TuningConfig;
import io.weft.tgt.qos.QosArbiter;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transport-independent heart of the target: subsystems by NQN, the discovery subsystem, the
 * ports hosts are told about, and the shared executors (keep-alive timers, blocking backend work).
 * Transports hand every command to {@link #dispatcher()}.
 */
public final class TargetCore {
  private static final Logger log = LoggerFactory.getLogger(TargetCore.class);

  private final TuningConfig tuning;
  private final Map<String, Subsystem> subsystems = new ConcurrentHashMap<>();
  private final Subsystem discovery;
  private final List<PortInfo> ports = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService scheduler;
  private final ExecutorService ioExecutor;
  private final CommandDispatcher dispatcher;
  private final AtomicLong discoveryGeneration = new AtomicLong(1);
  private final SecureRandom random = new SecureRandom();
  private final AtomicInteger authSequence = new AtomicInteger(random.nextInt());
  private final ExecutorService authExecutor =
      Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("weft-auth-", 0).factory());
  private volatile DhchapPolicy dhchapPolicy = DhchapPolicy.defaults();
  private final QosArbiter qosArbiter = new QosArbiter();

  /** Where the discovery log comes from: this target's own subsystems unless told otherwise. */
  private volatile io.weft.tgt.DiscoverySource discoverySource = this::localDiscoveryLog;

  /** A centralized discovery controller's own NQN, answered besides the well-known one. */
  private volatile String uniqueDiscoveryNqn;

  public TargetCore(
      TuningConfig tuning, ScheduledExecutorService scheduler, ExecutorService ioExecutor) {
    this.tuning = tuning;
    this.scheduler = scheduler;
    this.ioExecutor = ioExecutor;
    this.discovery =
        new Subsystem(
            DiscoveryLogPage.DISCOVERY_NQN,
            "WEFT-DISCOVERY",
            "Weft discovery controller",
            Version.FIRMWARE,
            true,
            Set.of());
    this.dispatcher = new CommandDispatcher(this);
  }

  /** Hashes and DH groups DH-HMAC-CHAP may use, in order of preference. */
  public DhchapPolicy dhchapPolicy() {
    return dhchapPolicy;
  }

  public void dhchapPolicy(DhchapPolicy policy) {
    this.dhchapPolicy = policy;
  }

  /**
   * The next DH-HMAC-CHAP sequence number S1: one counter for the target, from a random start,
   * never 0 (as the Linux target numbers its challenges).
   */
  int nextAuthSequenceNumber() {
    int s;
    do {
      s = authSequence.incrementAndGet();
    } while (s == 0);
    return s;
  }

  SecureRandom random() {
    return random;
  }

  /** Where authentication work runs: DH exponentiations take too long for an event loop. */
  ExecutorService authExecutor() {
    return authExecutor;
  }

  /** Which workload classes are busy: the one arbiter every namespace's QoS on this target asks. */
  public QosArbiter qosArbiter() {
    return qosArbiter;
  }

  public TuningConfig tuning() {
    return tuning;
  }

  public ScheduledExecutorService scheduler() {
    return scheduler;
  }

  public ExecutorService ioExecutor() {
    return ioExecutor;
  }

  public CommandDispatcher dispatcher() {
    return dispatcher;
  }

  public void addPort(PortInfo port) {
    ports.add(port);
    localDiscoveryChanged();
  }

  /**
   * Serves a centralized discovery controller: the log comes from {@code source}, the controller
   * answers {@code uniqueNqn} as well as the well-known discovery NQN, and Identify reports the CDC
   * type.
   */
  public void serveCentralDiscovery(io.weft.tgt.DiscoverySource source, String uniqueNqn) {
    this.discoverySource = source;
    this.uniqueDiscoveryNqn = uniqueNqn;
  }

  /** The hosts with a discovery controller here now. */
  public java.util.Set<String> discoveryHosts() {
    java.util.Set<String> out = new java.util.HashSet<>();
    for (Controller c : discovery.controllerList()) {
      out.add(c.hostNqn());
    }
    return out;
  }

  /** True once {@link #serveCentralDiscovery} made this a centralized discovery controller. */
  public boolean isCentralDiscovery() {
    return uniqueDiscoveryNqn != null;
  }

  public String uniqueDiscoveryNqn() {
    return uniqueDiscoveryNqn;
  }

  /**
   * The log some hosts see changed: their persistent discovery controllers (an Asynchronous Event
   * Request outstanding, discovery notices enabled) get the discovery-log-change notice, and only
   * theirs. Any thread.
   */
  public void announceDiscoveryChange(java.util.function.Predicate<String> hostsAffected) {
    for (Controller c : discovery.controllerList()) {
      if (hostsAffected.test(c.hostNqn())) {
        c.discoveryChanged();
      }
    }
  }

  /** This target's own subsystems or ports changed: if it serves its own log, say so. */
  private void localDiscoveryChanged() {
    discoveryGeneration.incrementAndGet();
    if (!isCentralDiscovery()) {
      announceDiscoveryChange(host -> true);
    }
  }

  public List<PortInfo> ports() {
    return List.copyOf(ports);
  }

  /** Adds a subsystem; false if its NQN is taken. */
  public boolean addSubsystem(Subsystem s) {
    boolean added = subsystems.putIfAbsent(s.nqn(), s) == null;
    if (added) {
      localDiscoveryChanged();
    }
    return added;
  }

  /** Removes a subsystem: its controllers end, its namespaces are released; null if none. */
  public Subsystem removeSubsystem(String nqn) {
    Subsystem s = subsystems.remove(nqn);
    if (s != null) {
      localDiscoveryChanged();
      s.destroyControllers("subsystem removed");
      for (Namespace ns : s.namespaces()) {
        s.removeNamespace(ns.nsid());
      }
    }
    return s;
  }

  public Subsystem subsystem(String nqn) {
    if (discovery.nqn().equals(nqn) || nqn.equals(uniqueDiscoveryNqn)) {
      return discovery;
    }
    return subsystems.get(nqn);
  }

  public Collection<Subsystem> subsystems() {
    return subsystems.values();
  }

  /** Creates and registers a controller for an admin-queue Connect; null if no ID is free. */
  Controller createController(
      Subsystem s, String hostNqn, UUID hostId, QueueContext admin, long katoMillis) {
    int cntlid = s.allocateCntlid();
    if (cntlid < 0) {
      return null;
    }
    Controller c = new Controller(this, s, cntlid, hostNqn, hostId, admin, katoMillis);
    s.register(c);
    s.fabric().connected();
    log.info(
        "connect: host {} from {} subsystem {} cntlid {} kato {} ms",
        hostNqn,
        admin.remoteAddress(),
        s.nqn(),
        cntlid,
        katoMillis);
    return c;
  }

  /**
   * The discovery log as {@code hostNqn} may see it: one entry per subsystem that admits the host
   * and per port. The generation counter changes whenever that content can change.
   */
  DiscoveryLogPage discoveryLog(String hostNqn) {
    return discoverySource.logFor(hostNqn);
  }

  /** Where Discovery Information Management commands go (a centralized controller's source). */
  io.weft.tgt.DiscoverySource discoverySource() {
    return discoverySource;
  }

  private DiscoveryLogPage localDiscoveryLog(String hostNqn) {
    List<DiscoveryLogEntry> entries = new ArrayList<>();
    List<Subsystem> visible =
        subsystems.values().stream()
            .filter(s -> s.allows(hostNqn))
            .sorted((a, b) -> a.nqn().compareTo(b.nqn()))
            .toList();
    for (Subsystem s : visible) {
      for (PortInfo p : ports) {
        entries.add(
            new DiscoveryLogEntry(
                DiscoveryLogEntry.TRTYPE_TCP,
                p.ipv6() ? DiscoveryLogEntry.ADRFAM_IPV6 : DiscoveryLogEntry.ADRFAM_IPV4,
                DiscoveryLogEntry.SUBTYPE_NVM,
                DiscoveryLogEntry.TREQ_DISABLE_SQFLOW | p.secureChannelRequirement(),
                p.portId(),
                0xFFFF,
                32,
                Integer.toString(p.advertisedPort()),
                s.nqn(),
                p.advertisedAddress(),
                p.secType()));
      }
    }
    return new DiscoveryLogPage(discoveryGeneration.get(), entries);
  }

  /** Flushes every namespace of a subsystem (shutdown handshake); completes when all are done. */
  CompletableFuture<Void> flushAll(Subsystem s) {
    List<CompletableFuture<Void>> flushes = new ArrayList<>();
    for (Namespace ns : s.namespaces()) {
      CompletableFuture<Void> f = new CompletableFuture<>();
      if (ns.acquire()) {
        ns.device()
            .flush(
                st -> {
                  ns.release();
                  f.complete(null);
                });
      } else {
        f.complete(null);
      }
      flushes.add(f);
    }
    return CompletableFuture.allOf(flushes.toArray(CompletableFuture[]::new));
  }

  /** Ends every controller and closes every namespace. */
  public void shutdown() {
    discovery.shutdown();
    subsystems.values().forEach(Subsystem::shutdown);
  }
}
