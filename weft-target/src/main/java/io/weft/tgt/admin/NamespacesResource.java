package io.weft.tgt.admin;

import io.weft.tgt.Target;
import io.weft.tgt.config.NamespaceConfig;
import io.weft.tgt.qos.QosPolicy;

/**
 * Namespaces of one subsystem: {@code POST /v1/subsystems/{nqn}/namespaces} adds one (body: a
 * {@link NamespaceConfig}; fields left out are 0, false or null, and the target reads a 0 {@code
 * blockSize} as 512) and answers 201 with its {@link io.weft.tgt.NamespaceInfo}; {@code DELETE
 * /v1/subsystems/{nqn}/namespaces/{nsid}} removes one and answers 204; {@code PUT
 * .../namespaces/{nsid}/qos} (body: a {@link QosPolicy}) sets its QoS and {@code DELETE} there
 * lifts it, {@code PUT .../namespaces/{nsid}/size} (body {@code {"sizeBytes": N}}) grows it online;
 * each answers the namespace's info.
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
    router.put("/v1/subsystems/{nqn}/namespaces/{nsid}/qos", this::setQos);
    router.put("/v1/subsystems/{nqn}/namespaces/{nsid}/size", this::resize);
    router.delete("/v1/subsystems/{nqn}/namespaces/{nsid}/qos", this::liftQos);
  }

  /** What {@code PUT .../size} takes: the namespace's new size, larger than or equal to now. */
  record Resize(long sizeBytes) {}

  private AdminResponse resize(AdminRequest request) throws Exception {
    Resize r = request.body(Resize.class);
    return AdminResponse.ok(
        target.resizeNamespace(request.param("nqn"), request.intParam("nsid"), r.sizeBytes()));
  }

  private AdminResponse setQos(AdminRequest request) throws Exception {
    QosPolicy policy = request.body(QosPolicy.class);
    return AdminResponse.ok(target.setQos(request.param("nqn"), request.intParam("nsid"), policy));
  }

  private AdminResponse liftQos(AdminRequest request) throws Exception {
    return AdminResponse.ok(target.setQos(request.param("nqn"), request.intParam("nsid"), null));
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
