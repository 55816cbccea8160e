package io.weft.csi;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.store.ClusterStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;

/**
 * The nodes where the driver's node plugin runs (the Kubernetes nodes that consume volumes), as
 * each registers itself in the cluster store ({@code csi/nodes/<node id>}). A node's id is its host
 * NQN: publishing a volume to it adds that NQN to the volume's allowed hosts.
 */
final class CsiNodes {
  static final String PREFIX = "csi/nodes/";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One consumer node: its host NQN and its zone ("" if it has none). */
  record CsiNode(String nodeId, String zone) {}

  private final ClusterStore store;

  CsiNodes(ClusterStore store) {
    this.store = store;
  }

  void register(CsiNode node) {
    try {
      store.put(PREFIX + node.nodeId(), JSON.writeValueAsBytes(node));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Optional<CsiNode> get(String nodeId) {
    return store
        .get(PREFIX + nodeId)
        .map(
            kv -> {
              try {
                return JSON.readValue(kv.value(), CsiNode.class);
              } catch (IOException e) {
                throw new UncheckedIOException("unreadable " + kv.key(), e);
              }
            });
  }
}
