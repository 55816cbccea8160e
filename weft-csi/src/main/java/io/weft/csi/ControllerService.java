package io.weft.csi;

import static io.weft.csi.Calls.answer;
import static io.weft.csi.Calls.error;
import static io.weft.csi.Calls.required;

import com.google.protobuf.Int64Value;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.weft.csi.proto.ControllerExpandVolumeRequest;
import io.weft.csi.proto.ControllerExpandVolumeResponse;
import io.weft.csi.proto.ControllerGetCapabilitiesRequest;
import io.weft.csi.proto.ControllerGetCapabilitiesResponse;
import io.weft.csi.proto.ControllerGetVolumeRequest;
import io.weft.csi.proto.ControllerGetVolumeResponse;
import io.weft.csi.proto.ControllerGrpc;
import io.weft.csi.proto.ControllerPublishVolumeRequest;
import io.weft.csi.proto.ControllerPublishVolumeResponse;
import io.weft.csi.proto.ControllerServiceCapability;
import io.weft.csi.proto.ControllerServiceCapability.RPC.Type;
import io.weft.csi.proto.ControllerUnpublishVolumeRequest;
import io.weft.csi.proto.ControllerUnpublishVolumeResponse;
import io.weft.csi.proto.CreateSnapshotRequest;
import io.weft.csi.proto.CreateSnapshotResponse;
import io.weft.csi.proto.CreateVolumeRequest;
import io.weft.csi.proto.CreateVolumeResponse;
import io.weft.csi.proto.DeleteSnapshotRequest;
import io.weft.csi.proto.DeleteSnapshotResponse;
import io.weft.csi.proto.DeleteVolumeRequest;
import io.weft.csi.proto.DeleteVolumeResponse;
import io.weft.csi.proto.GetCapacityRequest;
import io.weft.csi.proto.GetCapacityResponse;
import io.weft.csi.proto.ListSnapshotsRequest;
import io.weft.csi.proto.ListSnapshotsResponse;
import io.weft.csi.proto.ListVolumesRequest;
import io.weft.csi.proto.ListVolumesResponse;
import io.weft.csi.proto.Topology;
import io.weft.csi.proto.ValidateVolumeCapabilitiesRequest;
import io.weft.csi.proto.ValidateVolumeCapabilitiesResponse;
import io.weft.csi.proto.Volume;
import io.weft.node.NodeInfo;
import io.weft.node.NodeStatus;
import io.weft.node.snapshot.SnapshotRecord;
import io.weft.node.volume.Promises;
import io.weft.node.volume.VolumeRecord;
import io.weft.node.volume.VolumeService;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The CSI Controller service on Weft's cluster: a CSI volume is a Weft volume, created, placed,
 * published (its allowed hosts) and deleted through {@link VolumeService} in the cluster store,
 * where every storage node's agent picks the change up. Nothing here talks to a node directly.
 */
final class ControllerService extends ControllerGrpc.ControllerImplBase {
  private final VolumeService volumes;
  private final CsiNodes csiNodes;
  private final Calls calls = new Calls();
  private final CsiSnapshots snapshots;

  ControllerService(VolumeService volumes, CsiNodes csiNodes) {
    this.volumes = volumes;
    this.csiNodes = csiNodes;
    this.snapshots = new CsiSnapshots(volumes);
  }

  // ---- snapshots ----

  @Override
  public void createSnapshot(
      CreateSnapshotRequest request, StreamObserver<CreateSnapshotResponse> response) {
    answer(
        response,
        () ->
            calls.exclusive(
                "snapshot:" + request.getName(),
                () ->
                    CreateSnapshotResponse.newBuilder()
                        .setSnapshot(snapshots.create(request))
                        .build()));
  }

  @Override
  public void deleteSnapshot(
      DeleteSnapshotRequest request, StreamObserver<DeleteSnapshotResponse> response) {
    answer(
        response,
        () -> {
          snapshots.delete(request.getSnapshotId());
          return DeleteSnapshotResponse.getDefaultInstance();
        });
  }

