package io.weft.cli;

import java.net.InetSocketAddress;

/**
 * A {@code HOST:PORT} pair as given on the command line or in a config file. IPv6 literals go in
 * brackets: {@code [::1]:4420}.
 */
public record HostPort(String host, int port) {

  /**
   * Parses {@code HOST:PORT}.
   *
   * @param what what the address is for, quoted in error messages
   * @throws IllegalArgumentException naming {@code what} and the expected form
   */
  public static HostPort parse(String text, String what) {
    return parse(text, what, true);
  }

  /** Parses {@code HOST[:PORT]}; a missing port is 0. */
  public static HostPort parseOptionalPort(String text, String what) {
    return parse(text, what, false);
  }

  private static HostPort parse(String text, String what, boolean portRequired) {
    String s = text == null ? "" : text.strip();
    String host;
    String port;
    if (s.startsWith("[")) {
      int close = s.indexOf(']');
      if (close < 0) {
        throw bad(text, what, portRequired);
      }
      host = s.substring(1, close);
      String rest = s.substring(close + 1);
      if (rest.isEmpty()) {
        port = null;
      } else if (rest.startsWith(":")) {
        port = rest.substring(1);
      } else {
        throw bad(text, what, portRequired);
      }
    } else {
      int colon = s.lastIndexOf(':');
      if (colon >= 0 && s.indexOf(':') != colon) {
        throw bad(text, what, portRequired); // an unbracketed IPv6 literal is ambiguous
      }
      host = colon < 0 ? s : s.substring(0, colon);
      port = colon < 0 ? null : s.substring(colon + 1);
    }
    if (host.isEmpty() || (port == null && portRequired)) {
      throw bad(text, what, portRequired);
    }
    int p = 0;
    if (port != null) {
      try {
        p = Integer.parseInt(port);
      } catch (NumberFormatException e) {
        p = -1;
      }
      if (p < 0 || p > 65535) {
        throw new IllegalArgumentException(
            "invalid " + what + " '" + text + "': port must be a number from 0 to 65535");
      }
    }
    return new HostPort(host, p);
  }

  private static IllegalArgumentException bad(String text, String what, boolean portRequired) {
    return new IllegalArgumentException(
        "invalid "
            + what
            + " '"
            + text
            + "': expected "
            + (portRequired ? "HOST:PORT" : "HOST[:PORT]")
            + " (IPv6 in brackets, e.g. [::1]:4420)");
  }

  /** The numeric address and port of a socket address. */
  public static HostPort of(InetSocketAddress address) {
    String host =
        address.getAddress() != null
            ? address.getAddress().getHostAddress()
            : address.getHostString();
    return new HostPort(host, address.getPort());
  }

  /** Whether the host is the any-address ({@code 0.0.0.0} or {@code ::}), not one to connect to. */
  public boolean isWildcard() {
    return host.equals("0.0.0.0") || host.equals("::") || host.equals("0:0:0:0:0:0:0:0");
  }

  /** {@code host:port}, with brackets around an IPv6 literal. */
  @Override
  public String toString() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
