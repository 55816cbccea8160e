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
    Tls tls) {

  /**
   * {@code listen: HOST:PORT}, optionally {@code advertise: HOST[:PORT]} and {@code tls: psk|cert|
   * none}.
   */
  public record Listener(String listen, String advertise, String tls) {}

  /**
   * The target's TLS credentials: {@code keys} maps host NQNs to PSKs ({@code NVMeTLSkey-1:...} or
   * {@code @FILE}); {@code cert}, {@code privateKey} and {@code ca} are PEM files.
   */
  public record Tls(
      java.util.Map<String, String> keys, String cert, String privateKey, String ca) {}

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
      String uuid) {}

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