  @Override
  public void listSnapshots(
      ListSnapshotsRequest request, StreamObserver<ListSnapshotsResponse> response) {
    answer(response, () -> snapshots.list(request));
  }

  // ---- create and delete ----

  @Override
  public void createVolume(
      CreateVolumeRequest request, StreamObserver<CreateVolumeResponse> response) {
    answer(
        response,
        () -> {
          if (request.getName().isEmpty()) {
            throw error(Status.INVALID_ARGUMENT, "a volume needs a name");
          }
          if (request.getVolumeCapabilitiesCount() == 0) {
            throw error(Status.INVALID_ARGUMENT, "no volume capabilities given");
          }
          String why = VolumeCapabilities.unsupported(request.getVolumeCapabilitiesList());
          if (why != null) {
            throw error(Status.INVALID_ARGUMENT, why);
          }
          StorageClassParameters params = StorageClassParameters.parse(request.getParametersMap());
          String name = CsiVolumes.volumeName(request.getName());
          return calls.exclusive(
              name,
              () -> {
                Optional<VolumeService.Versioned> existing = volumes.get(name);
                long size = CsiVolumes.size(request.getCapacityRange());
                SnapshotRecord source = null;
                if (existing.isEmpty() && request.hasVolumeContentSource()) {
                  source = snapshots.sourceOf(request.getVolumeContentSource(), name);
                  if (!request.hasCapacityRange()) {
                    size = source.sizeBytes();
                  } else if (size < source.sizeBytes()) {
                    throw error(
                        Status.OUT_OF_RANGE,
                        "the source holds " + source.sizeBytes() + " bytes, more than asked for");
                  }
                }
                if (existing.isEmpty()) {
                  List<String> zones = ownerZones(request);
                  try {
                    volumes.create(
                        new VolumeService.CreateRequest(
                            name,
                            size,
                            params.replicas(),
                            null,
                            List.of(CsiVolumes.NO_HOST),
                            null,
                            params.blockSize(),
                            null,
                            zones,
                            params.zoneFallback(),
                            params.qos(),
                            params.tenant(),
                            params.pool(),
                            source == null ? null : source.name()));
                  } catch (io.weft.node.NodeException e) {
                    if (volumes.get(name).isEmpty()) {
                      throw e;
                    }
                    // created meanwhile by another controller: answer as for an existing one
                  }
                  existing = volumes.get(name);
                  if (existing.isEmpty()) {
                    throw error(Status.ABORTED, "volume '" + name + "' vanished while created");
                  }
                  if (source != null && request.getVolumeContentSource().hasVolume()) {
                    // the snapshot taken to clone a volume: the clone shares the blocks, not it
                    snapshots.delete(source.name());
                  }
                }
                VolumeRecord v = existing.get().volume();
                if (v.replicas() != params.replicas()
                    || (params.blockSize() != null && v.blockSize() != params.blockSize())
                    || !java.util.Objects.equals(v.qos(), params.qos())
                    || !java.util.Objects.equals(v.tenant(), params.tenant())) {
                  throw error(
                      Status.ALREADY_EXISTS,
                      "volume '"
                          + request.getName()
                          + "' exists with "
                          + v.replicas()
                          + " replicas, "
                          + v.blockSize()
                          + "-byte blocks, QoS "
                          + v.qos()
                          + " and tenant "
                          + v.tenant()
                          + ", not what is asked for");
                }
                if (!CsiVolumes.fits(v.sizeBytes(), request.getCapacityRange())) {
                  throw error(
                      Status.ALREADY_EXISTS,
                      "volume '"
                          + request.getName()
                          + "' exists with "
                          + v.sizeBytes()
                          + " bytes, outside the capacity asked for");
                }
                Volume.Builder answer =
                    toCsi(v)
                        .putAllVolumeContext(params.connect())
                        .addAllAccessibleTopology(topologyOf(v, request));
                if (request.hasVolumeContentSource()) {
                  answer.setContentSource(request.getVolumeContentSource());
                }
                return CreateVolumeResponse.newBuilder().setVolume(answer).build();
              });
        });
  }

