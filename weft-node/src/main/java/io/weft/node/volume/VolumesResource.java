package io.weft.node.volume;

import static io.weft.node.StoreUnavailable.guard;

import io.weft.node.Refusals;
import io.weft.tgt.admin.AdminResource;
import io.weft.tgt.admin.AdminResponse;
import io.weft.tgt.admin.HttpError;
import io.weft.tgt.admin.Router;
import io.weft.tgt.qos.QosPolicy;
import java.util.List;

/**
 * The cluster's volumes on every node's management API: {@code GET/POST /v1/volumes}, {@code
 * GET/DELETE /v1/volumes/{name}}, {@code POST /v1/volumes/{name}/move-owner} with {@code {"to":
 * "n2"}}, {@code PUT/DELETE /v1/volumes/{name}/qos} (body: a QoS policy), {@code POST
 * /v1/volumes/{name}/resize} with {@code {"sizeBytes": N}} (grows it online). Refusals (placement
 * impossible, unknown volume, ...) are 409 or 404 with the reason.
 */
public final class VolumesResource implements AdminResource {
  private final VolumeService volumes;

  public VolumesResource(VolumeService volumes) {
    this.volumes = volumes;
  }

  /** The body of a move-owner request. */
  record MoveOwner(String to) {}

  /** The body of a resize request: the new size, at least the present one. */
  record Resize(Long sizeBytes) {}

  /**
   * What {@code PUT /v1/volumes/{name}/hosts} takes: the hosts allowed (empty: every host), and
   * which of them may only read (absent: the readers that stay allowed stay readers).
   */
  public record AllowedHosts(List<String> allowedHosts, List<String> readOnlyHosts) {}

  @Override
  public void register(Router router) {
    router.get("/v1/volumes", guard(request -> AdminResponse.ok(views(volumes.list()))));
    router.post(
        "/v1/volumes",
        guard(
            request -> {
              VolumeService.CreateRequest r = request.body(VolumeService.CreateRequest.class);
              return AdminResponse.created(VolumeView.of(refusing(() -> volumes.create(r))));
            }));
    router.get(
        "/v1/volumes/{name}",
        guard(
            request ->
                AdminResponse.ok(
                    VolumeView.of(
                        volumes
                            .get(request.param("name"))
                            .orElseThrow(
                                () ->
                                    new HttpError(404, "no volume '" + request.param("name") + "'"))
                            .volume(),
                        volumes.rebuilds(request.param("name"))))));
    router.delete(
        "/v1/volumes/{name}",
        guard(
            request -> {
              if (volumes.get(request.param("name")).isEmpty()) {
                throw new HttpError(404, "no volume '" + request.param("name") + "'");
              }
              refusing(
                  () -> {
                    volumes.delete(request.param("name"));
                    return null;
                  });
              return AdminResponse.noContent();
            }));
    router.put(
        "/v1/volumes/{name}/hosts",
        guard(
            request -> {
              AllowedHosts h = request.body(AllowedHosts.class);
              return AdminResponse.ok(
                  VolumeView.of(
                      refusing(
                          () ->
                              volumes.setHosts(
                                  request.param("name"), h.allowedHosts(), h.readOnlyHosts()))));
            }));
    router.post(
        "/v1/volumes/{name}/resize",
        guard(
            request -> {
              Resize r = request.body(Resize.class);
              if (r.sizeBytes() == null) {
                throw new HttpError(400, "body needs \"sizeBytes\": the volume's new size");
              }
              return AdminResponse.ok(
                  VolumeView.of(
                      refusing(() -> volumes.resize(request.param("name"), r.sizeBytes()))));
            }));
    router.put(
        "/v1/volumes/{name}/qos",
        guard(
            request -> {
              QosPolicy policy = request.body(QosPolicy.class);
              return AdminResponse.ok(
                  VolumeView.of(refusing(() -> volumes.setQos(request.param("name"), policy))));
            }));
    router.delete(
        "/v1/volumes/{name}/qos",
        guard(
            request ->
                AdminResponse.ok(
                    VolumeView.of(refusing(() -> volumes.setQos(request.param("name"), null))))));
    router.post(
        "/v1/volumes/{name}/move-owner",
        guard(
            request -> {
              MoveOwner m = request.body(MoveOwner.class);
              if (m.to() == null) {
                throw new HttpError(400, "body needs \"to\": the node that becomes owner");
              }
              return AdminResponse.ok(
                  VolumeView.of(refusing(() -> volumes.moveOwner(request.param("name"), m.to()))));
            }));
  }

  private List<VolumeView> views(List<VolumeService.Versioned> all) {
    return all.stream()
        .map(v -> VolumeView.of(v.volume(), volumes.rebuilds(v.volume().name())))
        .toList();
  }

  private static <T> T refusing(Refusals.Call<T> call) {
    return Refusals.refusing("no volume", call);
  }
}
