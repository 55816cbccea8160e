package io.weft.tgt;

import io.weft.tgt.qos.QosPolicy;

/**
 * What the management interface reports about one namespace; {@code encrypted}: its file is
 * encrypted at rest; {@code qos}: its QoS policy, null for none.
 */
public record NamespaceInfo(
    int nsid,
    String backend,
    String path,
    long sizeBytes,
    int blockSize,
    long usedBytes,
    String uuid,
    String nguid,
    boolean encrypted,
    QosPolicy qos) {}
