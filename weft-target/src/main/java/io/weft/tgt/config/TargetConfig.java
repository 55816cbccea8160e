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
    String atRestKey) {

  /** A configuration whose encrypted namespaces (if any) use the node key. */
  public TargetConfig(
      Path dataDir,
      List<ListenerConfig> listeners,
      List<SubsystemConfig> subsystems,
      String adminListen,
      TuningConfig tuning) {
    this(dataDir, listeners, subsystems, adminListen, tuning, null);
  }

  public TargetConfig {
    listeners = List.copyOf(listeners);
    subsystems = List.copyOf(subsystems);
    if (tuning == null) {
      tuning = TuningConfig.defaults();
    }
  }
}
