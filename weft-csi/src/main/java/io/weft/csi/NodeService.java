package io.weft.csi;

import static io.weft.csi.Calls.answer;
import static io.weft.csi.Calls.error;
import static io.weft.csi.Calls.required;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.weft.csi.proto.NodeExpandVolumeRequest;
import io.weft.csi.proto.NodeExpandVolumeResponse;
import io.weft.csi.proto.NodeGetCapabilitiesRequest;
import io.weft.csi.proto.NodeGetCapabilitiesResponse;
import io.weft.csi.proto.NodeGetInfoRequest;
import io.weft.csi.proto.NodeGetInfoResponse;
import io.weft.csi.proto.NodeGetVolumeStatsRequest;
import io.weft.csi.proto.NodeGetVolumeStatsResponse;
import io.weft.csi.proto.NodeGrpc;
import io.weft.csi.proto.NodePublishVolumeRequest;
import io.weft.csi.proto.NodePublishVolumeResponse;
import io.weft.csi.proto.NodeServiceCapability;
import io.weft.csi.proto.NodeStageVolumeRequest;
import io.weft.csi.proto.NodeStageVolumeResponse;
import io.weft.csi.proto.NodeUnpublishVolumeRequest;
import io.weft.csi.proto.NodeUnpublishVolumeResponse;
import io.weft.csi.proto.NodeUnstageVolumeRequest;
import io.weft.csi.proto.NodeUnstageVolumeResponse;
import io.weft.csi.proto.VolumeCapability;
import io.weft.csi.proto.VolumeUsage;
import io.weft.node.volume.VolumeRecord;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The CSI Node service on a consumer node: staging connects the kernel initiator to every path of
 * the volume (nvme-cli, one block device through native multipath), makes a file system on an empty
 * volume and mounts it; publishing bind-mounts that (or the raw device) at the pod's path,
 * read-only for readers. Each step checks what is there first, so a repeated call is harmless.
 */
final class NodeService extends NodeGrpc.NodeImplBase {
  /** How long staging waits for the volume's hosts to reach its nodes, and for the device. */
  private static final Duration CONNECT_PATIENCE = Duration.ofSeconds(30);

  private static final Duration DEVICE_PATIENCE = Duration.ofSeconds(30);

  /** How long a grown device may lag before the node asks its controllers to rescan. */
  private static final Duration RESCAN_AFTER = Duration.ofSeconds(2);

  private final CsiNodes.CsiNode self;
  private final Function<String, Optional<String>> nqnOf;
  private final Calls calls = new Calls();

  /**
   * @param nqnOf the subsystem NQN of the cluster's volume of this id, or empty if the cluster has
   *     no such volume (the store's word: a call about a volume that does not exist is NOT_FOUND,
   *     not a failed connect)
   */
  NodeService(CsiNodes.CsiNode self, Function<String, Optional<String>> nqnOf) {
    this.self = self;
    this.nqnOf = nqnOf;
  }

  private void requireVolume(String id) {
    if (nqnOf.apply(id).isEmpty()) {
      throw error(Status.NOT_FOUND, "no volume '" + id + "' in the cluster");
    }
  }

  @Override
  public void nodeGetInfo(
      NodeGetInfoRequest request, StreamObserver<NodeGetInfoResponse> response) {
    NodeGetInfoResponse.Builder b = NodeGetInfoResponse.newBuilder().setNodeId(self.nodeId());
    if (!self.zone().isEmpty()) {
      b.setAccessibleTopology(CsiVolumes.zoneTopology(self.zone()));
    }
    response.onNext(b.build());
    response.onCompleted();
  }

  @Override
  public void nodeGetCapabilities(
      NodeGetCapabilitiesRequest request, StreamObserver<NodeGetCapabilitiesResponse> response) {
    NodeGetCapabilitiesResponse.Builder b = NodeGetCapabilitiesResponse.newBuilder();
    for (NodeServiceCapability.RPC.Type t :
        List.of(
            NodeServiceCapability.RPC.Type.STAGE_UNSTAGE_VOLUME,
            NodeServiceCapability.RPC.Type.GET_VOLUME_STATS,
            NodeServiceCapability.RPC.Type.EXPAND_VOLUME)) {
      b.addCapabilities(
          NodeServiceCapability.newBuilder()
              .setRpc(NodeServiceCapability.RPC.newBuilder().setType(t)));
    }
    response.onNext(b.build());
    response.onCompleted();
  }

