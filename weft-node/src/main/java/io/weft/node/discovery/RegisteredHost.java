package io.weft.node.discovery;

/**
 * A host that registered itself with the discovery service (Discovery Information Management,
 * {@code nvme dim --task=register}): its NQN and Host ID, the name and version it gave, the address
 * it registered from, and the connection that registered it.
 */
public record RegisteredHost(
    String nqn, String hostId, String name, String version, String address, String registeredBy) {}
