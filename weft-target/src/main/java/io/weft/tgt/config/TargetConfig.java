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
 * @param security who may connect beyond loopback and how the management API is locked (see {@link
 *     AccessPolicy})
 * @param atRestKey where the key that wraps the data keys of encrypted namespaces comes from:
 *     {@code @FILE}, {@code env:VARIABLE}, or null for the node key in the data directory (see
 *     {@code io.weft.block.atrest.WrappingKey})
 */
public record TargetConfig(
    Path dataDir,
    List<ListenerConfig> listeners,
    List<SubsystemConfig> subsystems,
    String adminListen,
    TuningConfig tuning,
    DhchapPolicy dhchap,
    Map<String, DhchapKeys> discoveryDhchapKeys,
    SecurityConfig security,
    String atRestKey) {

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
    if (security == null) {
      security = SecurityConfig.defaults();
    }
  }

  /** A configuration whose encrypted namespaces (if any) use the node key. */
  public TargetConfig(
      Path dataDir,
      List<ListenerConfig> listeners,
      List<SubsystemConfig> subsystems,
      String adminListen,
      TuningConfig tuning,
      DhchapPolicy dhchap,
      Map<String, DhchapKeys> discoveryDhchapKeys,
      SecurityConfig security) {
    this(
        dataDir,
        listeners,
        subsystems,
        adminListen,
        tuning,
        dhchap,
        discoveryDhchapKeys,
        security,
        null);
  }

  /** A configuration with the default security settings (enough on loopback). */
  public TargetConfig(
      Path dataDir,
      List<ListenerConfig> listeners,
      List<SubsystemConfig> subsystems,
      String adminListen,
      TuningConfig tuning,
      DhchapPolicy dhchap,
      Map<String, DhchapKeys> discoveryDhchapKeys) {
    this(dataDir, listeners, subsystems, adminListen, tuning, dhchap, discoveryDhchapKeys, null);
  }

  /** A configuration whose discovery service asks no host to authenticate. */
  public TargetConfig(
      Path dataDir,
      List<ListenerConfig> listeners,
      List<SubsystemConfig> subsystems,
      String adminListen,
      TuningConfig tuning,
      DhchapPolicy dhchap) {
    this(dataDir, listeners, subsystems, adminListen, tuning, dhchap, Map.of(), null);
  }

  /** A configuration with default DH-HMAC-CHAP preferences and these security settings. */
  public TargetConfig(
      Path dataDir,
      List<ListenerConfig> listeners,
      List<SubsystemConfig> subsystems,
      String adminListen,
      TuningConfig tuning,
      SecurityConfig security) {
    this(dataDir, listeners, subsystems, adminListen, tuning, null, Map.of(), security);
  }

  /** A configuration with the defaults for everything but what is given. */
  public TargetConfig(
      Path dataDir,
      List<ListenerConfig> listeners,
      List<SubsystemConfig> subsystems,
      String adminListen,
      TuningConfig tuning) {
    this(dataDir, listeners, subsystems, adminListen, tuning, null, Map.of(), null);
  }

  /** The same configuration with other security settings. */
  public TargetConfig withSecurity(SecurityConfig s) {
    return new TargetConfig(
        dataDir,
        listeners,
        subsystems,
        adminListen,
        tuning,
        dhchap,
        discoveryDhchapKeys,
        s,
        atRestKey);
  }

  /** The same configuration with another at-rest key source (null: the node key). */
  public TargetConfig withAtRestKey(String source) {
    return new TargetConfig(
        dataDir,
        listeners,
        subsystems,
        adminListen,
        tuning,
        dhchap,
        discoveryDhchapKeys,
        security,
        source);
  }
}
