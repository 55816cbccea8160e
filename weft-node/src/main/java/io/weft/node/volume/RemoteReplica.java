package io.weft.node.volume;

import io.weft.host.ConnectOptions;
import io.weft.host.HostController;
import io.weft.host.NvmeNamespace;
import io.weft.protocol.tls.ClientTls;
import java.io.IOException;
import java.util.UUID;

/**
 * The owner's connection to one remote replica: an NVMe/TCP controller (Weft's own host library) on
 * the peer node's internal replica subsystem, connecting with a host NQN that names the owner and
 * its generation, so the replica refuses it once a newer owner took over. Reconnects are kept
 * short: a replica that cannot be reached within a few seconds is dropped from the in-sync set
 * rather than stall the volume.
 */
final class RemoteReplica implements AutoCloseable {
  /** Keep-alive, controller loss, reconnect delay, fast I/O fail: seconds. */
  static final int KATO = 5;

  static final int CTRL_LOSS = 3;
  static final int RECONNECT_DELAY = 1;
  static final int FAST_IO_FAIL = 2;
  static final int IO_TIMEOUT = 5;

  private final String node;
  private final HostController controller;
  private final NvmeNamespace namespace;

  private RemoteReplica(String node, HostController controller, NvmeNamespace namespace) {
    this.node = node;
    this.controller = controller;
    this.namespace = namespace;
  }

  /**
   * Connects to {@code node}'s replica of {@code v} at {@code address} (HOST:PORT), on the event
   * loops {@code loops} (the local target's).
   *
   * @param linkKeys the link's DH-HMAC-CHAP keys, or null where the cluster has no secret
   * @param tls how the link is encrypted: certificate TLS where the nodes' replication listeners
   *     take it, else none
   * @throws IOException if it cannot connect (the replica fenced this generation, or is down)
   */
  static RemoteReplica connect(
      VolumeRecord v,
      String node,
      String address,
      io.netty.channel.EventLoopGroup loops,
      io.weft.tgt.config.DhchapKeys linkKeys,
      ClientTls tls)
      throws IOException {
    io.weft.node.NodeInfo.Address at = io.weft.node.NodeInfo.Address.parse(address);
    String hostNqn = v.ownerHostNqn();
    ConnectOptions options =
        ConnectOptions.defaults(at.host(), at.port(), v.replicaNqn())
            .withHost(hostNqn, UUID.nameUUIDFromBytes(hostNqn.getBytes()))
            .withQueues(2, 128)
            .withTimeouts(KATO, CTRL_LOSS, RECONNECT_DELAY, FAST_IO_FAIL)
            .withIoTimeout(IO_TIMEOUT)
            .withTls(tls);
    if (linkKeys != null) {
      // Both ways: the replica checks this owner's key, this owner checks the replica's.
      options = options.withDhchap(linkKeys.host(), linkKeys.controller());
    }
    // On the target's own loops: a write fanned out on a loop goes to the replica from that loop
    // and its completion comes back there, with no thread hop on the owner.
    HostController c = HostController.connect(options, loops);
    try {
      return new RemoteReplica(node, c, c.namespace(1));
    } catch (IOException | RuntimeException e) {
      c.close();
      throw e;
    }
  }

  String node() {
    return node;
  }

  NvmeNamespace namespace() {
    return namespace;
  }

  @Override
  public void close() {
    controller.close();
  }
}
