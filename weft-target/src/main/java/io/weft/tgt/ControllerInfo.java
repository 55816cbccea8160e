package io.weft.tgt;

/** What the management interface reports about one live controller. */
public record ControllerInfo(
    String subsystemNqn,
    int cntlid,
    String hostNqn,
    String hostId,
    String remoteAddress,
    int ioQueues,
    long keepAliveTimeoutMillis) {}
