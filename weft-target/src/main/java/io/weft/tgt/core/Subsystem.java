package io.weft.tgt.core;

import io.weft.tgt.config.DhchapKeys;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * An NVM subsystem (or the discovery subsystem): identity, the hosts allowed in, its namespaces and
 * the controllers hosts have created on it. Namespaces and controllers change from management and
 * connection threads while every queue reads them, so both live in concurrent maps.
 */
public final class Subsystem {
  /** Highest controller ID a dynamic controller may get (0xFFF0..0xFFFF are reserved). */
  static final int MAX_CNTLID = 0xFFEF;

  /** Most namespaces per subsystem (Identify Controller NN). */
  public static final int MAX_NAMESPACES = 1024;

  private final String nqn;
  private final String serial;
  private final String model;
  private final String firmware;
  private final boolean discovery;
  private volatile Set<String> allowedHosts;
  private Set<String> readOnlyHosts = Set.of();
  private volatile Map<String, HostKeyring> keyrings = Map.of();
  private final ConcurrentSkipListMap<Integer, Namespace> namespaces =
      new ConcurrentSkipListMap<>();
  private final Map<Integer, Controller> controllers = new ConcurrentHashMap<>();
  private final SmartCounters counters = new SmartCounters();
  private final FabricCounters fabric = new FabricCounters();
  private final AnaStates ana = new AnaStates();
  private int minCntlid = 1;
  private int maxCntlid = MAX_CNTLID;
  private int nextCntlid = 1;

  public Subsystem(
      String nqn,
      String serial,
      String model,
      String firmware,
      boolean discovery,
      Set<String> allowedHosts) {
    this.nqn = nqn;
    this.serial = serial;
    this.model = model;
    this.firmware = firmware;
    this.discovery = discovery;
    this.allowedHosts = Set.copyOf(allowedHosts);
  }

  public String nqn() {
    return nqn;
  }

  /**
   * Restricts the controller IDs this subsystem hands out. Controllers of one NVM subsystem must
   * have distinct IDs across every node that exports it (the Linux host rejects a second path with
   * a duplicate CNTLID), so each node of a replicated volume takes its own range.
   */
  public synchronized void cntlidRange(int min, int max) {
    if (min < 1 || max > MAX_CNTLID || min > max) {
      throw new IllegalArgumentException("CNTLID range " + min + ".." + max);
    }
    minCntlid = min;
    maxCntlid = max;
    nextCntlid = min;
  }

  public String serial() {
    return serial;
  }

  public String model() {
    return model;
  }

  public String firmware() {
    return firmware;
  }

  /** The controllers hosts have created on this subsystem now. */
  java.util.List<Controller> controllerList() {
    return java.util.List.copyOf(controllers.values());
  }

  public boolean isDiscovery() {
    return discovery;
  }

  public Set<String> allowedHosts() {
    return allowedHosts;
  }

  /**
   * Replaces the allow-list and ends every controller of a host no longer on it, at once: no
   * command of theirs is executed after this returns (a replica fences an old owner this way).
   */
  public void replaceAllowedHosts(Set<String> hosts, String reason) {
    allowedHosts = Set.copyOf(hosts);
    for (Controller c : controllers.values()) {
      if (!allows(c.hostNqn())) {
        c.destroy(reason);
      }
    }
  }

  /** The hosts whose controllers see every namespace write-protected. */
  public synchronized Set<String> readOnlyHosts() {
    return readOnlyHosts;
  }

  /**
   * Makes these hosts readers: their controllers report each namespace write-protected (Identify
   * Namespace NSATTR) and refuse every command that would change data with Namespace Is Write
   * Protected, while other hosts keep writing. A connected controller whose state changes is told
   * with a Namespace Attribute Changed event for every namespace, as a host re-reads NSATTR then.
   */
  public synchronized void replaceReadOnlyHosts(Set<String> hosts) {
    readOnlyHosts = Set.copyOf(hosts);
    for (Controller c : controllers.values()) {
      boolean readOnly = readOnlyHosts.contains(c.hostNqn());
      if (c.readOnly() != readOnly) {
        c.readOnly(readOnly);
        for (Integer nsid : namespaces.keySet()) {
          c.namespaceChanged(nsid);
        }
      }
    }
  }

  /** Ends every controller (the subsystem is going away). */
  void destroyControllers(String reason) {
    controllers.values().forEach(c -> c.destroy(reason));
  }

  /** The DH-HMAC-CHAP keys held for a host, or null: then the host need not authenticate. */
  public HostKeyring keyring(String hostNqn) {
    return keyrings.get(hostNqn);
  }

  /** Every host's keys, by host NQN. */
  public Map<String, HostKeyring> keyrings() {
    return keyrings;
  }

  /**
   * Sets (or with null, removes) a host's keys at once, with no grace for the old ones. Connected
   * queues stay up; the keys count from the host's next (re-)authentication.
   */
  public synchronized void setKeys(String hostNqn, DhchapKeys keys) {
    Map<String, HostKeyring> next = new HashMap<>(keyrings);
    if (keys == null) {
      next.remove(hostNqn);
    } else {
      next.put(hostNqn, HostKeyring.of(keys));
    }
    keyrings = Map.copyOf(next);
  }

