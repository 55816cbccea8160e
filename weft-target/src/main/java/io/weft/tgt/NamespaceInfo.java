package io.weft.tgt;

/**
 * What the management interface reports about one namespace; {@code encrypted}: its file is
 * encrypted at rest.
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
    boolean encrypted) {}
