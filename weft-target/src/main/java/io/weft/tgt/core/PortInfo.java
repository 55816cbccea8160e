package io.weft.tgt.core;

/**
 * A listener as hosts should see it: the address and port told in discovery log entries.
 *
 * @param portId NVM subsystem port ID (1-based, in configuration order)
 * @param advertisedAddress address as text
 * @param advertisedPort TCP port
 * @param ipv6 whether the advertised address is IPv6
 */
public record PortInfo(int portId, String advertisedAddress, int advertisedPort, boolean ipv6) {}
