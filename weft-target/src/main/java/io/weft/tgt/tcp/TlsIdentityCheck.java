package io.weft.tgt.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.weft.protocol.fabrics.ConnectData;
import io.weft.protocol.tls.BcTlsHandler;
import io.weft.protocol.tls.PskIdentity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection secured with a PSK may only connect as the host and to the subsystem its PSK
 * identity names: otherwise a host holding its own key could claim another host's NQN (and that
 * host's allow-list entries) once inside the TLS session. Checked on the Connect command, before
 * the controller sees it.
 */
final class TlsIdentityCheck {
  private static final Logger log = LoggerFactory.getLogger(TlsIdentityCheck.class);

  private TlsIdentityCheck() {}

  /**
   * Whether a Connect whose data starts at {@code dataStart} agrees with the connection's PSK
   * identity (always true without a PSK, or when the data is not in the capsule: the controller
   * refuses that itself).
   */
  static boolean connectAllowed(
      ChannelHandlerContext ctx, ByteBuf frame, int dataStart, int dataLength) {
    BcTlsHandler tls = ctx.pipeline().get(BcTlsHandler.class);
    PskIdentity id = tls == null ? null : tls.identity();
    if (id == null || dataLength < ConnectData.SIZE) {
      return true;
    }
    ConnectData d = ConnectData.decode(frame, dataStart);
    if (id.hostNqn().equals(d.hostNqn()) && id.subNqn().equals(d.subsystemNqn())) {
      return true;
    }
    log.warn(
        "connect refused: {} connected with the TLS identity of host {} for subsystem {}, but"
            + " Connect names host {} and subsystem {}",
        ctx.channel().remoteAddress(),
        id.hostNqn(),
        id.subNqn(),
        d.hostNqn(),
        d.subsystemNqn());
    return false;
  }
}
