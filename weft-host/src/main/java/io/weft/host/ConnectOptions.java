package io.weft.host;

import io.weft.protocol.auth.DhchapSecret;
import io.weft.protocol.tls.ClientTls;
import java.util.UUID;
import java.util.function.Consumer;

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
 *     reconnects forever, 0 gives up at once (no reconnect)
 * @param reconnectDelaySec delay between reconnect attempts (reconnect-delay)
 * @param fastIoFailTimeoutSec after this long without a connection, pending and new I/O fail
 *     (fast-io-fail-tmo); -1 means only ctrl-loss-tmo ends them
 * @param ioTimeoutSec a command not completed in this time resets the connection
 * @param spinMicros how long an idle host event loop busy-polls before it parks
 * @param dhchapSecret this host's DH-HMAC-CHAP secret (dhchap-secret), used when the controller
 *     asks for authentication; null for none
 * @param dhchapCtrlSecret the controller's secret (dhchap-ctrl-secret): with it the host makes the
 *     controller prove its key too (bidirectional), and authenticates even if not asked; null for
 *     none
 * @param tls TLS on every queue's connection (nvme-cli's --tls / --tls-key): none, a PSK, or
 *     certificates
 * @param disableSqFlow ask the controller to turn SQ flow control off on every queue
 *     (disable-sqflow; Connect CATTR bit 2). This host never sizes its submissions by SQHD, so it
 *     loses nothing, and a controller that agrees may then complete a read with its last C2HData
 *     alone (the SUCCESS flag) instead of a second PDU
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
    long spinMicros,
    DhchapSecret dhchapSecret,
    DhchapSecret dhchapCtrlSecret,
    ClientTls tls,
    boolean disableSqFlow) {

  public ConnectOptions {
    if (dhchapCtrlSecret != null && dhchapSecret == null) {
      throw new IllegalArgumentException("a controller secret needs a host secret too");
    }
    if (tls == null) {
      tls = ClientTls.NONE;
    }
  }

  /** Options without DH-HMAC-CHAP secrets and without TLS. */
  public ConnectOptions(
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
    this(
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
        spinMicros,
        null,
        null,
        ClientTls.NONE,
        false);
  }

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
    return edit(
        b -> {
          b.headerDigest = header;
          b.dataDigest = data;
        });
  }

  public ConnectOptions withQueues(int count, int size) {
    return edit(
        b -> {
          b.ioQueues = count;
          b.queueSize = size;
        });
  }

  public ConnectOptions withHost(String nqn, UUID id) {
    return edit(
        b -> {
          b.hostNqn = nqn;
          b.hostId = id;
        });
  }

  public ConnectOptions withTimeouts(int kato, int ctrlLoss, int reconnectDelay, int fastIoFail) {
    return edit(
        b -> {
          b.keepAliveTimeoutSec = kato;
          b.ctrlLossTimeoutSec = ctrlLoss;
          b.reconnectDelaySec = reconnectDelay;
          b.fastIoFailTimeoutSec = fastIoFail;
        });
  }

  public ConnectOptions withIoTimeout(int seconds) {
    return edit(b -> b.ioTimeoutSec = seconds);
  }

  public ConnectOptions withSpinMicros(long micros) {
    return edit(b -> b.spinMicros = micros);
  }

  public ConnectOptions withAddress(String address, int port) {
    return edit(
        b -> {
          b.address = address;
          b.port = port;
        });
  }

  public ConnectOptions withTls(ClientTls tls) {
    return edit(b -> b.tls = tls);
  }

  public ConnectOptions withSubsystem(String nqn) {
    return edit(b -> b.subsystemNqn = nqn);
  }

  /** DH-HMAC-CHAP secrets as nvme-cli's --dhchap-secret and --dhchap-ctrl-secret (null: none). */
  public ConnectOptions withDhchap(DhchapSecret hostSecret, DhchapSecret ctrlSecret) {
    return edit(
        b -> {
          b.dhchapSecret = hostSecret;
          b.dhchapCtrlSecret = ctrlSecret;
        });
  }

  /** nvme-cli's --disable-sqflow. */
  public ConnectOptions withDisableSqFlow(boolean disable) {
    return edit(b -> b.disableSqFlow = disable);
  }

  /** A copy with some fields changed: one place that knows the constructor's order. */
  private ConnectOptions edit(Consumer<Fields> change) {
    Fields f = new Fields(this);
    change.accept(f);
    return new ConnectOptions(
        f.address,
        f.port,
        f.subsystemNqn,
        f.hostNqn,
        f.hostId,
        f.headerDigest,
        f.dataDigest,
        f.ioQueues,
        f.queueSize,
        f.keepAliveTimeoutSec,
        f.ctrlLossTimeoutSec,
        f.reconnectDelaySec,
        f.fastIoFailTimeoutSec,
        f.ioTimeoutSec,
        f.spinMicros,
        f.dhchapSecret,
        f.dhchapCtrlSecret,
        f.tls,
        f.disableSqFlow);
  }

  /** The record's fields, mutable, for {@link #edit}. */
  private static final class Fields {
    String address;
    int port;
    String subsystemNqn;
    String hostNqn;
    UUID hostId;
    boolean headerDigest;
    boolean dataDigest;
    int ioQueues;
    int queueSize;
    int keepAliveTimeoutSec;
    int ctrlLossTimeoutSec;
    int reconnectDelaySec;
    int fastIoFailTimeoutSec;
    int ioTimeoutSec;
    long spinMicros;
    DhchapSecret dhchapSecret;
    DhchapSecret dhchapCtrlSecret;
    ClientTls tls;
    boolean disableSqFlow;

    Fields(ConnectOptions o) {
      address = o.address;
      port = o.port;
      subsystemNqn = o.subsystemNqn;
      hostNqn = o.hostNqn;
      hostId = o.hostId;
      headerDigest = o.headerDigest;
      dataDigest = o.dataDigest;
      ioQueues = o.ioQueues;
      queueSize = o.queueSize;
      keepAliveTimeoutSec = o.keepAliveTimeoutSec;
      ctrlLossTimeoutSec = o.ctrlLossTimeoutSec;
      reconnectDelaySec = o.reconnectDelaySec;
      fastIoFailTimeoutSec = o.fastIoFailTimeoutSec;
      ioTimeoutSec = o.ioTimeoutSec;
      spinMicros = o.spinMicros;
      dhchapSecret = o.dhchapSecret;
      dhchapCtrlSecret = o.dhchapCtrlSecret;
      tls = o.tls;
      disableSqFlow = o.disableSqFlow;
    }
  }
}