  /**
   * The zones the owner may serve from, most wanted first: the preferred segments (the consumer's
   * node under WaitForFirstConsumer), then the requisite ones (the StorageClass's allowed
   * topologies).
   */
  private static List<String> ownerZones(CreateVolumeRequest request) {
    List<String> zones = new ArrayList<>();
    for (Topology t : request.getAccessibilityRequirements().getPreferredList()) {
      addZone(zones, t);
    }
    for (Topology t : request.getAccessibilityRequirements().getRequisiteList()) {
      addZone(zones, t);
    }
    return zones;
  }

  private static void addZone(List<String> zones, Topology t) {
    String zone = t.getSegmentsMap().get(CsiVolumes.ZONE_KEY);
    if (zone != null && !zones.contains(zone)) {
      zones.add(zone);
    }
  }

  /**
   * Where the new volume may be used from: its owner's zone when that is one the request asked for;
   * after a fallback to another zone, the asked-for zones too (the consumer is already scheduled
   * there, and NVMe/TCP reaches across zones); nothing when nothing was asked.
   */
  private List<Topology> topologyOf(VolumeRecord v, CreateVolumeRequest request) {
    List<String> asked = ownerZones(request);
    if (asked.isEmpty()) {
      return List.of();
    }
    String ownerZone = zoneOf(v.owner());
    List<String> zones = asked.contains(ownerZone) ? List.of(ownerZone) : new ArrayList<>(asked);
    if (!zones.contains(ownerZone) && !ownerZone.isEmpty()) {
      zones.add(ownerZone);
    }
    return zones.stream().map(CsiVolumes::zoneTopology).toList();
  }

  private String zoneOf(String nodeId) {
    for (NodeStatus n : volumes.nodes()) {
      if (n.info().id().equals(nodeId)) {
        return n.info().zone();
      }
    }
    return "";
  }

  @Override
  public void deleteVolume(
      DeleteVolumeRequest request, StreamObserver<DeleteVolumeResponse> response) {
    answer(
        response,
        () -> {
          String id = required(request.getVolumeId(), "volume id");
          return calls.exclusive(
              id,
              () -> {
                // The record may change under the delete without a publish (a growth's owner
                // recording it served): decided again on the fresh record, a few times.
                for (int attempt = 0; ; attempt++) {
                  Optional<VolumeService.Versioned> v = volumes.get(id);
                  if (v.isEmpty()) {
                    return DeleteVolumeResponse.getDefaultInstance();
                  }
                  List<String> published = CsiVolumes.publishedTo(v.get().volume());
                  if (!published.isEmpty()) {
                    throw error(
                        Status.FAILED_PRECONDITION,
                        "volume '" + id + "' is still published to " + published);
                  }
                  try {
                    volumes.delete(v.get()); // as checked: a publish meanwhile stops it
                    return DeleteVolumeResponse.getDefaultInstance();
                  } catch (io.weft.node.NodeException changed) {
                    if (attempt >= 10) {
                      throw error(Status.ABORTED, changed.getMessage());
                    }
                    Thread.sleep(50);
                  }
                }
              });
        });
  }

  // ---- expand ----

