package io.weft.node.tenant;

import static io.weft.node.StoreUnavailable.guard;

import io.weft.node.Refusals;
import io.weft.node.volume.VolumeService;
import io.weft.tgt.admin.AdminResource;
import io.weft.tgt.admin.AdminResponse;
import io.weft.tgt.admin.HttpError;
import io.weft.tgt.admin.Router;
import java.util.List;

/**
 * The cluster's tenants on every node's management API: {@code GET/POST /v1/tenants}, {@code
 * GET/DELETE /v1/tenants/{name}}, {@code PUT /v1/tenants/{name}/hosts} and {@code PUT
 * /v1/tenants/{name}/quota}. Refusals (a host of another tenant, a quota below what is held, a
 * tenant with volumes left) are 409 with the reason; an unknown tenant is 404.
 */
public final class TenantsResource implements AdminResource {
  private final VolumeService volumes;

  public TenantsResource(VolumeService volumes) {
    this.volumes = volumes;
  }

  /** What {@code POST /v1/tenants} takes. */
  public record CreateTenant(String name, Long quotaBytes, List<String> hosts) {}

  /** What {@code PUT .../hosts} takes. */
  public record TenantHosts(List<String> hosts) {}

  /** What {@code PUT .../quota} takes: bytes, 0 for no limit. */
  public record TenantQuota(Long quotaBytes) {}

  @Override
  public void register(Router router) {
    router.get(
        "/v1/tenants",
        guard(
            request -> {
              List<TenantService.VolumeHosts> all = volumes.tenantView();
              return AdminResponse.ok(
                  volumes.tenants().list().stream().map(t -> TenantView.of(t, all)).toList());
            }));
    router.post(
        "/v1/tenants",
        guard(
            request -> {
              CreateTenant c = request.body(CreateTenant.class);
              TenantRecord t =
                  refusing(
                      () ->
                          volumes.createTenant(
                              c.name(), c.quotaBytes() == null ? 0 : c.quotaBytes(), c.hosts()));
              return AdminResponse.created(TenantView.of(t, volumes.tenantView()));
            }));
    router.get(
        "/v1/tenants/{name}",
        guard(
            request ->
                AdminResponse.ok(
                    TenantView.of(
                        refusing(() -> volumes.tenants().require(request.param("name"))),
                        volumes.tenantView()))));
    router.delete(
        "/v1/tenants/{name}",
        guard(
            request -> {
              refusing(
                  () -> {
                    volumes.deleteTenant(request.param("name"));
                    return null;
                  });
              return AdminResponse.noContent();
            }));
    router.put(
        "/v1/tenants/{name}/hosts",
        guard(
            request -> {
              TenantHosts h = request.body(TenantHosts.class);
              TenantRecord t =
                  refusing(() -> volumes.setTenantHosts(request.param("name"), h.hosts()));
              return AdminResponse.ok(TenantView.of(t, volumes.tenantView()));
            }));
    router.put(
        "/v1/tenants/{name}/quota",
        guard(
            request -> {
              TenantQuota q = request.body(TenantQuota.class);
              if (q.quotaBytes() == null) {
                throw new HttpError(400, "body needs \"quotaBytes\" (0 for no limit)");
              }
              TenantRecord t =
                  refusing(() -> volumes.setTenantQuota(request.param("name"), q.quotaBytes()));
              return AdminResponse.ok(TenantView.of(t, volumes.tenantView()));
            }));
  }

  private static <T> T refusing(Refusals.Call<T> call) {
    return Refusals.refusing("no tenant", call);
  }
}
