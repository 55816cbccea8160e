package io.weft.host;

import java.util.UUID;

/**
 * How to reach and keep a controller, with the meanings nvme-cli's {@code connect} options have.
 *
 * @param address target address
 * @param port target TCP port (trsvcid)
 * @param subsystemNqn the subsystem to connect to (the discovery NQN for discovery)
 * @param hostNqn this host's NQN
 * @param hostId this host's 128-bit identifier
 * @param headerDigest ask for header digests (-g)
 * @param dataDigest ask for data digests (-G)
 * @param ioQueues number of I/O queues to ask for (nr-io-queues); 0 for discovery
 * @param queueSize entries per I/O queue (queue-size); the controller may cap it
 * @param keepAliveTimeoutSec KATO in seconds (keep-alive-tmo); 0 disables keep-alive
 * @param ctrlLossTimeoutSec how long to keep reconnecting before giving up (ctrl-loss-tmo); -1
 *     reconnects forever
 * @param reconnectDelaySec delay between reconnect attempts (reconnect-delay)
 * @param fastIoFailTimeoutSec after this long without a connection, pending and new I/O fail
 *     (fast-io-fail-tmo); -1 means only ctrl-loss-tmo ends them
 * @param ioTimeoutSec a command not completed in this time resets the connection
 * @param spinMicros how long an idle host event loop busy-polls before it parks
 */
public record ConnectOptions(
    String address,
    int port,
    String subsystemNqn,
    String hostNqn,
    UUID hostId,
    boolean headerDigest,
    boolean dataDigest,
    int ioQueues,
    int queueSize,
    int keepAliveTimeoutSec,
    int ctrlLossTimeoutSec,
    int reconnectDelaySec,
    int fastIoFailTimeoutSec,
    int ioTimeoutSec,
    long spinMicros) {

  /** Defaults of the Linux host: 5 s KATO, 600 s ctrl-loss-tmo, 10 s reconnect delay. */
  public static ConnectOptions defaults(String address, int port, String subsystemNqn) {
    HostIdentity id = HostIdentity.load();
    return new ConnectOptions(
        address,
        port,
        subsystemNqn,
        id.hostNqn(),
        id.hostId(),
        false,
        false,
        1,
        128,
        5,
        600,
        10,
        -1,
        30,
        0);
  }

  public ConnectOptions withDigests(boolean header, boolean data) {
    return new ConnectOptions(
        address,
        port,
        subsystemNqn,
        hostNqn,
        hostId,
        header,
        data,
        ioQueues,
        queueSize,
        keepAliveTimeoutSec,
        ctrlLossTimeoutSec,
        reconnectDelaySec,
        fastIoFailTimeoutSec,
        ioTimeoutSec,
        spinMicros);
  }

  public ConnectOptions withQueues(int count, int size) {
    return new ConnectOptions(
        address,
        port,
        subsystemNqn,
        hostNqn,
        hostId,
        headerDigest,
        dataDigest,
        count,
        size,
        keepAliveTimeoutSec,
        ctrlLossTimeoutSec,
        reconnectDelaySec,
        fastIoFailTimeoutSec,
        ioTimeoutSec,
        spinMicros);
  }

  public ConnectOptions withHost(String nqn, UUID id) {
    return new ConnectOptions(
        address,
        port,
        subsystemNqn,
        nqn,
        id,
        headerDigest,
        dataDigest,
        ioQueues,
        queueSize,
        keepAliveTimeoutSec,
        ctrlLossTimeoutSec,
        reconnectDelaySec,
        fastIoFailTimeoutSec,
        ioTimeoutSec,
        spinMicros);
  }

  public ConnectOptions withTimeouts(int kato, int ctrlLoss, int reconnectDelay, int fastIoFail) {
    return new ConnectOptions(
        address,
        port,
        subsystemNqn,
        hostNqn,
        hostId,
        headerDigest,
        dataDigest,
        ioQueues,
        queueSize,
        kato,
        ctrlLoss,
        reconnectDelay,
        fastIoFail,
        ioTimeoutSec,
        spinMicros);
  }

  public ConnectOptions withIoTimeout(int seconds) {
    return new ConnectOptions(
        address,
        port,
        subsystemNqn,
        hostNqn,
        hostId,
        headerDigest,
        dataDigest,
        ioQueues,
        queueSize,
        keepAliveTimeoutSec,
        ctrlLossTimeoutSec,
        reconnectDelaySec,
        fastIoFailTimeoutSec,
        seconds,
        spinMicros);
  }

  public ConnectOptions withSpinMicros(long micros) {
    return new ConnectOptions(
        address,
        port,
        subsystemNqn,
        hostNqn,
        hostId,
        headerDigest,
        dataDigest,
        ioQueues,
        queueSize,
        keepAliveTimeoutSec,
        ctrlLossTimeoutSec,
        reconnectDelaySec,
        fastIoFailTimeoutSec,
        ioTimeoutSec,
        micros);
  }

  public ConnectOptions withSubsystem(String nqn) {
    return new ConnectOptions(
        address,
        port,
        nqn,
        hostNqn,
        hostId,
        headerDigest,
        dataDigest,
        ioQueues,
        queueSize,
        keepAliveTimeoutSec,
        ctrlLossTimeoutSec,
        reconnectDelaySec,
        fastIoFailTimeoutSec,
        ioTimeoutSec,
        spinMicros);
  }
}