  /** Sets (or with null, removes) a host's whole keyring, grace window included (saved state). */
  public synchronized void setKeyring(String hostNqn, HostKeyring ring) {
    Map<String, HostKeyring> next = new HashMap<>(keyrings);
    if (ring == null) {
      next.remove(hostNqn);
    } else {
      next.put(hostNqn, ring);
    }
    keyrings = Map.copyOf(next);
  }

  /**
   * Rotates a host's keys: {@code keys} become current and the old ones are still accepted for
   * {@code graceMillis}, so hosts can move to the new key without losing a connection.
   *
   * @return false if the host had no keys to rotate
   */
  public synchronized boolean rotateKeys(String hostNqn, DhchapKeys keys, long graceMillis) {
    HostKeyring ring = keyrings.get(hostNqn);
    if (ring == null) {
      return false;
    }
    Map<String, HostKeyring> next = new HashMap<>(keyrings);
    next.put(hostNqn, ring.rotate(keys, System.currentTimeMillis(), graceMillis));
    keyrings = Map.copyOf(next);
    return true;
  }

  /** Whether a host may connect; an empty allow-list admits every host. */
  public boolean allows(String hostNqn) {
    return allowedHosts.isEmpty() || allowedHosts.contains(hostNqn);
  }

  /** ANA states of this subsystem's groups per port. */
  public AnaStates ana() {
    return ana;
  }

  /**
   * Changes one group's state on one port and tells the controllers on that port (ANA change
   * notice). Connections stay up; their next I/O to the group sees the new state.
   *
   * @return false if it already had that state
   */
  public boolean setAnaState(int portId, int group, int state) {
    if (!ana.set(portId, group, state)) {
      return false;
    }
    for (Controller c : controllers.values()) {
      if (c.portId() == portId) {
        c.anaChanged();
      }
    }
    return true;
  }

  /** Connects, keep-alive expiries, asynchronous events, authentication failures. */
  public FabricCounters fabric() {
    return fabric;
  }

  public SmartCounters counters() {
    return counters;
  }

  /** The active namespace with this NSID, or null. */
  public Namespace namespace(int nsid) {
    return namespaces.get(nsid);
  }

  /** Active namespaces in ascending NSID order. */
  public Iterable<Namespace> namespaces() {
    return namespaces.values();
  }

  /** Active NSIDs greater than {@code after}, ascending, at most {@code max}. */
  public List<Integer> activeNsidsAfter(int after, int max) {
    List<Integer> out = new ArrayList<>();
    if (after < 0) {
      // NSIDs are unsigned: 80000000h and above are past every NSID this subsystem can have.
      return out;
    }
    for (Integer nsid : namespaces.tailMap(after, false).keySet()) {
      if (out.size() == max) {
        break;
      }
      out.add(nsid);
    }
    return out;
  }

  /** Adds a namespace and tells every controller; false if the NSID is taken. */
  public boolean addNamespace(Namespace ns) {
    if (namespaces.putIfAbsent(ns.nsid(), ns) != null) {
      return false;
    }
    controllers.values().forEach(c -> c.namespaceChanged(ns.nsid()));
    return true;
  }

  /**
   * A namespace's size changed: every controller reports it in its Changed Namespace List and sends
   * the Namespace Attribute Changed event, on which hosts identify the namespace again.
   */
  public void namespaceResized(int nsid) {
    controllers.values().forEach(c -> c.namespaceChanged(nsid));
  }

  /** Removes a namespace and tells every controller; null if there was none. */
  public Namespace removeNamespace(int nsid) {
    Namespace ns = namespaces.remove(nsid);
    if (ns != null) {
      ns.remove();
      controllers.values().forEach(c -> c.namespaceChanged(nsid));
    }
    return ns;
  }

  /** Picks an unused controller ID, round robin so IDs are not reused at once; -1 if none. */
  synchronized int allocateCntlid() {
    for (int i = 0; i <= maxCntlid - minCntlid; i++) {
      int id = nextCntlid;
      nextCntlid = nextCntlid >= maxCntlid ? minCntlid : nextCntlid + 1;
      if (!controllers.containsKey(id)) {
        return id;
      }
    }
    return -1;
  }

  synchronized void register(Controller c) {
    c.readOnly(readOnlyHosts.contains(c.hostNqn()));
    controllers.put(c.cntlid(), c);
  }

  void unregister(Controller c) {
    controllers.remove(c.cntlid(), c);
  }

  public Controller controller(int cntlid) {
    return controllers.get(cntlid);
  }

  public List<Controller> controllers() {
    return List.copyOf(controllers.values());
  }

  /** Closes every controller and namespace (target shutdown). */
  void shutdown() {
    controllers.values().forEach(c -> c.destroy("target shutting down"));
    for (Integer nsid : List.copyOf(namespaces.keySet())) {
      Namespace ns = namespaces.remove(nsid);
      if (ns != null) {
        ns.remove();
      }
    }
  }
}
