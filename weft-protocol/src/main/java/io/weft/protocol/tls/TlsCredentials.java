package io.weft.protocol.tls;

/**
 * What a target secures its TLS listeners with: the hosts' PSKs (for {@code tls=psk}) and its
 * certificate files (for {@code tls=cert}); either may be absent when no listener needs it. One
 * instance is shared by every listener of a target.
 */
public record TlsCredentials(PskKeyring psk, CertFiles certs) {
  public static final TlsCredentials NONE = new TlsCredentials(new PskKeyring(), null);

  public TlsCredentials {
    if (psk == null) {
      psk = new PskKeyring();
    }
  }
}
