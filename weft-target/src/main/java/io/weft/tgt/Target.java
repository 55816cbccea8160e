package io.weft.tgt;

import io.weft.block.BlockDevice;
import io.weft.block.MemoryBlockDevice;
import io.weft.block.atrest.EncryptedBlockDevice;
import io.weft.protocol.discovery.DiscoveryLogPage;
import io.weft.protocol.nvme.AnaLogPage;
import io.weft.protocol.tcp.NettyDefaults;
import io.weft.tgt.admin.AdminAccess;
import io.weft.tgt.admin.AdminResource;
import io.weft.tgt.admin.AdminServer;
import io.weft.tgt.admin.AuditLog;
import io.weft.tgt.config.AccessPolicy;
import io.weft.tgt.config.DhchapKeys;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.NamespaceConfig;
import io.weft.tgt.config.SubsystemConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.core.AnaStates;
import io.weft.tgt.core.Controller;
import io.weft.tgt.core.Namespace;
import io.weft.tgt.core.Subsystem;
import io.weft.tgt.core.TargetCore;
import io.weft.tgt.core.Version;
import io.weft.tgt.metrics.TargetMetrics;
import io.weft.tgt.qos.NamespaceQos;
import io.weft.tgt.qos.QosPolicy;
import io.weft.tgt.tcp.TcpTransport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running NVMe/TCP target: its listeners, subsystems and the management interface. The one door
 * for management: the HTTP admin server and embedding code call these methods.
 */
