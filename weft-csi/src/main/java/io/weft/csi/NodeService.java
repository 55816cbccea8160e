package io.weft.csi;

import io.grpc.stub.StreamObserver;
import io.weft.csi.proto.NodeGetCapabilitiesRequest;
import io.weft.csi.proto.NodeGetCapabilitiesResponse;
import io.weft.csi.proto.NodeGetInfoRequest;
import io.weft.csi.proto.NodeGetInfoResponse;
import io.weft.csi.proto.NodeGrpc;

/**
 * The CSI Node service: who this consumer node is (its host NQN, the id volumes are published to)
 * and where it stands (its zone). Staging and publishing (connecting through the kernel initiator,
 * making the file system, mounting) are not served yet: those calls answer UNIMPLEMENTED, and the
 * capabilities say so by naming none.
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

  @Override
  public void nodeGetCapabilities(
      NodeGetCapabilitiesRequest request, StreamObserver<NodeGetCapabilitiesResponse> response) {
    response.onNext(NodeGetCapabilitiesResponse.getDefaultInstance());
    response.onCompleted();
  }
}
