package io.weft.node.volume;

import io.weft.block.Reflinks;
import io.weft.node.Failpoints;
import io.weft.node.NodeRegistry;
import io.weft.protocol.nvme.AnaLogPage;
import io.weft.tgt.Target;
import io.weft.tgt.TargetException;
import io.weft.tgt.config.DhchapKeys;
import io.weft.tgt.config.SubsystemConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What this node's target exports for each volume it holds a replica of: the internal replica
 * subsystem (open only to the current owner's generation, which is the fencing) and the host-facing
 * subsystem with the volume's NQN, identity, hosts, QoS, size and ANA state. The {@link
 * VolumeAgent} decides; this carries it out on the target.
 */
final class VolumeExports {
  private static final Logger log = LoggerFactory.getLogger(VolumeExports.class);

  /** Controller IDs per node of a volume: 15 nodes fit below 0xFFEF. */
  static final int CNTLIDS_PER_NODE = 4096;

  /** The host-facing port whose ANA state is set (a node has one listener). */
  static final int PORT = 1;

  private final String me;
  private final ReplicaFiles files;
  private final Target target;
  private final NodeRegistry registry;
  private final ReplicaLinkKeys linkKeys;

  VolumeExports(
      String me,
      ReplicaFiles files,
      Target target,
      NodeRegistry registry,
      ReplicaLinkKeys linkKeys) {
    this.me = me;
    this.files = files;
    this.target = target;
    this.registry = registry;
    this.linkKeys = linkKeys;
  }

  /**
   * The hosts allowed on the volume and those allowed only to read, when they changed: hosts no
   * longer allowed are disconnected at once.
   */
  void setHosts(LocalVolume lv, VolumeRecord r) {
    if (r.allowedHosts().equals(lv.allowedHosts) && r.readOnlyHosts().equals(lv.readOnlyHosts)) {
      return;
    }
    // New readers are made readers before they are let in, and old ones stay readers until they
    // are out, so no host writes in between.
    try {
      Set<String> readersMeanwhile = new HashSet<>(lv.readOnlyHosts);
      readersMeanwhile.addAll(r.readOnlyHosts());
      target.setReadOnlyHosts(r.nqn(), readersMeanwhile);
      target.setAllowedHosts(
          r.nqn(), Set.copyOf(r.allowedHosts()), "no longer allowed on volume " + r.name());
      target.setReadOnlyHosts(r.nqn(), Set.copyOf(r.readOnlyHosts()));
      lv.allowedHosts = r.allowedHosts();
      lv.readOnlyHosts = r.readOnlyHosts();
    } catch (TargetException e) {
      log.error("volume {}: cannot change its hosts: {}", r.name(), e.getMessage());
    }
  }

  /**
   * Fencing, when the record names an owner generation the replica is not yet open to: only that
   * generation may reach this replica, and an older owner's links end. False if the target refused;
   * the next round tries again.
   */
  boolean fenceToOwner(LocalVolume lv, VolumeRecord r) {
    String owner = r.ownerHostNqn();
    try {
      // The new generation's keys first: the allow-list change then ends the old owner's links.
      target.setHostKeys(r.replicaNqn(), owner, linkKeys.keysFor(r));
      if (lv.allowedOwner != null) {
        target.setHostKeys(r.replicaNqn(), lv.allowedOwner, null);
      }
      target.setAllowedHosts(r.replicaNqn(), Set.of(owner), "fenced: generation " + r.generation());
      lv.allowedOwner = owner;
      return true;
    } catch (TargetException e) {
      log.error("volume {}: cannot fence older owners: {}", r.name(), e.getMessage());
      return false;
    }
  }

  /** The ANA state of the volume's namespace on this node's port, if it is not that already. */
  void setAna(LocalVolume lv, int state) {
    if (lv.anaState == state) {
      return;
    }
    try {
      target.setAnaState(lv.record.nqn(), PORT, 1, AnaLogPage.name(state));
      lv.anaState = state;
    } catch (TargetException e) {
      log.error("volume {}: cannot set ANA state: {}", lv.record.name(), e.getMessage());
    }
  }

  /**
   * The volume's QoS on its host-facing namespace, on every node that exports it: hosts are held to
   * it on whichever path they use. Replication traffic (the replica subsystem) is never limited:
   * holding it back would hold back the owner's writes twice.
   */
  void applyQos(LocalVolume lv, VolumeRecord r) {
    try {
      target.setQos(r.nqn(), 1, r.qos());
      lv.qos = r.qos();
    } catch (TargetException e) {
      log.error("volume {}: cannot set QoS: {}", r.name(), e.getMessage());
    }
  }

