package io.weft.tgt.config;

import io.weft.protocol.tls.TlsCredentials;
import io.weft.protocol.tls.TlsMode;

/**
 * One NVMe/TCP listener.
 *
 * @param host address to bind (e.g. 127.0.0.1)
 * @param port TCP port to bind (0 picks a free one)
 * @param advertiseHost address hosts are told in discovery log entries (NAT, containers, test
 *     guests); null means the bound address
 * @param advertisePort port told in discovery log entries; 0 means the bound port
 * @param tls what the listener requires: nothing, TLS 1.3 with a PSK, or TLS with certificates
 * @param credentials the target's PSKs and certificate files (shared by its listeners); used by a
 *     TLS listener
 */
public record ListenerConfig(
    String host,
    int port,
    String advertiseHost,
    int advertisePort,
    TlsMode tls,
    TlsCredentials credentials) {

  public ListenerConfig {
    if (tls == null) {
      tls = TlsMode.NONE;
    }
    if (credentials == null) {
      credentials = TlsCredentials.NONE;
    }
  }

  /** A plain listener. */
  public ListenerConfig(String host, int port, String advertiseHost, int advertisePort) {
    this(host, port, advertiseHost, advertisePort, TlsMode.NONE, TlsCredentials.NONE);
  }

  public static ListenerConfig of(String host, int port) {
    return new ListenerConfig(host, port, null, 0);
  }

  /** The same listener requiring {@code mode}. */
  public ListenerConfig withTls(TlsMode mode) {
    return new ListenerConfig(host, port, advertiseHost, advertisePort, mode, credentials);
  }

  /** The same listener securing its connections with {@code c}. */
  public ListenerConfig withCredentials(TlsCredentials c) {
    return new ListenerConfig(host, port, advertiseHost, advertisePort, tls, c);
  }
}
