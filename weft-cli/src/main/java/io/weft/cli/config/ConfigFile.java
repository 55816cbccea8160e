package io.weft.cli.config;

import java.util.List;

/**
 * The YAML target configuration exactly as written: component names are the YAML keys, absent keys
 * are null. Sizes and addresses stay text here; {@link ConfigLoader} parses and checks them. See
 * {@code docs/weft-target.example.yaml}.
 */
public record ConfigFile(
    String dataDir,
    String admin,
    List<Listener> listeners,
    List<Subsystem> subsystems,
    Tuning tuning,
    String atRestKey) {

  /** {@code listen: HOST:PORT}, optionally {@code advertise: HOST[:PORT]}. */
  public record Listener(String listen, String advertise) {}

  public record Subsystem(
      String nqn,
      String serial,
      String model,
      String firmware,
      List<String> allowedHosts,
      List<Namespace> namespaces) {}

  /** Either {@code file} with {@code size}, or {@code memory} (the size). */
  public record Namespace(
      Integer nsid,
      String file,
      String size,
      String memory,
      Integer blockSize,
      Boolean direct,
      String uuid,
      Boolean encrypt) {}

  public record Tuning(
      Integer ioThreads,
      Long spinMicros,
      Integer mdts,
      String inCapsuleDataSize,
      Integer maxQueueEntries,
      Integer maxIoQueues,
      String maxH2cData,
      Integer ioWorkerThreads) {}
}
