package io.weft.cli.config;

import java.util.List;
import java.util.Map;

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
    Authentication authentication,
    Security security,
    Tls tls,
    String atRestKey) {

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
      List<Namespace> namespaces,
      Map<String, HostSecrets> dhchap) {}

  /**
   * A host's DH-HMAC-CHAP secrets: {@code secret} (required) and {@code ctrlSecret}, each a {@code
   * DHHC-1:} string, {@code @FILE} (relative to the config file) or {@code env:VARIABLE}.
   */
  public record HostSecrets(String secret, String ctrlSecret) {}

  /**
   * DH-HMAC-CHAP hash and group names, preferred first (as --dhchap-hash/--dhchap-dhgroup), and the
   * hosts that must authenticate to the discovery service (as --discovery-host).
   */
  public record Authentication(
      List<String> dhchapHashes, List<String> dhchapDhgroups, Map<String, HostSecrets> discovery) {}

  /** Either {@code file} with {@code size}, or {@code memory} (the size). */
  public record Namespace(
      Integer nsid,
      String file,
      String size,
      String memory,
      Integer blockSize,
      Boolean direct,
      String uuid,
      Boolean encrypt,
      Qos qos) {}

  /**
   * A namespace's QoS: its workload class, ceilings (counts, and sizes per second such as 100M) and
   * the floor it keeps while yielding.
   */
  public record Qos(
      String workloadClass,
      Long readIops,
      Long writeIops,
      String readBandwidth,
      String writeBandwidth,
      Long minIops,
      String minBandwidth) {}

  /** Who may connect beyond loopback, and how the admin API is locked. */
  public record Security(Boolean allowAnyHostBeyondLoopback, Admin admin) {}

  /**
   * The admin API's TLS files and credentials; {@code token} is {@code @FILE} or {@code env:VAR}.
   */
  public record Admin(String tlsCert, String tlsKey, String token, String clientCa) {}

  public record Tuning(
      Integer ioThreads,
      Long spinMicros,
      Integer mdts,
      String inCapsuleDataSize,
      Integer maxQueueEntries,
      Integer maxIoQueues,
      String maxH2cData,
      Integer ioWorkerThreads,
      String ioEngine,
      Boolean c2hSuccessAlways) {}
}
