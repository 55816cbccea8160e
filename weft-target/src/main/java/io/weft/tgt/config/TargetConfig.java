package io.weft.tgt.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

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
 * @param dhchap the hashes and DH groups DH-HMAC-CHAP may use, in order of preference
 * @param discoveryDhchapKeys DH-HMAC-CHAP secrets by host NQN for the discovery service: those
 *     hosts must authenticate before they read a discovery log (others still may discover)
 */
public record TargetConfig(
    Path dataDir,
    List<ListenerConfig> listeners,
    List<SubsystemConfig> subsystems,
    String adminListen,
    TuningConfig tuning,
    DhchapPolicy dhchap,
    Map<String, DhchapKeys> discoveryDhchapKeys) {

  public TargetConfig {
    listeners = List.copyOf(listeners);
    subsystems = List.copyOf(subsystems);
    if (tuning == null) {
      tuning = TuningConfig.defaults();
    }
    if (dhchap == null) {
      dhchap = DhchapPolicy.defaults();
    }
    discoveryDhchapKeys = discoveryDhchapKeys == null ? Map.of() : Map.copyOf(discoveryDhchapKeys);
  }

  /** A configuration whose discovery service asks no host to authenticate. */
  public TargetConfig(
      Path dataDir,
      List<ListenerConfig> listeners,
      List<SubsystemConfig> subsystems,
      String adminListen,
      TuningConfig tuning,
      DhchapPolicy dhchap) {
    this(dataDir, listeners, subsystems, adminListen, tuning, dhchap, Map.of());
  }

  /** A configuration with the default DH-HMAC-CHAP preferences. */
  public TargetConfig(
      Path dataDir,
      List<ListenerConfig> listeners,
      List<SubsystemConfig> subsystems,
      String adminListen,
      TuningConfig tuning) {
    this(dataDir, listeners, subsystems, adminListen, tuning, null, Map.of());
  }
}
