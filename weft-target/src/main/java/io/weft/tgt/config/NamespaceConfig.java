package io.weft.tgt.config;

import io.weft.tgt.qos.QosPolicy;

/**
 * One namespace and the block device behind it.
 *
 * @param nsid namespace ID (1..NN)
 * @param backend "file" or "memory"
 * @param path file path for the file backend (relative paths are under the data directory)
 * @param sizeBytes capacity in bytes (a multiple of the block size)
 * @param blockSize logical block size in bytes: 512 or 4096
 * @param direct open the file with O_DIRECT
 * @param uuid namespace UUID as text, or null to derive a stable one from the subsystem NQN, NSID
 *     and backing store
 * @param encrypt encrypt the file at rest (XTS-AES-256, the data key wrapped by the target's
 *     at-rest key, {@link TargetConfig#atRestKey()}); file backend only
 * @param qos the namespace's quality of service (workload class, ceilings, floor), or null for none
 */
public record NamespaceConfig(
    int nsid,
    String backend,
    String path,
    long sizeBytes,
    int blockSize,
    boolean direct,
    String uuid,
    boolean encrypt,
    QosPolicy qos) {

  /** A namespace without QoS. */
  public NamespaceConfig(
      int nsid,
      String backend,
      String path,
      long sizeBytes,
      int blockSize,
      boolean direct,
      String uuid,
      boolean encrypt) {
    this(nsid, backend, path, sizeBytes, blockSize, direct, uuid, encrypt, null);
  }

  /** A namespace that is not encrypted at rest. */
  public NamespaceConfig(
      int nsid,
      String backend,
      String path,
      long sizeBytes,
      int blockSize,
      boolean direct,
      String uuid) {
    this(nsid, backend, path, sizeBytes, blockSize, direct, uuid, false);
  }

  /** This namespace with encryption at rest on or off. */
  public NamespaceConfig withEncrypt(boolean on) {
    return new NamespaceConfig(nsid, backend, path, sizeBytes, blockSize, direct, uuid, on, qos);
  }

  /** This namespace with a QoS policy (null: none). */
  public NamespaceConfig withQos(QosPolicy policy) {
    return new NamespaceConfig(
        nsid, backend, path, sizeBytes, blockSize, direct, uuid, encrypt, policy);
  }

  public static NamespaceConfig memory(int nsid, long sizeBytes) {
    return new NamespaceConfig(nsid, "memory", null, sizeBytes, 512, false, null);
  }

  public static NamespaceConfig file(int nsid, String path, long sizeBytes) {
    return new NamespaceConfig(nsid, "file", path, sizeBytes, 512, false, null);
  }
}
