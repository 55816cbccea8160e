package io.weft.node.tenant;

import java.util.List;

/**
 * A tenant as the management API shows it: its quota, what its volumes hold, which volumes, and its
 * hosts.
 */
public record TenantView(
    String name, long quotaBytes, long usedBytes, List<String> volumes, List<String> hosts) {

  public static TenantView of(TenantRecord t, List<TenantService.VolumeHosts> all) {
    return new TenantView(
        t.name(),
        t.quotaBytes(),
        TenantService.used(t.name(), all),
        all.stream()
            .filter(v -> t.name().equals(v.tenant()))
            .map(TenantService.VolumeHosts::volume)
            .toList(),
        t.hosts());
  }
}
