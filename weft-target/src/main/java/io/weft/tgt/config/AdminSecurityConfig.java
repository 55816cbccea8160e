package io.weft.tgt.config;

/**
 * How the management API is protected. Paths are files; the token is never given as a literal:
 * {@code tokenSource} is {@code @FILE} (the token is the file's first line) or {@code env:VAR}.
 *
 * @param tlsCert PEM file with the server certificate (and its chain), or null for plain HTTP
 * @param tlsKey PEM file with the server's PKCS#8 private key, or null
 * @param tokenSource where the bearer token is read ({@code @FILE} or {@code env:VAR}), or null:
 *     none configured (beyond loopback one is generated in the data directory unless client
 *     certificates authenticate callers)
 * @param clientCa PEM file of the CA(s) whose client certificates are accepted, or null: no client
 *     certificates
 */
public record AdminSecurityConfig(
    String tlsCert, String tlsKey, String tokenSource, String clientCa) {

  public static AdminSecurityConfig none() {
    return new AdminSecurityConfig(null, null, null, null);
  }

  public boolean tls() {
    return tlsCert != null && tlsKey != null;
  }
}