  // ---- stage ----

  @Override
  public void nodeStageVolume(
      NodeStageVolumeRequest request, StreamObserver<NodeStageVolumeResponse> response) {
    answer(
        response,
        () -> {
          String id = required(request.getVolumeId(), "volume id");
          Path staging = Path.of(required(request.getStagingTargetPath(), "staging target path"));
          VolumeCapability cap =
              VolumeCapabilities.require(
                  request.hasVolumeCapability(), request.getVolumeCapability());
          requireVolume(id);
          Map<String, String> publish = request.getPublishContextMap();
          String nqn = publish.getOrDefault(CsiVolumes.CONTEXT_NQN, VolumeRecord.defaultNqn(id));
          String targets = publish.getOrDefault(CsiVolumes.CONTEXT_TARGETS, "");
          if (targets.isEmpty()) {
            throw error(
                Status.FAILED_PRECONDITION,
                "volume '" + id + "' has no targets in its publish context: publish it first");
          }
          return calls.exclusive(
              id,
              () -> {
                stage(
                    nqn,
                    Arrays.asList(targets.split(",")),
                    staging,
                    cap,
                    // a reader capability, or a read-only publish of any capability: the target
                    // refuses this node's writes either way
                    VolumeCapabilities.readOnly(cap)
                        || "true".equals(publish.get(CsiVolumes.CONTEXT_READ_ONLY)),
                    options(request.getVolumeContextMap(), request.getSecretsMap()));
                return NodeStageVolumeResponse.getDefaultInstance();
              });
        });
  }

  private void stage(
      String nqn,
      List<String> targets,
      Path staging,
      VolumeCapability cap,
      boolean readOnly,
      NvmeConnections.Options options)
      throws IOException, InterruptedException {
    NvmeConnections.connect(nqn, targets, options, CONNECT_PATIENCE);
    Path device = NvmeConnections.device(nqn, DEVICE_PATIENCE);
    if (cap.hasBlock()) {
      return; // a raw device: publishing binds the device itself
    }
    Files.createDirectories(staging);
    if (Mounts.isMountPoint(staging)) {
      return;
    }
    String fs = cap.getMount().getFsType().isEmpty() ? "ext4" : cap.getMount().getFsType();
    String existing = fileSystemOn(device);
    if (existing.isEmpty()) {
      if (readOnly) {
        throw error(
            Status.FAILED_PRECONDITION,
            "volume " + nqn + " is empty and published read-only: there is nothing to mount");
      }
      Commands.check(List.of("mkfs." + fs, "-q", device.toString()), Duration.ofMinutes(10));
    } else if (!existing.equals(fs)) {
      throw error(
          Status.FAILED_PRECONDITION,
          "volume " + nqn + " holds " + existing + ", not the " + fs + " asked for");
    }
    List<String> mountOptions = new ArrayList<>(cap.getMount().getMountFlagsList());
    if (readOnly) {
      mountOptions.add("ro");
      // the device refuses writes: no journal or log replay
      mountOptions.add(fs.equals("xfs") ? "norecovery" : "noload");
    }
    Mounts.mount(device, staging, fs, mountOptions);
  }

  /**
   * What blkid finds on {@code device}: its file system type, "" when blkid says the device holds
   * nothing it knows (exit 2), the only answer that lets staging make a file system. A partition
   * table, or anything blkid cannot tell, is refused rather than formatted over.
   */
  private static String fileSystemOn(Path device) throws IOException {
    Commands.Result r =
        Commands.run(
            List.of("blkid", "-p", "-o", "export", device.toString()), Duration.ofSeconds(30));
    if (r.exit() == 2) {
      return "";
    }
    String type = null;
    String table = null;
    for (String line : r.out().split("\n")) {
      if (line.startsWith("TYPE=")) {
        type = line.substring("TYPE=".length()).trim();
      } else if (line.startsWith("PTTYPE=")) {
        table = line.substring("PTTYPE=".length()).trim();
      }
    }
    if (r.ok() && type != null && !type.isEmpty()) {
      return type;
    }
    throw error(
        Status.FAILED_PRECONDITION,
        device
            + " is not empty and holds no file system to mount"
            + (table != null ? " (a " + table + " partition table)" : "")
            + "; blkid said (exit "
            + r.exit()
            + "): "
            + r.out()
            + ". Not formatting over it.");
  }

