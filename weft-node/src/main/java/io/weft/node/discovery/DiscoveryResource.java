package io.weft.node.discovery;

import static io.weft.node.StoreUnavailable.guard;

import io.weft.node.NodeException;
import io.weft.tgt.admin.AdminResource;
import io.weft.tgt.admin.AdminResponse;
import io.weft.tgt.admin.HttpError;
import io.weft.tgt.admin.Router;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Foreign targets of the discovery service on every node's management API: {@code GET/POST
 * /v1/discovery/targets}, {@code DELETE /v1/discovery/targets/{id}}. Health is this node's
 * discovery service's view, "unknown" where the node runs none.
 */
public final class DiscoveryResource implements AdminResource {
  private final ForeignTargets targets;
  private final Supplier<Map<String, String>> health;

  public DiscoveryResource(ForeignTargets targets, Supplier<Map<String, String>> health) {
    this.targets = targets;
    this.health = health;
  }

  /** A registration as the API shows it. */
  public record TargetView(
      String id,
      String traddr,
      int trsvcid,
      String nqn,
      List<String> allowedHosts,
      String source,
      String health) {
    static TargetView of(ForeignTarget t, String health) {
      return new TargetView(
          t.id(), t.traddr(), t.trsvcid(), t.nqn(), t.allowedHosts(), t.source(), health);
    }
  }

  /** What {@code POST /v1/discovery/targets} takes. */
  public record Registration(
      String traddr, Integer trsvcid, String nqn, List<String> allowedHosts) {}

  @Override
  public void register(Router router) {
    router.get(
        "/v1/discovery/targets",
        guard(
            request -> {
              Map<String, String> h = health.get();
              return AdminResponse.ok(
                  targets.list().stream()
                      .map(t -> TargetView.of(t, h.getOrDefault(t.id(), "unknown")))
                      .toList());
            }));
    router.post(
        "/v1/discovery/targets",
        guard(
            request -> {
              Registration r = request.body(Registration.class);
              try {
                ForeignTarget t =
                    targets.register(
                        new ForeignTarget(
                            r.traddr(),
                            r.trsvcid() == null ? 4420 : r.trsvcid(),
                            r.nqn(),
                            r.allowedHosts(),
                            "operator"));
                return AdminResponse.created(TargetView.of(t, "unknown"));
              } catch (NodeException e) {
                throw new HttpError(400, e.getMessage());
              }
            }));
    router.delete(
        "/v1/discovery/targets/{id}",
        guard(
            request -> {
              try {
                targets.deregister(request.param("id"));
              } catch (NodeException e) {
                throw new HttpError(404, e.getMessage());
              }
              return AdminResponse.noContent();
            }));
  }
}
