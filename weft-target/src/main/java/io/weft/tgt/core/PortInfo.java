package io.weft.tgt.core;

import io.weft.protocol.tls.TlsMode;

/**
 * A listener as hosts should see it: the address and port told in discovery log entries, and
 * whether it takes only TLS.
 *
 * @param portId NVM subsystem port ID (1-based, in configuration order)
 * @param advertisedAddress address as text
 * @param advertisedPort TCP port
 * @param ipv6 whether the advertised address is IPv6
 * @param tls the listener's TLS: anything but NONE makes its entries say TLS 1.3 is required
 */
public record PortInfo(
    int portId, String advertisedAddress, int advertisedPort, boolean ipv6, TlsMode tls) {

  public PortInfo {
    if (tls == null) {
      tls = TlsMode.NONE;
    }
  }

  public PortInfo(int portId, String advertisedAddress, int advertisedPort, boolean ipv6) {
    this(portId, advertisedAddress, advertisedPort, ipv6, TlsMode.NONE);
  }

  /** TREQ bits 1:0 of this port's entries: required for a TLS listener, else not specified. */
  public int secureChannelRequirement() {
    return tls == TlsMode.NONE
        ? 0
        : io.weft.protocol.discovery.DiscoveryLogEntry.TREQ_SECURE_CHANNEL_REQUIRED;
  }

  /** TSAS SECTYPE of this port's entries: TLS 1.3 for a TLS listener, else none. */
  public int secType() {
    return tls == TlsMode.NONE ? 0 : io.weft.protocol.discovery.DiscoveryLogEntry.SECTYPE_TLS13;
  }
}
