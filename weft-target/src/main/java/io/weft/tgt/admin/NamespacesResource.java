package io.weft.tgt.admin;

import io.weft.tgt.Target;
import io.weft.tgt.config.NamespaceConfig;

/**
 * Namespaces of one subsystem: {@code POST /v1/subsystems/{nqn}/namespaces} adds one (body: a
 * {@link NamespaceConfig}; fields left out are 0, false or null, and the target reads a 0 {@code
 * blockSize} as 512) and answers 201 with its {@link io.weft.tgt.NamespaceInfo}; {@code DELETE
 * /v1/subsystems/{nqn}/namespaces/{nsid}} removes one and answers 204.
 */
final class NamespacesResource implements AdminResource {
  private final Target target;

  NamespacesResource(Target target) {
    this.target = target;
  }

  @Override
  public void register(Router router) {
    router.post("/v1/subsystems/{nqn}/namespaces", this::add);
    router.delete("/v1/subsystems/{nqn}/namespaces/{nsid}", this::remove);
  }

  private AdminResponse add(AdminRequest request) throws Exception {
    NamespaceConfig ns = request.body(NamespaceConfig.class);
    return AdminResponse.created(target.addNamespace(request.param("nqn"), ns));
  }

  private AdminResponse remove(AdminRequest request) throws Exception {
    target.removeNamespace(request.param("nqn"), request.intParam("nsid"));
    return AdminResponse.noContent();
  }
}