  /** How this node connects: as its host NQN, with the StorageClass's options and secrets. */
  private NvmeConnections.Options options(
      Map<String, String> context, Map<String, String> secrets) {
    return new NvmeConnections.Options(
        self.nodeId(),
        number(context.get(StorageClassParameters.CTRL_LOSS_TMO)),
        number(context.get(StorageClassParameters.KEEP_ALIVE_TMO)),
        number(context.get(StorageClassParameters.NR_IO_QUEUES)),
        secrets.get("dhchapSecret"),
        secrets.get("dhchapCtrlSecret"));
  }

  private static Integer number(String text) {
    return text == null ? null : Integer.valueOf(text);
  }

  @Override
  public void nodeUnstageVolume(
      NodeUnstageVolumeRequest request, StreamObserver<NodeUnstageVolumeResponse> response) {
    answer(
        response,
        () -> {
          String id = required(request.getVolumeId(), "volume id");
          Path staging = Path.of(required(request.getStagingTargetPath(), "staging target path"));
          return calls.exclusive(
              id,
              () -> {
                if (Mounts.isMountPoint(staging)) {
                  Mounts.unmount(staging);
                }
                // Each volume is a subsystem of its own: its controllers serve no other volume.
                NvmeConnections.disconnect(nqnOf.apply(id).orElse(VolumeRecord.defaultNqn(id)));
                return NodeUnstageVolumeResponse.getDefaultInstance();
              });
        });
  }

  // ---- publish ----

  @Override
  public void nodePublishVolume(
      NodePublishVolumeRequest request, StreamObserver<NodePublishVolumeResponse> response) {
    answer(
        response,
        () -> {
          String id = required(request.getVolumeId(), "volume id");
          Path target = Path.of(required(request.getTargetPath(), "target path"));
          Path staging = Path.of(required(request.getStagingTargetPath(), "staging target path"));
          VolumeCapability cap =
              VolumeCapabilities.require(
                  request.hasVolumeCapability(), request.getVolumeCapability());
          requireVolume(id);
          boolean readOnly = request.getReadonly() || VolumeCapabilities.readOnly(cap);
          String nqn =
              request
                  .getPublishContextMap()
                  .getOrDefault(CsiVolumes.CONTEXT_NQN, VolumeRecord.defaultNqn(id));
          return calls.exclusive(
              id,
              () -> {
                if (Mounts.isMountPoint(target)) {
                  return NodePublishVolumeResponse.getDefaultInstance();
                }
                if (cap.hasBlock()) {
                  Path device = NvmeConnections.device(nqn, Duration.ofSeconds(5));
                  Files.createDirectories(target.getParent());
                  if (!Files.exists(target)) {
                    Files.createFile(target);
                  }
                  Mounts.bind(device, target, readOnly);
                } else {
                  if (!Mounts.isMountPoint(staging)) {
                    throw error(
                        Status.FAILED_PRECONDITION,
                        "volume '" + id + "' is not staged at " + staging);
                  }
                  Files.createDirectories(target);
                  Mounts.bind(staging, target, readOnly);
                }
                return NodePublishVolumeResponse.getDefaultInstance();
              });
        });
  }

  /**
   * Makes sure the volume is no longer at {@code target_path}: unmounted if mounted there, and the
   * path removed. A path already gone is success, as the CSI spec asks of a repeated call.
   */
  @Override
  public void nodeUnpublishVolume(
      NodeUnpublishVolumeRequest request, StreamObserver<NodeUnpublishVolumeResponse> response) {
    answer(
        response,
        () -> {
          required(request.getVolumeId(), "volume id");
          Path target = Path.of(required(request.getTargetPath(), "target path"));
          if (Mounts.isMountPoint(target)) {
            Mounts.unmount(target);
          }
          Files.deleteIfExists(target);
          return NodeUnpublishVolumeResponse.getDefaultInstance();
        });
  }

  // ---- expand ----

