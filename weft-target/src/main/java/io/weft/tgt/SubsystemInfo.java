package io.weft.tgt;

import java.util.List;

/** What the management interface reports about one subsystem. */
public record SubsystemInfo(
    String nqn,
    String serial,
    String model,
    List<String> allowedHosts,
    List<NamespaceInfo> namespaces) {}
