package io.weft.node.tenant;

import java.util.List;

/**
 * A tenant as the cluster store holds it ({@code tenants/<name>}): the hosts that are its own and
 * the most its volumes may hold together.
 *
 * @param quotaBytes the most the tenant's volumes may add up to (their full sizes: space is
 *     promised, thin or not); 0 for no limit
 * @param hosts the host NQNs of the tenant: they may use the tenant's volumes and no other volume,
 *     and a tenant's volume admits no other host
 */
public record TenantRecord(String name, long quotaBytes, List<String> hosts, long createdAtMillis) {
  public TenantRecord {
    hosts = hosts == null ? List.of() : List.copyOf(hosts);
  }

  public TenantRecord withHosts(List<String> others) {
    return new TenantRecord(name, quotaBytes, others, createdAtMillis);
  }

  public TenantRecord withQuota(long bytes) {
    return new TenantRecord(name, bytes, hosts, createdAtMillis);
  }
}
