package io.weft.node;

import io.weft.tgt.admin.AdminResource;
import io.weft.tgt.admin.AdminResponse;
import io.weft.tgt.admin.Router;
import java.util.List;

/**
 * {@code GET /v1/nodes}: every node of the cluster as the store knows it, served by any node (the
 * view is the store's, not this node's).
 */
final class NodesResource implements AdminResource {
  private final NodeRegistry registry;

  NodesResource(NodeRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void register(Router router) {
    router.get(
        "/v1/nodes",
        StoreUnavailable.guard(
            request -> {
              List<NodeView> nodes = registry.nodes().stream().map(NodeView::of).toList();
              return AdminResponse.ok(nodes);
            }));
  }
}
