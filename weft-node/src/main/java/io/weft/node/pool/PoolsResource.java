package io.weft.node.pool;

import static io.weft.node.StoreUnavailable.guard;

import io.weft.node.Refusals;
import io.weft.node.volume.VolumeService;
import io.weft.tgt.admin.AdminResource;
import io.weft.tgt.admin.AdminResponse;
import io.weft.tgt.admin.HttpError;
import io.weft.tgt.admin.Router;

/**
 * The cluster's pools on every node's management API: {@code GET /v1/pools} (every pool a node
 * names or someone configured, with capacity and promises), {@code GET /v1/pools/{name}}, and
 * {@code PUT /v1/pools/{name}} with {@code {"overcommitRatio": 2.5}}.
 */
public final class PoolsResource implements AdminResource {
  private final VolumeService volumes;

  public PoolsResource(VolumeService volumes) {
    this.volumes = volumes;
  }

  /** What {@code PUT /v1/pools/{name}} takes. */
  public record PoolSettings(Double overcommitRatio) {}

  @Override
  public void register(Router router) {
    router.get("/v1/pools", guard(request -> AdminResponse.ok(volumes.pools())));
    router.get(
        "/v1/pools/{name}",
        guard(
            request ->
                AdminResponse.ok(
                    volumes.pools().stream()
                        .filter(p -> p.name().equals(request.param("name")))
                        .findFirst()
                        .orElseThrow(
                            () ->
                                new HttpError(
                                    404,
                                    "no pool '"
                                        + request.param("name")
                                        + "': no node names it and nobody configured it")))));
    router.put(
        "/v1/pools/{name}",
        guard(
            request -> {
              PoolSettings s = request.body(PoolSettings.class);
              if (s.overcommitRatio() == null) {
                throw new HttpError(400, "body needs \"overcommitRatio\" (1 for none)");
              }
              Refusals.refusing(
                  "no pool", () -> volumes.setPool(request.param("name"), s.overcommitRatio()));
              return AdminResponse.ok(
                  volumes.pools().stream()
                      .filter(p -> p.name().equals(request.param("name")))
                      .findFirst()
                      .orElseThrow());
            }));
  }
}
