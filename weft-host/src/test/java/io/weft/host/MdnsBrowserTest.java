package io.weft.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.weft.protocol.discovery.DiscoveryLogPage;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Which advertisements the browser keeps and what it makes of them (TXT keys, the NQN fallback,
 * address families, IPv6 scopes). Browsing itself needs a link of its own and is tested between
 * network namespaces in weft-interop ({@code MdnsDiscoveryInteropTest}).
 */
class MdnsBrowserTest {
  private static final String NQN = "nqn.2026-11.io.weft:discovery:10.1.2.3:8009";

  private static InetAddress at(String literal) throws Exception {
    return InetAddress.getByName(literal);
  }

  private static List<MdnsBrowser.Found> heard(Map<String, String> txt, String... addresses)
      throws Exception {
    List<InetAddress> list = new java.util.ArrayList<>();
    for (String a : addresses) {
      list.add(at(a));
    }
    return MdnsBrowser.controllers(
        new MdnsBrowser.Advertisement("dc", 8009, txt, list), at("10.1.2.9"), null);
  }

  @Test
  void anNvmeTcpControllerIsKeptWithTheNqnItsTxtNames() throws Exception {
    assertEquals(
        List.of(new MdnsBrowser.Found("dc", at("10.1.2.3"), 8009, NQN, at("10.1.2.9"))),
        heard(Map.of("p", "tcp", "nqn", NQN), "10.1.2.3"));
  }

  @Test
  void txtKeysAndTheProtocolAreReadInAnyCase() throws Exception {
    assertEquals(1, heard(Map.of("P", "TCP", "NQN", NQN), "10.1.2.3").size());
    assertEquals(NQN, heard(Map.of("P", "tcp", "NQN", NQN), "10.1.2.3").get(0).nqn());
  }

  @Test
  void withoutAnNqnTheWellKnownDiscoveryNqnIsUsed() throws Exception {
    assertEquals(
        DiscoveryLogPage.DISCOVERY_NQN, heard(Map.of("p", "tcp"), "10.1.2.3").get(0).nqn());
    assertEquals(
        DiscoveryLogPage.DISCOVERY_NQN,
        heard(Map.of("p", "tcp", "nqn", ""), "10.1.2.3").get(0).nqn());
  }

  @Test
  void otherTransportsAndAdvertisementsWithoutAProtocolAreLeftOut() throws Exception {
    assertEquals(List.of(), heard(Map.of("p", "roce", "nqn", NQN), "10.1.2.3"));
    assertEquals(List.of(), heard(Map.of("p", "rdma", "nqn", NQN), "10.1.2.3"));
    assertEquals(List.of(), heard(Map.of("nqn", NQN), "10.1.2.3"));
    assertEquals(
        List.of(),
        MdnsBrowser.controllers(
            new MdnsBrowser.Advertisement("dc", 0, Map.of("p", "tcp"), List.of(at("10.1.2.3"))),
            at("10.1.2.9"),
            null),
        "an SRV record not resolved yet (port 0)");
  }

  @Test
  void addressesOfTheFamilyHeardInArePreferred() throws Exception {
    List<MdnsBrowser.Found> found = heard(Map.of("p", "tcp"), "fd00::3", "10.1.2.3", "10.1.2.4");
    assertEquals(
        List.of(at("10.1.2.3"), at("10.1.2.4")),
        found.stream().map(MdnsBrowser.Found::address).toList());
    assertEquals(at("fd00::3"), heard(Map.of("p", "tcp"), "fd00::3").get(0).address());
  }

  @Test
  void anIpv6LinkLocalAddressGetsTheScopeOfTheInterfaceItWasHeardOn() throws Exception {
    NetworkInterface lo = NetworkInterface.getByInetAddress(InetAddress.getLoopbackAddress());
    InetAddress found =
        MdnsBrowser.controllers(
                new MdnsBrowser.Advertisement(
                    "dc", 8009, Map.of("p", "tcp"), List.of(at("fe80::5"))),
                at("fe80::9"),
                lo)
            .get(0)
            .address();
    assertEquals(lo.getIndex(), ((Inet6Address) found).getScopeId());
  }
}
