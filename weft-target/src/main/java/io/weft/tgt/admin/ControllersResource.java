package io.weft.tgt.admin;

import io.weft.tgt.Target;

/** {@code GET /v1/controllers}: every live controller (one per connected host association). */
final class ControllersResource implements AdminResource {
  private final Target target;

  ControllersResource(Target target) {
    this.target = target;
  }

  @Override
  public void register(Router router) {
    router.get("/v1/controllers", request -> AdminResponse.ok(target.controllers()));
  }
}
