package io.weft.tgt.config;

import java.nio.file.Path;
import java.util.List;

/**
 * Everything a target needs to start: where it keeps data, where it listens, what it exports, and
 * how the management interface and the I/O loops are set up. Built from a YAML file or CLI flags by
 * weft-cli; immutable.
 *
 * @param dataDir directory for file-backed namespaces given by relative path
 * @param listeners NVMe/TCP listeners (each also serves the discovery subsystem)
 * @param subsystems exported NVM subsystems
 * @param adminListen HOST:PORT of the HTTP management interface, or null for none
 * @param tuning performance and limit settings
 * @param security who may connect beyond loopback and how the management API is locked (see {@link
 *     AccessPolicy})
 */
public record TargetConfig(
    Path dataDir,
    List<ListenerConfig> listeners,
    List<SubsystemConfig> subsystems,
    String adminListen,
    TuningConfig tuning,
    SecurityConfig security) {

  public TargetConfig {
    listeners = List.copyOf(listeners);
    subsystems = List.copyOf(subsystems);
    if (tuning == null) {
      tuning = TuningConfig.defaults();
    }
    if (security == null) {
      security = SecurityConfig.defaults();
    }
  }

  /** A configuration with the default security settings (enough on loopback). */
  public TargetConfig(
      Path dataDir,
      List<ListenerConfig> listeners,
      List<SubsystemConfig> subsystems,
      String adminListen,
      TuningConfig tuning) {
    this(dataDir, listeners, subsystems, adminListen, tuning, SecurityConfig.defaults());
  }

  /** The same configuration with other security settings. */
  public TargetConfig withSecurity(SecurityConfig s) {
    return new TargetConfig(dataDir, listeners, subsystems, adminListen, tuning, s);
  }
}
