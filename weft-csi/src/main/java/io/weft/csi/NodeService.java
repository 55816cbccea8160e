package io.weft.csi;

import static io.weft.csi.Calls.answer;
import static io.weft.csi.Calls.error;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.weft.csi.proto.NodeGetCapabilitiesRequest;
import io.weft.csi.proto.NodeGetCapabilitiesResponse;
import io.weft.csi.proto.NodeGetInfoRequest;
import io.weft.csi.proto.NodeGetInfoResponse;
import io.weft.csi.proto.NodeGrpc;
import io.weft.csi.proto.NodeUnpublishVolumeRequest;
import io.weft.csi.proto.NodeUnpublishVolumeResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The CSI Node service: who this consumer node is (its host NQN, the id volumes are published to)
 * and where it stands (its zone), and taking a volume away from a pod's path. Staging and
 * publishing (connecting through the kernel initiator, making the file system, mounting) are not
 * served yet: those calls answer UNIMPLEMENTED, and the capabilities say so by naming none.
 */
final class NodeService extends NodeGrpc.NodeImplBase {
  private final CsiNodes.CsiNode self;

  NodeService(CsiNodes.CsiNode self) {
    this.self = self;
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
          if (request.getVolumeId().isEmpty()) {
            throw error(Status.INVALID_ARGUMENT, "no volume id");
          }
          if (request.getTargetPath().isEmpty()) {
            throw error(Status.INVALID_ARGUMENT, "no target path");
          }
          Path target = Path.of(request.getTargetPath());
          try {
            if (Mounts.isMountPoint(target)) {
              Mounts.unmount(target);
            }
            Files.deleteIfExists(target);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
          return NodeUnpublishVolumeResponse.getDefaultInstance();
        });
  }

  @Override
  public void nodeGetCapabilities(
      NodeGetCapabilitiesRequest request, StreamObserver<NodeGetCapabilitiesResponse> response) {
    response.onNext(NodeGetCapabilitiesResponse.getDefaultInstance());
    response.onCompleted();
  }
}
