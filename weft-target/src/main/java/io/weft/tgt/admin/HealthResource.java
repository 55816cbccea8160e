package io.weft.tgt.admin;

import java.util.Map;

/** {@code GET /v1/health}: answers while the target runs. */
final class HealthResource implements AdminResource {
  @Override
  public void register(Router router) {
    router.get("/v1/health", request -> AdminResponse.ok(Map.of("status", "ok")));
  }
}
