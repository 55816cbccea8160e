package io.weft.csi;

import io.grpc.BindableService;
import io.weft.node.NodeRegistry;
import io.weft.node.volume.VolumeService;
import io.weft.protocol.fabrics.Nqn;
import io.weft.store.ClusterStore;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Weft's CSI driver: the Identity service, and the Controller service, the Node service or both, on
 * one unix socket. It is a client of the cluster store like every part of the control plane: a
 * controller reads and writes volumes there, a node plugin registers itself there, and the storage
 * nodes' agents carry the changes out.
 */
public final class CsiDriver implements AutoCloseable {

  /**
   * @param endpoint the socket the sidecars connect to
   * @param controller serve the Controller service
   * @param nodeId serve the Node service as this consumer node (its host NQN), or null
   * @param zone the consumer node's zone ("" for none)
   */
  public record Config(CsiEndpoint endpoint, boolean controller, String nodeId, String zone) {
    public Config {
      if (!controller && nodeId == null) {
        throw new IllegalArgumentException("serve the controller, a node, or both");
      }
      if (nodeId != null && !Nqn.wellFormed(nodeId)) {
        throw new IllegalArgumentException(
            "a CSI node's id is its host NQN (nqn.YYYY-MM.domain:...), not '" + nodeId + "'");
      }
      zone = zone == null ? "" : zone;
    }
  }

  private final CsiServer server;

  private CsiDriver(CsiServer server) {
    this.server = server;
  }

  public static CsiDriver start(ClusterStore store, Config config) throws IOException {
    List<BindableService> services = new ArrayList<>();
    services.add(new IdentityService(store, config.controller()));
    CsiNodes csiNodes = new CsiNodes(store);
    // a registry that never joins: it only reads which storage nodes are up
    VolumeService volumes =
        new VolumeService(store, new NodeRegistry(store, Duration.ofSeconds(10)));
    if (config.controller()) {
      services.add(new ControllerService(volumes, csiNodes));
    }
    if (config.nodeId() != null) {
      CsiNodes.CsiNode self = new CsiNodes.CsiNode(config.nodeId(), config.zone());
      csiNodes.register(self);
      services.add(new NodeService(self, id -> volumes.get(id).map(v -> v.volume().nqn())));
    }
    return new CsiDriver(CsiServer.start(config.endpoint(), services));
  }

  /**
   * Checks a StorageClass's parameters as CreateVolume will; a refused one throws with the reason
   * (for checking manifests before a claim finds the problem).
   */
  public static void checkStorageClassParameters(java.util.Map<String, String> parameters) {
    try {
      StorageClassParameters.parse(parameters);
    } catch (io.grpc.StatusRuntimeException e) {
      throw new IllegalArgumentException(e.getStatus().getDescription(), e);
    }
  }

  /** The driver's name, as CSIDriver objects and StorageClasses name it. */
  public static String name() {
    return IdentityService.DRIVER_NAME;
  }

  public CsiEndpoint endpoint() {
    return server.endpoint();
  }

  @Override
  public void close() {
    server.close();
  }
}