public final class Target implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Target.class);

  private final TargetConfig config;
  private final TargetCore core;
  private final HostKeyFile keyFile;
  private final ScheduledExecutorService scheduler;
  private final Backends backends;
  private final AtomicBoolean closed = new AtomicBoolean();
  private TcpTransport transport;
  private AdminServer admin;
  private final TargetMetrics metrics;

  private Target(TargetConfig config) {
    this.config = config;
    this.scheduler = Executors.newSingleThreadScheduledExecutor(daemon("weft-timer"));
    this.backends = new Backends(config);
    this.core = new TargetCore(config.tuning(), scheduler, backends.ioExecutor());
    this.metrics = new TargetMetrics(core);
    core.dhchapPolicy(config.dhchap());
    this.keyFile = config.dataDir() == null ? null : new HostKeyFile(config.dataDir());
    Subsystem discovery = core.subsystem(io.weft.protocol.discovery.DiscoveryLogPage.DISCOVERY_NQN);
    config.discoveryDhchapKeys().forEach(discovery::setKeys);
  }

  /** Opens backends, binds every listener and the admin interface, and starts serving. */
  public static Target start(TargetConfig config) throws IOException {
    return start(config, List.of());
  }

  /**
   * As {@link #start(TargetConfig)}, with more resources on the admin interface (a storage node
   * serves the cluster view there).
   */
  public static Target start(TargetConfig config, List<AdminResource> extraAdminResources)
      throws IOException {
    if (config.listeners().isEmpty()) {
      throw new IllegalArgumentException("at least one listener is required");
    }
    for (String open : AccessPolicy.check(config)) {
      log.warn("INSECURE (allowed by --allow-any-host-beyond-loopback): {}", open);
    }
    Target t = new Target(config);
    try {
      if (t.keyFile != null) {
        t.keyFile.load();
        t.applySavedKeys(DiscoveryLogPage.DISCOVERY_NQN);
      }
      for (SubsystemConfig sc : config.subsystems()) {
        t.addSubsystem(sc);
      }
      t.transport = TcpTransport.start(t.core, config.listeners());
      if (config.adminListen() != null) {
        HostPort hp = HostPort.parse(config.adminListen());
        AdminAccess access = AdminAccess.of(hp.host(), config.security().admin(), config.dataDir());
        AuditLog audit =
            config.dataDir() == null
                ? null
                : AuditLog.open(config.dataDir().resolve(AuditLog.FILE));
        t.admin = AdminServer.start(t, hp.host(), hp.port(), extraAdminResources, access, audit);
      }
    } catch (IOException | RuntimeException e) {
      t.close();
      throw e;
    } catch (TargetException e) {
      t.close();
      throw new IOException(e.getMessage(), e);
    }
    log.info(NettyDefaults.describe());
    for (int i = 0; i < config.listeners().size(); i++) {
      ListenerConfig lc = config.listeners().get(i);
      log.info(
          "listening on {}{}",
          t.transport.boundAddresses().get(i),
          lc.advertiseHost() == null
              ? ""
              : " (advertised as "
                  + lc.advertiseHost()
                  + ":"
                  + (lc.advertisePort() == 0
                      ? t.transport.boundAddresses().get(i).getPort()
                      : lc.advertisePort())
                  + ")");
    }
    return t;
  }

  /**
   * Creates a subsystem while the target runs (a storage node exports a volume this way); its
   * namespaces are opened as at start.
   */
  public void createSubsystem(SubsystemConfig sc) throws TargetException {
    refuseOpenBeyondLoopback(sc);
    try {
      addSubsystem(sc);
    } catch (IOException e) {
      throw new TargetException(TargetException.Kind.BACKEND, e.getMessage(), e);
    }
    log.info("subsystem {} created", sc.nqn());
  }

  /** Removes a subsystem: its hosts are disconnected, its namespaces closed. */
  public void removeSubsystem(String nqn) throws TargetException {
    subsystem(nqn);
    if (core.removeSubsystem(nqn) != null) {
      log.info("subsystem {} removed", nqn);
    }
  }

  /** Hands out controller IDs of a subsystem only from {@code min..max} (see Subsystem). */
  public void setCntlidRange(String nqn, int min, int max) throws TargetException {
    try {
      subsystem(nqn).cntlidRange(min, max);
    } catch (IllegalArgumentException e) {
      throw new TargetException(TargetException.Kind.INVALID, e.getMessage());
    }
  }

  /** Replaces a subsystem's allow-list; connected hosts no longer on it are disconnected. */
  public void setAllowedHosts(String nqn, java.util.Set<String> hosts, String reason)
      throws TargetException {
    if (hosts.isEmpty()) {
      // Only the allow-list changes here; other access control of the subsystem is not looked at.
      refuseOpenBeyondLoopback(new SubsystemConfig(nqn, null, null, null, List.of(), List.of()));
    }
    subsystem(nqn).replaceAllowedHosts(hosts, reason);
  }

  /**
   * Makes {@code hosts} readers of subsystem {@code nqn}: they see its namespaces write-protected
   * and their writes are refused (Namespace Is Write Protected); connected ones are told at once.
   * They still need to be allowed hosts to connect at all.
   */
  public void setReadOnlyHosts(String nqn, java.util.Set<String> hosts) throws TargetException {
    subsystem(nqn).replaceReadOnlyHosts(hosts);
  }

  /**
   * Allows a host on a subsystem with DH-HMAC-CHAP keys (or, with null keys, without): it must then
   * authenticate on every queue it connects from now on. Keys replace any the host had, with no
   * grace; see {@link #rotateHostKeys} for a change without downtime.
   */
  public void addHost(String nqn, String hostNqn, DhchapKeys keys) throws TargetException {
    Subsystem s = withHosts(nqn);
    s.setKeys(hostNqn, keys);
    if (!s.isDiscovery()) {
      // The discovery service stays open to every host; a host with keys must authenticate.
      java.util.Set<String> hosts = new HashSet<>(s.allowedHosts());
      hosts.add(hostNqn);
      s.replaceAllowedHosts(hosts, "allow-list changed");
    }
    saveKeys(s, hostNqn);
  }

  /** Removes a host from a subsystem's allow-list and keys; its controllers are disconnected. */
  public void removeHost(String nqn, String hostNqn) throws TargetException {
    Subsystem s = withHosts(nqn);
    java.util.Set<String> hosts = new HashSet<>(s.allowedHosts());
    if (!hosts.remove(hostNqn) && s.keyring(hostNqn) == null) {
      throw new TargetException(
          TargetException.Kind.NOT_FOUND, "host " + hostNqn + " is not on " + nqn);
    }
    s.setKeys(hostNqn, null);
    if (!s.isDiscovery()) {
      s.replaceAllowedHosts(hosts, "host removed");
    }
    saveKeys(s, hostNqn);
  }

  /**
   * Replaces a host's DH-HMAC-CHAP keys while keeping the old ones valid for {@code graceMillis}:
   * connected hosts keep running, hosts not yet given the new key still connect, and each moves to
   * the new key when it re-authenticates.
   */
  public void rotateHostKeys(String nqn, String hostNqn, DhchapKeys keys, long graceMillis)
      throws TargetException {
    Subsystem s = withHosts(nqn);
    if (!s.rotateKeys(hostNqn, keys, graceMillis)) {
      throw new TargetException(
          TargetException.Kind.NOT_FOUND,
          "host " + hostNqn + " has no DH-HMAC-CHAP key on " + nqn + " to rotate");
    }
    saveKeys(s, hostNqn);
    log.info("DH-HMAC-CHAP keys of host {} on {} rotated: {}", hostNqn, nqn, keys);
  }

  /**
   * Sets (null: removes) a host's keys for now, without touching the allow-list and without saving
   * them: for keys the caller derives again at every start (a storage node's replica links).
   */
  public void setHostKeys(String nqn, String hostNqn, DhchapKeys keys) throws TargetException {
    withHosts(nqn).setKeys(hostNqn, keys);
  }

  /**
   * Sets (null: removes) a host's TLS PSK on every tls=psk listener, at once: new connections need
   * it, established ones keep their session. Not saved: the flags and the config file are where
   * PSKs live across restarts.
   *
   * @throws TargetException if no listener takes PSKs
   */
  public void setTlsKey(String hostNqn, io.weft.protocol.tls.ConfiguredPsk key)
      throws TargetException {
    boolean any = false;
    for (ListenerConfig l : config.listeners()) {
      if (l.tls() == io.weft.protocol.tls.TlsMode.PSK) {
        if (key == null) {
          l.credentials().psk().remove(hostNqn);
        } else {
          l.credentials().psk().put(hostNqn, key);
        }
        any = true;
      }
    }
    if (!any && key != null) {
      throw new TargetException(
          TargetException.Kind.INVALID, "no listener takes TLS PSKs (--listen HOST:PORT,tls=psk)");
    }
    if (any) {
      log.info(
          "TLS PSK of host {} {}", hostNqn, key == null ? "removed" : "set: " + key.fingerprint());
    }
  }

  /** Host NQN → fingerprint of its PSK on the tls=psk listeners. */
  private Map<String, String> tlsKeyFingerprints() {
    Map<String, String> out = new java.util.TreeMap<>();
    for (ListenerConfig l : config.listeners()) {
      if (l.tls() == io.weft.protocol.tls.TlsMode.PSK) {
        out.putAll(l.credentials().psk().fingerprints());
      }
    }
    return out;
  }

  /** The hosts allowed on a subsystem, with the fingerprints of their keys. */
  public List<HostInfo> hosts(String nqn) throws TargetException {
    Subsystem s = withHosts(nqn);
    long now = System.currentTimeMillis();
    java.util.TreeSet<String> names = new java.util.TreeSet<>(s.allowedHosts());
    names.addAll(s.keyrings().keySet());
    Map<String, String> tls = tlsKeyFingerprints();
    List<HostInfo> out = new java.util.ArrayList<>();
    for (String host : names) {
      io.weft.tgt.core.HostKeyring ring = s.keyring(host);
      if (ring == null) {
        out.add(new HostInfo(host, null, null, null, null, tls.get(host)));
        continue;
      }
      boolean grace = ring.inGrace(now);
      out.add(
          new HostInfo(
              host,
              ring.current().host().fingerprint(),
              ring.current().controller() == null
                  ? null
                  : ring.current().controller().fingerprint(),
              grace ? ring.previous().host().fingerprint() : null,
              grace ? java.time.Instant.ofEpochMilli(ring.previousUntilMillis()).toString() : null,
              tls.get(host)));
    }
    return out;
  }

  /**
   * At run time as at start: a subsystem is never opened to any host on a listener beyond loopback
   * (unless the lab opt-out says so).
   */
  private void refuseOpenBeyondLoopback(SubsystemConfig sc) throws TargetException {
    if (config.security().allowAnyHostBeyondLoopback()) {
      return;
    }
    List<String> problems =
        AccessPolicy.hostProblems(
            config.listeners(), List.of(sc), s -> "give it an allow-list of host NQNs");
    if (!problems.isEmpty()) {
      throw new TargetException(TargetException.Kind.INVALID, problems.get(0));
    }
  }

  /** Whether the subsystem exists. */
  public boolean hasSubsystem(String nqn) {
    Subsystem s = core.subsystem(nqn);
    return s != null && !s.isDiscovery();
  }

  /**
   * Adds a namespace over a device the caller made (a replicated volume's), with a given UUID so
   * that every node exporting the volume reports the same identity. The target closes the device
   * when the namespace is removed.
   */
  public NamespaceInfo addNamespace(
      String subsystemNqn, int nsid, BlockDevice device, int blockSize, UUID uuid, String backend)
      throws TargetException {
    Subsystem s = subsystem(subsystemNqn);
    Namespace ns =
        new Namespace(
            nsid,
            device,
            blockSize,
            uuid,
            Namespace.derivedNguid(uuid),
            backend,
            null,
            backends.ioExecutor(),
            s.counters());
    if (!s.addNamespace(ns)) {
      throw new TargetException(
          TargetException.Kind.CONFLICT, "namespace " + nsid + " exists in " + subsystemNqn);
    }
    return info(ns);
  }

  /** The executor that runs blocking backend work (file I/O); devices made outside share it. */
  /** The configuration this target started with. */
  public TargetConfig config() {
    return config;
  }

  /**
   * Makes this target a centralized discovery controller: its discovery controller answers {@code
   * uniqueNqn} too, reports the CDC type and serves the log {@code source} gives each host.
   */
  public void serveCentralDiscovery(DiscoverySource source, String uniqueNqn) {
    core.serveCentralDiscovery(source, uniqueNqn);
  }

  /** The hosts with a discovery controller connected to this target now. */
  public java.util.Set<String> discoveryHosts() {
    return core.discoveryHosts();
  }

  /**
   * Sends the discovery-log-change notice to the persistent discovery controllers of some hosts.
   */
  public void announceDiscoveryChange(java.util.function.Predicate<String> hostsAffected) {
    core.announceDiscoveryChange(hostsAffected);
  }

  /** What {@code GET /metrics} on the management port serves. */
  public TargetMetrics metrics() {
    return metrics;
  }

  /**
   * The event loops the target's connections run on, for code in the same process that is also an
   * NVMe/TCP host (a replicated volume's owner) and wants its connections on the same threads.
   */
  public io.netty.channel.EventLoopGroup eventLoops() {
    return transport.eventLoops();
  }

  public java.util.concurrent.Executor ioExecutor() {
    return backends.ioExecutor();
  }

  private void addSubsystem(SubsystemConfig sc) throws IOException, TargetException {
    if (sc.nqn() == null || sc.nqn().isBlank() || sc.nqn().length() > 223) {
      throw new TargetException(TargetException.Kind.INVALID, "invalid subsystem NQN: " + sc.nqn());
    }
    Subsystem s =
        new Subsystem(
            sc.nqn(),
            sc.serial() != null ? sc.serial() : defaultSerial(sc.nqn()),
            sc.model() != null ? sc.model() : "Weft NVMe/TCP target",
            sc.firmware() != null ? sc.firmware() : Version.FIRMWARE,
            false,
            new HashSet<>(sc.allowedHosts()));
    sc.dhchapKeys().forEach(s::setKeys);
    if (!core.addSubsystem(s)) {
      throw new TargetException(
          TargetException.Kind.CONFLICT, "duplicate subsystem NQN " + sc.nqn());
    }
    applySavedKeys(sc.nqn());
    for (NamespaceConfig nc : sc.namespaces()) {
      addNamespace(sc.nqn(), nc);
    }
  }

  /** A serial number stable for the NQN: 20 characters at most. */
  private static String defaultSerial(String nqn) {
    return "WEFT"
        + UUID.nameUUIDFromBytes(nqn.getBytes()).toString().replace("-", "").substring(0, 16);
  }

  /** The addresses the NVMe/TCP listeners are bound to, in configuration order. */
  public List<InetSocketAddress> listenAddresses() {
    return transport.boundAddresses();
  }

  /** The bound address of the HTTP management interface, or null if it is off. */
  public InetSocketAddress adminAddress() {
    return admin == null ? null : admin.address();
  }

  /** The management API's scheme and how its callers authenticate, or null when it is off. */
  public AdminSummary adminSummary() {
    return admin == null ? null : new AdminSummary(admin.scheme(), admin.authentication());
  }

  /** See {@link #adminSummary()}. */
  public record AdminSummary(String scheme, String authentication) {}

  /** Adds a namespace to a subsystem; connected hosts are told with an asynchronous event. */
  public NamespaceInfo addNamespace(String subsystemNqn, NamespaceConfig nc)
      throws TargetException {
    Subsystem s = subsystem(subsystemNqn);
    if (nc.nsid() < 1 || nc.nsid() > Subsystem.MAX_NAMESPACES) {
      throw new TargetException(
          TargetException.Kind.INVALID,
          "NSID must be 1.." + Subsystem.MAX_NAMESPACES + ": " + nc.nsid());
    }
    int blockSize = nc.blockSize() == 0 ? 512 : nc.blockSize();
    if (blockSize != 512 && blockSize != 4096) {
      throw new TargetException(
          TargetException.Kind.INVALID, "block size must be 512 or 4096: " + blockSize);
    }
    if (nc.sizeBytes() <= 0 || nc.sizeBytes() % blockSize != 0) {
      throw new TargetException(
          TargetException.Kind.INVALID,
          "size must be a positive multiple of " + blockSize + ": " + nc.sizeBytes());
    }
    if (s.namespace(nc.nsid()) != null) {
      throw new TargetException(
          TargetException.Kind.CONFLICT, "namespace " + nc.nsid() + " exists in " + subsystemNqn);
    }
    String backend = nc.backend() == null ? (nc.path() == null ? "memory" : "file") : nc.backend();
    BlockDevice device;
    String path = null;
    String identity;
    try {
      switch (backend) {
        case "memory" -> {
          if (nc.encrypt()) {
            throw new TargetException(
                TargetException.Kind.INVALID,
                "encryption at rest is for file namespaces; a memory namespace is never at rest");
          }
          device = new MemoryBlockDevice(nc.sizeBytes());
          identity = "memory";
        }
        case "file" -> {
          if (nc.path() == null) {
            throw new TargetException(TargetException.Kind.INVALID, "file backend needs a path");
          }
          Path p = Path.of(nc.path());
          if (!p.isAbsolute()) {
            p = config.dataDir().resolve(p);
          }
          p = p.toAbsolutePath().normalize();
          Files.createDirectories(p.getParent());
          device = openFileDevice(p, nc.sizeBytes(), nc.direct(), blockSize, nc.encrypt());
          path = p.toString();
          identity = "file:" + path;
        }
        default ->
            throw new TargetException(
                TargetException.Kind.INVALID, "unknown backend " + backend + " (file or memory)");
      }
    } catch (IOException | IllegalArgumentException e) {
      throw new TargetException(
          TargetException.Kind.BACKEND, "cannot open backend: " + e.getMessage(), e);
    }
    UUID uuid;
    try {
      uuid =
          nc.uuid() != null
              ? UUID.fromString(nc.uuid())
              : Namespace.derivedUuid(subsystemNqn, nc.nsid(), identity);
    } catch (IllegalArgumentException e) {
      device.close();
      throw new TargetException(TargetException.Kind.INVALID, "bad UUID " + nc.uuid());
    }
    Namespace ns =
        new Namespace(
            nc.nsid(),
            device,
            blockSize,
            uuid,
            Namespace.derivedNguid(uuid),
            backend,
            path,
            backends.ioExecutor(),
            s.counters());
    if (!s.addNamespace(ns)) {
      device.close();
      throw new TargetException(
          TargetException.Kind.CONFLICT, "namespace " + nc.nsid() + " exists in " + subsystemNqn);
    }
    if (nc.qos() != null) {
      ns.qos(new NamespaceQos(nc.qos(), core.qosArbiter()));
    }
    log.info(
        "namespace {} of {} added: {} {} bytes, block size {}",
        nc.nsid(),
        subsystemNqn,
        path != null ? path : backend,
        nc.sizeBytes(),
        blockSize);
    return info(ns);
  }

  /**
   * Opens a file volume on this target's I/O engine ({@link Backends}): encrypted at rest when
   * asked (its data key unwrapped with the configured at-rest key, which is wiped again at once),
   * plain otherwise. Either way a volume is never opened as the other kind. A storage node opens
   * its replicas so.
   *
   * @param blockSize the logical block size: an encrypted volume's data unit
   */
  public BlockDevice openFileDevice(
      Path file, long sizeBytes, boolean direct, int blockSize, boolean encrypt)
      throws IOException {
    return backends.openFile(file, sizeBytes, direct, blockSize, encrypt);
  }

  /**
   * Sets a namespace's QoS policy, or with null lifts it. Takes effect for the next I/O; one that
   * is waiting keeps its wait.
   */
  public NamespaceInfo setQos(String subsystemNqn, int nsid, QosPolicy policy)
      throws TargetException {
    Namespace ns = namespace(subsystemNqn, nsid);
    ns.qos(policy == null ? null : new NamespaceQos(policy, core.qosArbiter()));
    log.info("namespace {} of {}: QoS {}", nsid, subsystemNqn, policy == null ? "none" : policy);
    return info(ns);
  }

  /**
   * Grows a namespace online to {@code newSizeBytes}: its device grows, then I/O up to the new end
   * is accepted and connected hosts are told (Namespace Attribute Changed; they identify it again
   * and see the new size). Growing to the present size changes nothing; a namespace never shrinks.
   */
  public NamespaceInfo resizeNamespace(String subsystemNqn, int nsid, long newSizeBytes)
      throws TargetException {
    Namespace ns = namespace(subsystemNqn, nsid);
    long size = ns.sizeBlocks() << ns.blockShift();
    if (newSizeBytes < size) {
      throw new TargetException(
          TargetException.Kind.INVALID,
          "namespace " + nsid + " has " + size + " bytes; it can grow, never shrink");
    }
    if (newSizeBytes % ns.blockSize() != 0) {
      throw new TargetException(
          TargetException.Kind.INVALID,
          "size must be a multiple of the block size " + ns.blockSize() + ": " + newSizeBytes);
    }
    try {
      ns.device().grow(newSizeBytes);
    } catch (UnsupportedOperationException e) {
      throw new TargetException(
          TargetException.Kind.INVALID,
          "namespace " + nsid + " (" + ns.backend() + ") cannot grow: " + e.getMessage());
    } catch (IOException | IllegalArgumentException e) {
      throw new TargetException(
          TargetException.Kind.BACKEND, "cannot grow namespace " + nsid + ": " + e.getMessage(), e);
    }
    namespaceGrown(subsystemNqn, nsid);
    log.info("namespace {} of {} grown to {} bytes", nsid, subsystemNqn, newSizeBytes);
    return info(ns);
  }

  /**
   * A namespace's device grew by other means (a volume's device, grown by its node): the namespace
   * takes up the new size and connected hosts are told. Nothing happens if it did not grow.
   */
  public void namespaceGrown(String subsystemNqn, int nsid) throws TargetException {
    Namespace ns = namespace(subsystemNqn, nsid);
    if (ns.refreshSize()) {
      subsystem(subsystemNqn).namespaceResized(nsid);
    }
  }

  /** Removes a namespace; connected hosts are told with an asynchronous event. */
  public void removeNamespace(String subsystemNqn, int nsid) throws TargetException {
    Subsystem s = subsystem(subsystemNqn);
    if (s.removeNamespace(nsid) == null) {
      throw new TargetException(
          TargetException.Kind.NOT_FOUND, "no namespace " + nsid + " in " + subsystemNqn);
    }
    log.info("namespace {} of {} removed", nsid, subsystemNqn);
  }

  /**
   * Sets the ANA state of one group of a subsystem on one port (a listener, 1-based in
   * configuration order). Hosts connected through that port get an ANA change notice and see the
   * new state at their next I/O; no connection is dropped.
   *
   * @param state {@code optimized}, {@code non-optimized}, {@code inaccessible}, {@code
   *     persistent-loss} or {@code change}
   */
  public AnaStateInfo setAnaState(String subsystemNqn, int portId, int group, String state)
      throws TargetException {
    Subsystem s = subsystem(subsystemNqn);
    int value = AnaLogPage.parse(state);
    if (value < 0) {
      throw new TargetException(
          TargetException.Kind.INVALID,
          "unknown ANA state '"
              + state
              + "': optimized, non-optimized, inaccessible, persistent-loss or change");
    }
    if (portId < 1 || portId > config.listeners().size()) {
      throw new TargetException(
          TargetException.Kind.INVALID,
          "no port " + portId + ": ports are 1.." + config.listeners().size() + " (listeners)");
    }
    if (group < 1 || group > AnaStates.MAX_GROUP) {
      throw new TargetException(
          TargetException.Kind.INVALID, "ANA group must be 1.." + AnaStates.MAX_GROUP);
    }
    if (s.setAnaState(portId, group, value)) {
      log.info("ANA group {} of {} on port {} is now {}", group, subsystemNqn, portId, state);
    }
    return new AnaStateInfo(portId, group, state);
  }

  /** The ANA state of every port for every group that has a namespace. */
  public List<AnaStateInfo> anaStates(String subsystemNqn) throws TargetException {
    Subsystem s = subsystem(subsystemNqn);
    List<AnaStateInfo> out = new ArrayList<>();
    for (int port = 1; port <= config.listeners().size(); port++) {
      for (Namespace ns : s.namespaces()) {
        int group = ns.anaGroupId();
        out.add(new AnaStateInfo(port, group, AnaLogPage.name(s.ana().state(port, group))));
      }
    }
    return out;
  }

  /** Lays the keys the management API saved over a subsystem's configured ones. */
  private void applySavedKeys(String nqn) {
    Subsystem s = core.subsystem(nqn);
    if (keyFile == null || s == null) {
      return;
    }
    java.util.Set<String> hosts = new HashSet<>(s.allowedHosts());
    keyFile
        .forSubsystem(nqn)
        .forEach(
            (host, ring) -> {
              s.setKeyring(host, ring);
              if (ring == null) {
                hosts.remove(host);
              } else {
                hosts.add(host);
              }
            });
    if (!s.isDiscovery()) {
      s.replaceAllowedHosts(hosts, "saved allow-list");
    }
  }

  /** Saves a host's keys as they are now (none: removed), so that they outlive a restart. */
  private void saveKeys(Subsystem s, String hostNqn) throws TargetException {
    if (keyFile == null) {
      return;
    }
    try {
      keyFile.put(s.nqn(), hostNqn, s.keyring(hostNqn));
    } catch (IOException e) {
      throw new TargetException(
          TargetException.Kind.BACKEND,
          "the keys are in effect but could not be saved to the data dir: " + e.getMessage(),
          e);
    }
  }

  /** A subsystem whose hosts and keys may be managed: an NVM subsystem or the discovery service. */
  private Subsystem withHosts(String nqn) throws TargetException {
    Subsystem s = nqn == null ? null : core.subsystem(nqn);
    if (s == null) {
      throw new TargetException(TargetException.Kind.NOT_FOUND, "no subsystem " + nqn);
    }
    return s;
  }

  private Namespace namespace(String subsystemNqn, int nsid) throws TargetException {
    Namespace ns = subsystem(subsystemNqn).namespace(nsid);
    if (ns == null) {
      throw new TargetException(
          TargetException.Kind.NOT_FOUND, "no namespace " + nsid + " in " + subsystemNqn);
    }
    return ns;
  }

  private Subsystem subsystem(String nqn) throws TargetException {
    Subsystem s = nqn == null ? null : core.subsystem(nqn);
    if (s == null || s.isDiscovery()) {
      throw new TargetException(TargetException.Kind.NOT_FOUND, "no subsystem " + nqn);
    }
    return s;
  }

  public List<SubsystemInfo> subsystems() {
    List<SubsystemInfo> out = new ArrayList<>();
    for (Subsystem s : core.subsystems()) {
      List<NamespaceInfo> nss = new ArrayList<>();
      for (Namespace ns : s.namespaces()) {
        nss.add(info(ns));
      }
      out.add(
          new SubsystemInfo(s.nqn(), s.serial(), s.model(), List.copyOf(s.allowedHosts()), nss));
    }
    out.sort((a, b) -> a.nqn().compareTo(b.nqn()));
    return out;
  }

  private static NamespaceInfo info(Namespace ns) {
    return new NamespaceInfo(
        ns.nsid(),
        ns.backend(),
        ns.path(),
        ns.device().sizeBytes(),
        ns.blockSize(),
        ns.device().usedBytes(),
        ns.uuid().toString(),
        ns.nguidHex(),
        ns.device() instanceof EncryptedBlockDevice,
        ns.qos() == null ? null : ns.qos().policy());
  }

  public List<ControllerInfo> controllers() {
    List<ControllerInfo> out = new ArrayList<>();
    List<Subsystem> all = new ArrayList<>(core.subsystems());
    all.add(core.subsystem(io.weft.protocol.discovery.DiscoveryLogPage.DISCOVERY_NQN));
    for (Subsystem s : all) {
      for (Controller c : s.controllers()) {
        out.add(
            new ControllerInfo(
                s.nqn(),
                c.cntlid(),
                c.hostNqn(),
                c.hostId().toString(),
                c.adminQueue().remoteAddress(),
                c.connectedIoQueues(),
                c.katoMillis()));
      }
    }
    return out;
  }

  /** Closes every connection, flushes and closes every backend. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (admin != null) {
      admin.close();
    }
    if (transport != null) {
      transport.stopListening();
    }
    core.shutdown();
    if (transport != null) {
      transport.close();
    }
    backends.close();
    scheduler.shutdownNow();
    log.info("target stopped");
  }

  private static ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** HOST:PORT with IPv6 in brackets. */
  record HostPort(String host, int port) {
    static HostPort parse(String text) {
      int colon = text.lastIndexOf(':');
      if (colon <= 0) {
        throw new IllegalArgumentException("expected HOST:PORT, got " + text);
      }
      String host = text.substring(0, colon);
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      return new HostPort(host, Integer.parseInt(text.substring(colon + 1)));
    }
  }
}
