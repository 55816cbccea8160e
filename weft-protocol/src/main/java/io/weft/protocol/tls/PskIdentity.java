package io.weft.protocol.tls;

/**
 * A TLS PSK identity as NVMe/TCP defines it: {@code NVMe0R0h <hostnqn> <subnqn>} (version 0,
 * TP8011) or {@code NVMe1R0h <hostnqn> <subnqn> <digest>} (version 1, TP8018), h being the PSK's
 * hash (01 SHA-256, 02 SHA-384) and R saying the PSK is a retained one. Generated PSKs ('G', from
 * secure channel concatenation) are not supported.
 *
 * @param digest the base64 PSK digest of a version 1 identity, null for version 0
 */
public record PskIdentity(int version, PskHash hash, String hostNqn, String subNqn, String digest) {

  public static PskIdentity v0(PskHash hash, String hostNqn, String subNqn) {
    return new PskIdentity(0, hash, hostNqn, subNqn, null);
  }

  public String format() {
    String head =
        "NVMe" + version + "R" + String.format("%02d", hash.id) + " " + hostNqn + " " + subNqn;
    return version == 0 ? head : head + " " + digest;
  }

  /** Parses an identity a peer offered; anything else is refused with why. */
  public static PskIdentity parse(String s) {
    if (s.length() < 10 || !s.startsWith("NVMe") || s.charAt(8) != ' ') {
      throw new IllegalArgumentException("not an NVMe PSK identity");
    }
    int version = s.charAt(4) - '0';
    if (version != 0 && version != 1) {
      throw new IllegalArgumentException("unknown PSK identity version " + s.charAt(4));
    }
    if (s.charAt(5) != 'R') {
      throw new IllegalArgumentException(
          "only retained PSKs ('R') are supported, not '" + s.charAt(5) + "'");
    }
    PskHash hash;
    try {
      hash = PskHash.ofId(Integer.parseInt(s.substring(6, 8)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad hash in PSK identity");
    }
    String[] parts = s.substring(9).split(" ", -1);
    int expected = version == 0 ? 2 : 3;
    if (parts.length != expected) {
      throw new IllegalArgumentException(
          "a version " + version + " identity has " + expected + " fields after the prefix");
    }
    for (String p : parts) {
      if (p.isEmpty()) {
        throw new IllegalArgumentException("empty field in PSK identity");
      }
    }
    return new PskIdentity(version, hash, parts[0], parts[1], version == 0 ? null : parts[2]);
  }
}