  /** Opens the replica file and exports the replica and host-facing subsystems. */
  LocalVolume export(VolumeRecord r) {
    LocalVolume lv = new LocalVolume();
    lv.record = r;
    try {
      files.claim(r.name(), r.uuid());
      Failpoints.reach("export.claimed");
      if (r.sourceSnapshot() != null && !Files.exists(files.replica(r.name()))) {
        // a clone: this replica starts as an instant copy of the snapshot's copy on this node
        Reflinks.copy(files.snapshot(r.sourceSnapshot()), files.replica(r.name()));
        Failpoints.reach("clone.copied");
      }
      lv.replica =
          target.openFileDevice(
              files.replica(r.name()), r.sizeBytes(), false, r.blockSize(), r.encrypted());
      Failpoints.reach("export.replica-open");
      UUID uuid = UUID.fromString(r.uuid());
      DhchapKeys ownerKeys = linkKeys.keysFor(r);
      target.createSubsystem(
          new SubsystemConfig(
              r.replicaNqn(),
              null,
              "Weft replica",
              null,
              List.of(r.ownerHostNqn()),
              List.of(),
              ownerKeys == null ? Map.of() : Map.of(r.ownerHostNqn(), ownerKeys)));
      lv.allowedOwner = r.ownerHostNqn();
      // Long enough that a takeover (one lease TTL after the owner's last renewal) still finds
      // the old owner's last writes reported.
      lv.recent = new RecentWrites(r.sizeBytes(), registry.ttl().multipliedBy(2).plusSeconds(5));
      target.addNamespace(
          r.replicaNqn(),
          1,
          new SharedDevice(lv.replica, lv.recent),
          r.blockSize(),
          uuid,
          "replica");
      Failpoints.reach("export.replica-exported");
      lv.device = new VolumeDevice(r.sizeBytes(), lv.replica.volatileWriteCache());
      target.createSubsystem(
          new SubsystemConfig(
              r.nqn(), null, "Weft volume " + r.name(), null, r.allowedHosts(), List.of()));
      lv.allowedHosts = r.allowedHosts();
      target.setReadOnlyHosts(r.nqn(), Set.copyOf(r.readOnlyHosts()));
      lv.readOnlyHosts = r.readOnlyHosts();
      // One NVM subsystem spans nodes: each node's controllers get IDs of their own.
      int index = r.nodes().indexOf(me);
      target.setCntlidRange(r.nqn(), 1 + index * CNTLIDS_PER_NODE, (index + 1) * CNTLIDS_PER_NODE);
      // Inaccessible until this node knows it owns the volume.
      target.setAnaState(r.nqn(), PORT, 1, AnaLogPage.name(AnaLogPage.INACCESSIBLE));
      lv.anaState = AnaLogPage.INACCESSIBLE;
      target.addNamespace(r.nqn(), 1, lv.device, r.blockSize(), uuid, "volume");
      Failpoints.reach("export.done");
      log.info("volume {}: replica exported ({} bytes, {})", r.name(), r.sizeBytes(), r.nqn());
      return lv;
    } catch (IOException | TargetException | RuntimeException e) {
      log.error("volume {}: cannot export: {}", r.name(), e.toString());
      unexport(lv, r);
      return null;
    }
  }

  void unexport(LocalVolume lv, VolumeRecord r) {
    for (String nqn : List.of(r.nqn(), r.replicaNqn())) {
      if (target.hasSubsystem(nqn)) {
        try {
          target.removeSubsystem(nqn);
        } catch (TargetException e) {
          log.warn("volume {}: {}", r.name(), e.getMessage());
        }
      }
    }
    if (lv.replica != null) {
      lv.replica.close();
    }
  }

  /** Hosts see the volume up to {@code covered} (at most its recorded size), told by an event. */
  void showSize(LocalVolume lv, VolumeRecord r, long covered) {
    long size = Math.min(covered, r.sizeBytes());
    if (lv.device.sizeBytes() >= size) {
      return;
    }
    try {
      lv.device.grow(size);
      target.namespaceGrown(r.nqn(), 1);
      log.info("volume {}: hosts see {} bytes", r.name(), size);
    } catch (TargetException e) {
      log.error("volume {}: cannot show the new size: {}", r.name(), e.getMessage());
    }
  }
}