  /**
   * Grows the volume to at least the required bytes, online ({@link VolumeService#resize}); a
   * volume already that large is left as it is. A file system on it is grown by the node plugin
   * afterwards (NodeExpandVolume), a raw block volume needs nothing more.
   */
  @Override
  public void controllerExpandVolume(
      ControllerExpandVolumeRequest request,
      StreamObserver<ControllerExpandVolumeResponse> response) {
    answer(
        response,
        () -> {
          String id = required(request.getVolumeId(), "volume id");
          if (!request.hasCapacityRange()) {
            throw error(Status.INVALID_ARGUMENT, "capacity range is required");
          }
          long want = CsiVolumes.size(request.getCapacityRange());
          return calls.exclusive(
              id,
              () -> {
                VolumeRecord v =
                    volumes
                        .get(id)
                        .orElseThrow(() -> error(Status.NOT_FOUND, "no volume '" + id + "'"))
                        .volume();
                long limit = request.getCapacityRange().getLimitBytes();
                if (limit > 0 && v.sizeBytes() > limit) {
                  throw error(
                      Status.OUT_OF_RANGE,
                      "volume '"
                          + id
                          + "' has "
                          + v.sizeBytes()
                          + " bytes, over the limit "
                          + limit);
                }
                long size = Math.max(v.sizeBytes(), roundUp(want, v.blockSize()));
                VolumeRecord grown = size == v.sizeBytes() ? v : volumes.resize(id, size);
                boolean block =
                    request.hasVolumeCapability() && request.getVolumeCapability().hasBlock();
                return ControllerExpandVolumeResponse.newBuilder()
                    .setCapacityBytes(grown.sizeBytes())
                    .setNodeExpansionRequired(!block)
                    .build();
              });
        });
  }

  private static long roundUp(long value, long unit) {
    return (value + unit - 1) / unit * unit;
  }

  // ---- publish ----

  @Override
  public void controllerPublishVolume(
      ControllerPublishVolumeRequest request,
      StreamObserver<ControllerPublishVolumeResponse> response) {
    answer(
        response,
        () -> {
          String id = request.getVolumeId();
          String nodeId = request.getNodeId();
          if (id.isEmpty() || nodeId.isEmpty()) {
            throw error(Status.INVALID_ARGUMENT, "a publish names a volume id and a node id");
          }
          VolumeCapabilities.require(request.hasVolumeCapability(), request.getVolumeCapability());
          boolean readOnly =
              request.getReadonly() || VolumeCapabilities.readOnly(request.getVolumeCapability());
          return calls.exclusive(
              id,
              () -> {
                if (volumes.get(id).isEmpty()) {
                  throw error(Status.NOT_FOUND, "no volume '" + id + "'");
                }
                if (csiNodes.get(nodeId).isEmpty()) {
                  throw error(Status.NOT_FOUND, "no CSI node '" + nodeId + "' is registered");
                }
                // decided on the record as it is at the write, so a publish to another node by
                // another controller at the same moment is neither lost nor ignored
                VolumeRecord v =
                    volumes.changeHosts(
                        id,
                        current -> {
                          List<String> hosts = CsiVolumes.publishedTo(current);
                          List<String> readers = new ArrayList<>(current.readOnlyHosts());
                          if (hosts.contains(nodeId)) {
                            if (readers.contains(nodeId) != readOnly) {
                              throw error(
                                  Status.ALREADY_EXISTS,
                                  "volume '"
                                      + id
                                      + "' is published to "
                                      + nodeId
                                      + (readOnly ? " for writing" : " read-only"));
                            }
                            return new VolumeService.Hosts(current.allowedHosts(), readers);
                          }
                          if (VolumeCapabilities.singleNode(request.getVolumeCapability())
                              && !hosts.isEmpty()) {
                            throw error(
                                Status.FAILED_PRECONDITION,
                                "volume '" + id + "' is single-node and published to " + hosts);
                          }
                          List<String> next = new ArrayList<>(hosts);
                          next.add(nodeId);
                          if (readOnly) {
                            readers.add(nodeId);
                          }
                          return new VolumeService.Hosts(next, readers);
                        });
                ControllerPublishVolumeResponse.Builder b =
                    ControllerPublishVolumeResponse.newBuilder()
                        .putAllPublishContext(publishContext(v));
                if (readOnly) {
                  b.putPublishContext(CsiVolumes.CONTEXT_READ_ONLY, "true");
                }
                return b.build();
              });
        });
  }

