package io.weft.node.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/**
 * Which address a discovery service is advertised with, and the names it is advertised under. The
 * advertisement itself binds UDP port 5353 on every address, so it is tested between network
 * namespaces in weft-interop ({@code MdnsDiscoveryInteropTest}), not here.
 */
class MdnsAdvertiserTest {
  private static InetAddress at(String literal) throws IOException {
    return InetAddress.getByName(literal);
  }

  @Test
  void aServiceOnOneAddressIsAdvertisedWithThatAddressOnly() throws Exception {
    assertEquals(at("10.1.2.3"), MdnsAdvertiser.advertiseAddress(at("10.1.2.3"), null));
    assertEquals(at("10.1.2.3"), MdnsAdvertiser.advertiseAddress(at("10.1.2.3"), at("10.1.2.3")));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> MdnsAdvertiser.advertiseAddress(at("10.1.2.3"), at("10.1.2.4")));
    assertTrue(
        e.getMessage().contains("10.1.2.3") && e.getMessage().contains("10.1.2.4"), e.getMessage());
  }

  @Test
  void aServiceOnEveryAddressNeedsTheAddressToAdvertiseNamed() throws Exception {
    for (String wildcard : new String[] {"0.0.0.0", "::"}) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> MdnsAdvertiser.advertiseAddress(at(wildcard), null));
      assertTrue(e.getMessage().contains("every address"), e.getMessage());
      assertEquals(at("10.1.2.3"), MdnsAdvertiser.advertiseAddress(at(wildcard), at("10.1.2.3")));
    }
  }

  @Test
  void namesAreDnsLabelsMadeOfTheAddressAndPort() throws Exception {
    assertEquals("weft-10-1-2-3", MdnsAdvertiser.hostName(at("10.1.2.3")));
    assertEquals("weft-discovery-10-1-2-3-8009", MdnsAdvertiser.instanceName(at("10.1.2.3"), 8009));
    InetAddress scoped = at("fe80::1%1");
    assertEquals("weft-fe80-0-0-0-0-0-0-1", MdnsAdvertiser.hostName(scoped));
    // The longest address and port still fit a DNS label (63 bytes).
    String longest =
        MdnsAdvertiser.instanceName(at("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 65535);
    assertTrue(longest.length() <= 63, longest);
  }

  @Test
  void anAddressOfAnotherHostIsRefusedBeforeAnySocketOpens() {
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                MdnsAdvertiser.start(at("198.51.100.7"), 8009, "nqn.2026-11.io.weft:discovery:x"));
    assertTrue(e.getMessage().contains("not an address here"), e.getMessage());
  }
}
