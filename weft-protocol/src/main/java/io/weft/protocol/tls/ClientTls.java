package io.weft.protocol.tls;

import io.netty.channel.Channel;
import javax.net.ssl.SSLException;

/**
 * How a host secures a connection: no TLS, TLS 1.3 with a configured PSK (its identity names this
 * host and the subsystem connected to), or certificates.
 */
public record ClientTls(TlsMode mode, ConfiguredPsk key, CertFiles certs) {
  public static final ClientTls NONE = new ClientTls(TlsMode.NONE, null, null);

  public ClientTls {
    if (mode == null) {
      mode = TlsMode.NONE;
    }
    if (mode == TlsMode.PSK && key == null) {
      throw new IllegalArgumentException("TLS with a PSK needs a key (--tls-key)");
    }
    if (mode == TlsMode.CERT && certs == null) {
      throw new IllegalArgumentException("certificate TLS needs certificate files");
    }
  }

  public static ClientTls psk(ConfiguredPsk key) {
    return new ClientTls(TlsMode.PSK, key, null);
  }

  public static ClientTls cert(CertFiles certs) {
    return new ClientTls(TlsMode.CERT, null, certs);
  }

  /** Puts the TLS handler first in a new connection's pipeline (before it connects). */
  public void install(Channel ch, String hostNqn, String subNqn) throws SSLException {
    switch (mode) {
      case NONE -> {}
      case PSK ->
          ch.pipeline().addFirst(ServerTls.HANDLER, BcTlsHandler.client(key, hostNqn, subNqn));
      case CERT ->
          ch.pipeline().addFirst(ServerTls.HANDLER, certs.clientContext().newHandler(ch.alloc()));
    }
  }
}