  /**
   * After the controller grew the volume: waits until this node's kernel sees the larger device
   * (the target's event makes it identify the namespace again; a rescan nudges it), then grows the
   * file system on it while mounted (resize2fs for ext2/3/4, xfs_growfs for xfs). A raw block
   * volume needs only the wait.
   */
  @Override
  public void nodeExpandVolume(
      NodeExpandVolumeRequest request, StreamObserver<NodeExpandVolumeResponse> response) {
    answer(
        response,
        () -> {
          String id = required(request.getVolumeId(), "volume id");
          Path path = Path.of(required(request.getVolumePath(), "volume path"));
          String nqn =
              nqnOf
                  .apply(id)
                  .orElseThrow(
                      () -> error(Status.NOT_FOUND, "no volume '" + id + "' in the cluster"));
          if (!Files.exists(path)) {
            throw error(Status.NOT_FOUND, "volume '" + id + "' is not at " + path);
          }
          long want = request.getCapacityRange().getRequiredBytes();
          return calls.exclusive(
              id,
              () -> {
                if (NvmeConnections.subsystem(nqn).isEmpty()) {
                  throw error(
                      Status.FAILED_PRECONDITION, "volume '" + id + "' is not staged on this node");
                }
                Path device = NvmeConnections.device(nqn, DEVICE_PATIENCE);
                long size = awaitSize(nqn, device, want);
                boolean block =
                    request.hasVolumeCapability()
                        ? request.getVolumeCapability().hasBlock()
                        : !Files.isDirectory(path);
                if (!block) {
                  growFileSystem(device, path);
                }
                return NodeExpandVolumeResponse.newBuilder().setCapacityBytes(size).build();
              });
        });
  }

  /** The device's size once it is at least {@code want} bytes (0: as it is). */
  private static long awaitSize(String nqn, Path device, long want)
      throws IOException, InterruptedException {
    long start = System.nanoTime();
    long deadline = start + DEVICE_PATIENCE.toNanos();
    boolean nudged = false;
    while (true) {
      long size = NvmeConnections.sizeBytes(device);
      if (size >= want) {
        return size;
      }
      if (System.nanoTime() > deadline) {
        throw error(
            Status.UNAVAILABLE,
            device + " is still " + size + " bytes, not the " + want + " the volume grew to");
      }
      if (!nudged && System.nanoTime() - start > RESCAN_AFTER.toNanos()) {
        NvmeConnections.rescan(nqn);
        nudged = true;
      }
      Thread.sleep(200);
    }
  }

  private static void growFileSystem(Path device, Path mounted) throws IOException {
    String fs = fileSystemOn(device);
    switch (fs) {
      case "ext2", "ext3", "ext4" ->
          Commands.check(List.of("resize2fs", device.toString()), Duration.ofMinutes(10));
      case "xfs" ->
          Commands.check(List.of("xfs_growfs", mounted.toString()), Duration.ofMinutes(10));
      default ->
          throw error(
              Status.FAILED_PRECONDITION,
              device
                  + " holds "
                  + (fs.isEmpty() ? "no file system" : fs)
                  + ", which Weft cannot grow");
    }
  }

  // ---- stats ----

  @Override
  public void nodeGetVolumeStats(
      NodeGetVolumeStatsRequest request, StreamObserver<NodeGetVolumeStatsResponse> response) {
    answer(
        response,
        () -> {
          String id = required(request.getVolumeId(), "volume id");
          Path path = Path.of(required(request.getVolumePath(), "volume path"));
          requireVolume(id);
          if (!Files.exists(path)) {
            throw error(Status.NOT_FOUND, "nothing at " + path);
          }
          NodeGetVolumeStatsResponse.Builder b = NodeGetVolumeStatsResponse.newBuilder();
          if (Files.isDirectory(path)) {
            FileStore fs = Files.getFileStore(path);
            long total = fs.getTotalSpace();
            long free = fs.getUsableSpace();
            b.addUsage(
                usage(VolumeUsage.Unit.BYTES, total, free, total - fs.getUnallocatedSpace()));
            String[] inodes =
                Commands.check(
                        List.of("stat", "-f", "-c", "%c %d", path.toString()),
                        Duration.ofSeconds(10))
                    .split("\\s+");
            long all = Long.parseLong(inodes[0]);
            long left = Long.parseLong(inodes[1]);
            b.addUsage(usage(VolumeUsage.Unit.INODES, all, left, all - left));
          } else {
            long size =
                Long.parseLong(
                    Commands.check(
                            List.of("blockdev", "--getsize64", path.toString()),
                            Duration.ofSeconds(10))
                        .trim());
            b.addUsage(usage(VolumeUsage.Unit.BYTES, size, 0, 0));
          }
          return b.build();
        });
  }

  private static VolumeUsage usage(VolumeUsage.Unit unit, long total, long available, long used) {
    return VolumeUsage.newBuilder()
        .setUnit(unit)
        .setTotal(total)
        .setAvailable(available)
        .setUsed(used)
        .build();
  }
}
