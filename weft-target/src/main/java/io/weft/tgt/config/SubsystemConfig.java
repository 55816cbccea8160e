package io.weft.tgt.config;

import java.util.List;
import java.util.Map;

/**
 * One NVM subsystem.
 *
 * @param nqn NVMe Qualified Name
 * @param serial serial number reported by Identify Controller (at most 20 ASCII characters)
 * @param model model number (at most 40 ASCII characters)
 * @param firmware firmware revision (at most 8 ASCII characters)
 * @param allowedHosts host NQNs that may connect; empty means any host
 * @param namespaces namespaces exported at start
 * @param dhchapKeys DH-HMAC-CHAP secrets by host NQN: those hosts must authenticate (each is also
 *     on the allow-list)
 */
public record SubsystemConfig(
    String nqn,
    String serial,
    String model,
    String firmware,
    List<String> allowedHosts,
    List<NamespaceConfig> namespaces,
    Map<String, DhchapKeys> dhchapKeys) {

  public SubsystemConfig {
    allowedHosts = allowedHosts == null ? List.of() : List.copyOf(allowedHosts);
    namespaces = namespaces == null ? List.of() : List.copyOf(namespaces);
    dhchapKeys = dhchapKeys == null ? Map.of() : Map.copyOf(dhchapKeys);
    for (String host : dhchapKeys.keySet()) {
      if (!allowedHosts.contains(host)) {
        throw new IllegalArgumentException(
            "host " + host + " has a DH-HMAC-CHAP secret but is not on the allow-list");
      }
    }
  }

  /** A subsystem whose hosts need no authentication. */
  public SubsystemConfig(
      String nqn,
      String serial,
      String model,
      String firmware,
      List<String> allowedHosts,
      List<NamespaceConfig> namespaces) {
    this(nqn, serial, model, firmware, allowedHosts, namespaces, Map.of());
  }

  /** The same subsystem with other secrets. */
  public SubsystemConfig withDhchapKeys(Map<String, DhchapKeys> keys) {
    return new SubsystemConfig(nqn, serial, model, firmware, allowedHosts, namespaces, keys);
  }

  /** This subsystem with other namespaces. */
  public SubsystemConfig withNamespaces(List<NamespaceConfig> others) {
    return new SubsystemConfig(nqn, serial, model, firmware, allowedHosts, others, dhchapKeys);
  }
}