  /**
   * What the node plugin needs to connect: the subsystem NQN and every replica's NVMe/TCP address,
   * the owner's first (the others answer ANA inaccessible until a failover makes one the owner).
   */
  private Map<String, String> publishContext(VolumeRecord v) {
    Map<String, NodeInfo> byId = new HashMap<>();
    volumes.nodes().forEach(n -> byId.put(n.info().id(), n.info()));
    List<String> targets = new ArrayList<>();
    List<String> order = new ArrayList<>(v.nodes());
    order.sort(Comparator.comparing(n -> !n.equals(v.owner())));
    for (String n : order) {
      NodeInfo info = byId.get(n);
      if (info != null) {
        targets.add(info.nvmeAddress());
      }
    }
    return Map.of(
        CsiVolumes.CONTEXT_NQN, v.nqn(), CsiVolumes.CONTEXT_TARGETS, String.join(",", targets));
  }

  @Override
  public void controllerUnpublishVolume(
      ControllerUnpublishVolumeRequest request,
      StreamObserver<ControllerUnpublishVolumeResponse> response) {
    answer(
        response,
        () -> {
          String id = required(request.getVolumeId(), "volume id");
          return calls.exclusive(
              id,
              () -> {
                if (volumes.get(id).isPresent()) {
                  volumes.changeHosts(
                      id,
                      current -> {
                        List<String> hosts = new ArrayList<>(CsiVolumes.publishedTo(current));
                        if (request.getNodeId().isEmpty()) {
                          hosts.clear(); // no node named: unpublish from every node
                        } else {
                          hosts.remove(request.getNodeId());
                        }
                        List<String> readers = current.readOnlyAmong(hosts);
                        return new VolumeService.Hosts(
                            hosts.isEmpty() ? List.of(CsiVolumes.NO_HOST) : hosts, readers);
                      });
                }
                return ControllerUnpublishVolumeResponse.getDefaultInstance();
              });
        });
  }

  // ---- questions ----

  @Override
  public void validateVolumeCapabilities(
      ValidateVolumeCapabilitiesRequest request,
      StreamObserver<ValidateVolumeCapabilitiesResponse> response) {
    answer(
        response,
        () -> {
          required(request.getVolumeId(), "volume id");
          if (request.getVolumeCapabilitiesCount() == 0) {
            throw error(Status.INVALID_ARGUMENT, "no volume capabilities given");
          }
          if (volumes.get(request.getVolumeId()).isEmpty()) {
            throw error(Status.NOT_FOUND, "no volume '" + request.getVolumeId() + "'");
          }
          String why = VolumeCapabilities.unsupported(request.getVolumeCapabilitiesList());
          ValidateVolumeCapabilitiesResponse.Builder b =
              ValidateVolumeCapabilitiesResponse.newBuilder();
          if (why == null) {
            b.setConfirmed(
                ValidateVolumeCapabilitiesResponse.Confirmed.newBuilder()
                    .putAllVolumeContext(request.getVolumeContextMap())
                    .addAllVolumeCapabilities(request.getVolumeCapabilitiesList())
                    .putAllParameters(request.getParametersMap()));
          } else {
            b.setMessage(why);
          }
          return b.build();
        });
  }

  @Override
  public void listVolumes(
      ListVolumesRequest request, StreamObserver<ListVolumesResponse> response) {
    answer(
        response,
        () -> {
          if (request.getMaxEntries() < 0) {
            throw error(Status.INVALID_ARGUMENT, "max_entries is negative");
          }
          List<VolumeRecord> all = new ArrayList<>();
          volumes.list().forEach(v -> all.add(v.volume()));
          all.sort(Comparator.comparing(VolumeRecord::name));
          int start = CsiVolumes.startOf(request.getStartingToken(), all.size());
          int end =
              request.getMaxEntries() == 0
                  ? all.size()
                  : (int) Math.min(all.size(), (long) start + request.getMaxEntries());
          ListVolumesResponse.Builder b = ListVolumesResponse.newBuilder();
          for (VolumeRecord v : all.subList(start, end)) {
            b.addEntries(
                ListVolumesResponse.Entry.newBuilder()
                    .setVolume(toCsi(v))
                    .setStatus(
                        ListVolumesResponse.VolumeStatus.newBuilder()
                            .addAllPublishedNodeIds(CsiVolumes.publishedTo(v))));
          }
          if (end < all.size()) {
            b.setNextToken(Integer.toString(end));
          }
          return b.build();
        });
  }

