package io.weft.protocol.tls;

import java.util.Locale;

/** How a listener or connection is secured: not at all, TLS 1.3 with a PSK, or certificates. */
public enum TlsMode {
  NONE,
  PSK,
  CERT;

  public static TlsMode parse(String s) {
    try {
      return valueOf(s.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown TLS mode '" + s + "' (psk, cert or none)");
    }
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
