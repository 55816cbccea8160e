package io.weft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HostPortTest {
  @Test
  void parsesNamesIpv4AndBracketedIpv6() {
    assertEquals(new HostPort("127.0.0.1", 4420), HostPort.parse("127.0.0.1:4420", "x"));
    assertEquals(new HostPort("example.test", 0), HostPort.parse("example.test:0", "x"));
    assertEquals(new HostPort("::1", 9420), HostPort.parse("[::1]:9420", "x"));
    assertEquals("[::1]:9420", HostPort.parse("[::1]:9420", "x").toString());
  }

  @Test
  void portMayBeLeftOutWhereOptional() {
    assertEquals(new HostPort("10.0.2.100", 0), HostPort.parseOptionalPort("10.0.2.100", "x"));
    assertEquals(new HostPort("fe80::1", 0), HostPort.parseOptionalPort("[fe80::1]", "x"));
  }

  @Test
  void rejectsMalformedAddressesNamingWhatTheyAreFor() {
    for (String bad :
        new String[] {"", "host", ":4420", "::1:4420", "[::1", "h:-1", "h:65536", "h:x"}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> HostPort.parse(bad, "admin address"));
      assertTrue(e.getMessage().startsWith("invalid admin address '" + bad + "'"), e.getMessage());
    }
  }
}
