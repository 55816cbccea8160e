package io.weft.node.volume;

import io.weft.tgt.qos.QosPolicy;
import java.util.ArrayList;
import java.util.List;

/**
 * A replicated volume as the cluster store holds it ({@code volumes/<name>}). {@code owner} serves
 * hosts' I/O; {@code generation} increases with every ownership change and fences older owners;
 * {@code inSync} lists the replicas that hold every acknowledged write (only they may become
 * owner). Every change is a compare-and-set on the key's revision. {@code encrypted}: each node
 * keeps its replica encrypted at rest with a data key of its own, wrapped by its at-rest key.
 * {@code readOnlyHosts}: the allowed hosts that may only read (ROX: one volume read by many hosts);
 * the target refuses their writes. {@code qos}: the volume's QoS policy (workload class, ceilings,
 * floor), applied by the node serving hosts; null for none. {@code tenant}: the tenant the volume
 * belongs to (its hosts are the tenant's, its size counts against the tenant's quota), or null.
 * {@code servedBytes}: the size the owner shows hosts; less than {@code sizeBytes} while a growth
 * is under way (0 in records from before it was kept: as {@code sizeBytes}). {@code
 * sourceSnapshot}: for a clone, the UUID of the snapshot each replica starts as a copy of (the
 * snapshot's copy on the replica's node), or null.
 */
public record VolumeRecord(
    String name,
    String nqn,
    String uuid,
    long sizeBytes,
    int blockSize,
    int replicas,
    List<String> nodes,
    String owner,
    long generation,
    List<String> inSync,
    List<String> allowedHosts,
    long createdAtMillis,
    boolean encrypted,
    List<String> readOnlyHosts,
    QosPolicy qos,
    String tenant,
    long servedBytes,
    String sourceSnapshot) {

  /**
   * A host that never connects: a volume that should admit nobody for now names it, since no hosts
   * at all would mean every host (an unpublished CSI volume).
   */
  public static final String NO_HOST = "nqn.2026-11.io.weft:csi:unpublished";

  public VolumeRecord {
    servedBytes = servedBytes == 0 ? sizeBytes : servedBytes;
    nodes = List.copyOf(nodes);
    inSync = List.copyOf(inSync);
    allowedHosts = allowedHosts == null ? List.of() : List.copyOf(allowedHosts);
    readOnlyHosts = readOnlyHosts == null ? List.of() : List.copyOf(readOnlyHosts);
  }

  /** The NQN a volume gets unless one is given. */
  public static String defaultNqn(String name) {
    return "nqn.2026-11.io.weft:vol:" + name;
  }

  /** The internal subsystem through which the owner reaches this volume's replica on a node. */
  public String replicaNqn() {
    return "nqn.2026-11.io.weft:replica:" + name;
  }

  /**
   * The host NQN an owner of {@code generation} uses towards replicas: fencing is by generation.
   */
  public static String ownerHostNqn(String owner, long generation) {
    return "nqn.2026-11.io.weft:node:" + owner + ":gen:" + generation;
  }

  public String ownerHostNqn() {
    return ownerHostNqn(owner, generation);
  }

  /** The readers that are among {@code hosts}: who stays a reader when the hosts change. */
  public List<String> readOnlyAmong(List<String> hosts) {
    return readOnlyHosts.stream().filter(hosts::contains).toList();
  }

  public boolean isInSync(String node) {
    return inSync.contains(node);
  }

  /** The same volume with a new owner, the next generation and the given in-sync set. */
  public VolumeRecord withOwner(String newOwner, List<String> newInSync) {
    Copy c = new Copy(this);
    c.owner = newOwner;
    c.generation = generation + 1;
    c.inSync = newInSync;
    return c.build();
  }

  /** The same volume without {@code node} in the in-sync set (same generation). */
  public VolumeRecord withoutInSync(String node) {
    Copy c = new Copy(this);
    c.inSync = new ArrayList<>(inSync);
    c.inSync.remove(node);
    return c.build();
  }

  /** The same volume with {@code node} back in the in-sync set (same generation). */
  public VolumeRecord withInSync(String node) {
    Copy c = new Copy(this);
    c.inSync = new ArrayList<>(inSync);
    if (!c.inSync.contains(node)) {
      c.inSync.add(node);
    }
    return c.build();
  }

  /**
   * The same volume with other hosts allowed (none: every host), of which {@code readOnly} may only
   * read; same generation.
   */
  public VolumeRecord withHosts(List<String> hosts, List<String> readOnly) {
    Copy c = new Copy(this);
    c.allowedHosts = hosts;
    c.readOnlyHosts = readOnly;
    return c.build();
  }

  /** The same volume, larger (same generation): every node grows its replica to it. */
  public VolumeRecord withSize(long newSizeBytes) {
    Copy c = new Copy(this);
    c.sizeBytes = newSizeBytes;
    return c.build();
  }

  /** The same volume, served to hosts at {@code bytes} now (a growth done). */
  public VolumeRecord withServedBytes(long bytes) {
    Copy c = new Copy(this);
    c.servedBytes = bytes;
    return c.build();
  }

  /** Whether the owner serves hosts less than the recorded size (a growth under way). */
  public boolean growing() {
    return servedBytes < sizeBytes;
  }

  /** The same volume under another QoS policy (null: none); same generation. */
  public VolumeRecord withQos(QosPolicy policy) {
    Copy c = new Copy(this);
    c.qos = policy;
    return c.build();
  }

  /** A record's fields to change one or two of: the with-methods above, each in a few lines. */
  private static final class Copy {
    private final String name;
    private final String nqn;
    private final String uuid;
    private long sizeBytes;
    private final int blockSize;
    private final int replicas;
    private final List<String> nodes;
    private String owner;
    private long generation;
    private List<String> inSync;
    private List<String> allowedHosts;
    private final long createdAtMillis;
    private final boolean encrypted;
    private List<String> readOnlyHosts;
    private QosPolicy qos;
    private final String tenant;
    private long servedBytes;
    private final String sourceSnapshot;

    Copy(VolumeRecord r) {
      name = r.name;
      nqn = r.nqn;
      uuid = r.uuid;
      sizeBytes = r.sizeBytes;
      blockSize = r.blockSize;
      replicas = r.replicas;
      nodes = r.nodes;
      owner = r.owner;
      generation = r.generation;
      inSync = r.inSync;
      allowedHosts = r.allowedHosts;
      createdAtMillis = r.createdAtMillis;
      encrypted = r.encrypted;
      readOnlyHosts = r.readOnlyHosts;
      qos = r.qos;
      tenant = r.tenant;
      servedBytes = r.servedBytes;
      sourceSnapshot = r.sourceSnapshot;
    }

    VolumeRecord build() {
      return new VolumeRecord(
          name,
          nqn,
          uuid,
          sizeBytes,
          blockSize,
          replicas,
          nodes,
          owner,
          generation,
          inSync,
          allowedHosts,
          createdAtMillis,
          encrypted,
          readOnlyHosts,
          qos,
          tenant,
          servedBytes,
          sourceSnapshot);
    }
  }
}
