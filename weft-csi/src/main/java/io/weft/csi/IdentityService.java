package io.weft.csi;

import com.google.protobuf.BoolValue;
import io.grpc.stub.StreamObserver;
import io.weft.csi.proto.GetPluginCapabilitiesRequest;
import io.weft.csi.proto.GetPluginCapabilitiesResponse;
import io.weft.csi.proto.GetPluginInfoRequest;
import io.weft.csi.proto.GetPluginInfoResponse;
import io.weft.csi.proto.IdentityGrpc;
import io.weft.csi.proto.PluginCapability;
import io.weft.csi.proto.ProbeRequest;
import io.weft.csi.proto.ProbeResponse;
import io.weft.store.ClusterStore;
import io.weft.store.StoreException;

/**
 * Who the driver is and whether it can work: ready while the cluster store answers, since every
 * controller and node call reads or writes it.
 */
final class IdentityService extends IdentityGrpc.IdentityImplBase {
  /** The driver's name: the {@code provisioner} of StorageClasses and the CSIDriver object. */
  static final String DRIVER_NAME = "csi.weft.io";

  private final ClusterStore store;
  private final boolean controller;

  IdentityService(ClusterStore store, boolean controller) {
    this.store = store;
    this.controller = controller;
  }

  @Override
  public void getPluginInfo(
      GetPluginInfoRequest request, StreamObserver<GetPluginInfoResponse> response) {
    String version = IdentityService.class.getPackage().getImplementationVersion();
    response.onNext(
        GetPluginInfoResponse.newBuilder()
            .setName(DRIVER_NAME)
            .setVendorVersion(version == null ? "0.1.0" : version)
            .build());
    response.onCompleted();
  }

  @Override
  public void getPluginCapabilities(
      GetPluginCapabilitiesRequest request,
      StreamObserver<GetPluginCapabilitiesResponse> response) {
    GetPluginCapabilitiesResponse.Builder b = GetPluginCapabilitiesResponse.newBuilder();
    if (controller) {
      b.addCapabilities(service(PluginCapability.Service.Type.CONTROLLER_SERVICE));
    }
    b.addCapabilities(service(PluginCapability.Service.Type.VOLUME_ACCESSIBILITY_CONSTRAINTS));
    // Volumes grow while published and in use: hosts hold their I/O for a moment, no more.
    b.addCapabilities(
        PluginCapability.newBuilder()
            .setVolumeExpansion(
                PluginCapability.VolumeExpansion.newBuilder()
                    .setType(PluginCapability.VolumeExpansion.Type.ONLINE)));
    response.onNext(b.build());
    response.onCompleted();
  }

  private static PluginCapability service(PluginCapability.Service.Type type) {
    return PluginCapability.newBuilder()
        .setService(PluginCapability.Service.newBuilder().setType(type))
        .build();
  }

  @Override
  public void probe(ProbeRequest request, StreamObserver<ProbeResponse> response) {
    boolean ready;
    try {
      store.revision();
      ready = true;
    } catch (StoreException e) {
      ready = false;
    }
    response.onNext(ProbeResponse.newBuilder().setReady(BoolValue.of(ready)).build());
    response.onCompleted();
  }
}
