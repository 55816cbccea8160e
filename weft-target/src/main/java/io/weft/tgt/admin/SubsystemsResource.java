package io.weft.tgt.admin;

import io.weft.tgt.Target;

/** {@code GET /v1/subsystems}: every subsystem with its namespaces. */
final class SubsystemsResource implements AdminResource {
  private final Target target;

  SubsystemsResource(Target target) {
    this.target = target;
  }

  @Override
  public void register(Router router) {
    router.get("/v1/subsystems", request -> AdminResponse.ok(target.subsystems()));
  }
}
