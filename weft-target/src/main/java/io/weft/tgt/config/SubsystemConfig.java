package io.weft.tgt.config;

import java.util.List;

/**
 * One NVM subsystem.
 *
 * @param nqn NVMe Qualified Name
 * @param serial serial number reported by Identify Controller (at most 20 ASCII characters)
 * @param model model number (at most 40 ASCII characters)
 * @param firmware firmware revision (at most 8 ASCII characters)
 * @param allowedHosts host NQNs that may connect; empty means any host
 * @param namespaces namespaces exported at start
 */
public record SubsystemConfig(
    String nqn,
    String serial,
    String model,
    String firmware,
    List<String> allowedHosts,
    List<NamespaceConfig> namespaces) {

  public SubsystemConfig {
    allowedHosts = allowedHosts == null ? List.of() : List.copyOf(allowedHosts);
    namespaces = namespaces == null ? List.of() : List.copyOf(namespaces);
  }

  /** This subsystem with other namespaces. */
  public SubsystemConfig withNamespaces(List<NamespaceConfig> others) {
    return new SubsystemConfig(nqn, serial, model, firmware, allowedHosts, others);
  }
}