  @Override
  public void controllerGetVolume(
      ControllerGetVolumeRequest request, StreamObserver<ControllerGetVolumeResponse> response) {
    answer(
        response,
        () -> {
          required(request.getVolumeId(), "volume id");
          VolumeRecord v =
              volumes
                  .get(request.getVolumeId())
                  .orElseThrow(
                      () -> error(Status.NOT_FOUND, "no volume '" + request.getVolumeId() + "'"))
                  .volume();
          return ControllerGetVolumeResponse.newBuilder()
              .setVolume(toCsi(v))
              .setStatus(
                  ControllerGetVolumeResponse.VolumeStatus.newBuilder()
                      .addAllPublishedNodeIds(CsiVolumes.publishedTo(v)))
              .build();
        });
  }

  /**
   * What a new volume with these parameters can get in this topology segment (or the whole
   * cluster): {@code maximum_volume_size} is the largest one placement would accept now (its owner
   * in the segment, each other replica on a distinct node with room); {@code available_capacity} is
   * the free space of the segment's nodes that are up, divided by the replicas a volume takes.
   * Space is counted as promised (each volume's full size), never as written.
   */
  @Override
  public void getCapacity(
      GetCapacityRequest request, StreamObserver<GetCapacityResponse> response) {
    answer(
        response,
        () -> {
          StorageClassParameters params = StorageClassParameters.parse(request.getParametersMap());
          String zone =
              request.hasAccessibleTopology()
                  ? request.getAccessibleTopology().getSegmentsMap().get(CsiVolumes.ZONE_KEY)
                  : null;
          Promises promises = volumes.promises();
          List<Long> inZone = new ArrayList<>();
          List<Long> everywhere = new ArrayList<>();
          for (NodeStatus n : volumes.nodes()) {
            if (n.state() != NodeStatus.State.UP
                || (params.pool() != null && !params.pool().equals(n.info().pool()))) {
              continue;
            }
            long free = Math.max(0, promises.free(n));
            everywhere.add(free);
            if (zone == null || zone.equals(n.info().zone())) {
              inZone.add(free);
            }
          }
          long available = inZone.stream().mapToLong(Long::longValue).sum() / params.replicas();
          long largest = CsiVolumes.largestPlaceable(inZone, everywhere, params.replicas());
          return GetCapacityResponse.newBuilder()
              .setAvailableCapacity(available)
              .setMaximumVolumeSize(Int64Value.of(largest))
              .build();
        });
  }

  @Override
  public void controllerGetCapabilities(
      ControllerGetCapabilitiesRequest request,
      StreamObserver<ControllerGetCapabilitiesResponse> response) {
    ControllerGetCapabilitiesResponse.Builder b = ControllerGetCapabilitiesResponse.newBuilder();
    for (Type t :
        List.of(
            Type.CREATE_DELETE_VOLUME,
            Type.PUBLISH_UNPUBLISH_VOLUME,
            Type.LIST_VOLUMES,
            Type.LIST_VOLUMES_PUBLISHED_NODES,
            Type.PUBLISH_READONLY,
            Type.GET_CAPACITY,
            Type.GET_VOLUME,
            Type.EXPAND_VOLUME,
            Type.CREATE_DELETE_SNAPSHOT,
            Type.LIST_SNAPSHOTS,
            Type.CLONE_VOLUME)) {
      b.addCapabilities(
          ControllerServiceCapability.newBuilder()
              .setRpc(ControllerServiceCapability.RPC.newBuilder().setType(t)));
    }
    response.onNext(b.build());
    response.onCompleted();
  }

  private static Volume.Builder toCsi(VolumeRecord v) {
    return Volume.newBuilder()
        .setVolumeId(v.name())
        .setCapacityBytes(v.sizeBytes())
        .putVolumeContext(CsiVolumes.CONTEXT_NQN, v.nqn())
        .putVolumeContext(CsiVolumes.CONTEXT_REPLICAS, Integer.toString(v.replicas()));
  }
}
