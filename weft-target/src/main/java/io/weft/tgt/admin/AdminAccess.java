package io.weft.tgt.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsExchange;
import io.weft.tgt.config.AccessPolicy;
import io.weft.tgt.config.AdminSecurityConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Who may call the management API, resolved from {@link AdminSecurityConfig}: the TLS context (PEM
 * files loaded), whether client certificates are demanded, the bearer token, and whether callers
 * must authenticate at all ({@link AccessPolicy#adminRequiresAuthentication}). Beyond loopback with
 * neither a token nor client certificates configured, a token is generated in the data directory.
 */
public final class AdminAccess {
  private final SSLContext tls;
  private final boolean clientCertificates;
  private final AdminToken token;
  private final boolean required;
  private final String tokenHint;

  private AdminAccess(
      SSLContext tls,
      boolean clientCertificates,
      AdminToken token,
      boolean required,
      String tokenHint) {
    this.tls = tls;
    this.clientCertificates = clientCertificates;
    this.token = token;
    this.required = required;
    this.tokenHint = tokenHint;
  }

  /** No TLS and no authentication: the loopback quick start, and tests. */
  public static AdminAccess open() {
    return new AdminAccess(null, false, null, false, null);
  }

  /**
   * Loads what {@code config} names for an API bound on {@code host}.
   *
   * @param dataDir where a generated token is kept
   * @throws IOException if a PEM file or the token cannot be read
   */
  public static AdminAccess of(String host, AdminSecurityConfig config, Path dataDir)
      throws IOException {
    SSLContext tls =
        config.tls()
            ? Pem.context(
                Path.of(config.tlsCert()),
                Path.of(config.tlsKey()),
                config.clientCa() == null ? null : Path.of(config.clientCa()))
            : null;
    boolean required = AccessPolicy.adminRequiresAuthentication(host, config);
    AdminToken token = null;
    String hint = null;
    if (config.tokenSource() != null) {
      token = AdminToken.read(config.tokenSource(), System::getenv);
      hint = config.tokenSource();
    } else if (required && config.clientCa() == null) {
      token = AdminToken.generated(dataDir);
      hint = "@" + dataDir.resolve(AdminToken.GENERATED_FILE);
    }
    return new AdminAccess(tls, config.clientCa() != null, token, required, hint);
  }

  SSLContext tls() {
    return tls;
  }

  boolean clientCertificates() {
    return clientCertificates;
  }

  /** For the banner and the log: how callers authenticate, never the token itself. */
  public String describe() {
    if (!required) {
      return "open on loopback";
    }
    String cert = clientCertificates ? "client certificate" : null;
    String bearer =
        token == null ? null : "bearer token " + token.fingerprint() + " (" + tokenHint + ")";
    return cert != null && bearer != null ? cert + " and " + bearer : cert != null ? cert : bearer;
  }

  /**
   * Who makes this call: the client certificate's subject, the token's fingerprint, or {@code
   * loopback} where the API is open.
   *
   * @throws HttpError 401 for a missing or wrong token
   */
  String authenticate(HttpExchange exchange) {
    if (!required) {
      return "loopback";
    }
    String subject = null;
    if (clientCertificates && exchange instanceof HttpsExchange https) {
      try {
        // The handshake already refused certificates the CA did not sign.
        subject = https.getSSLSession().getPeerPrincipal().getName();
      } catch (SSLPeerUnverifiedException e) {
        throw unauthorized("a client certificate is required", "invalid_request");
      }
    }
    if (token == null) {
      return "cert " + subject;
    }
    String header = exchange.getRequestHeaders().getFirst("Authorization");
    if (header == null || header.isBlank()) {
      throw unauthorized(
          "missing bearer token: send 'Authorization: Bearer TOKEN' (weft: --token @FILE,"
              + " --token env:VAR or WEFT_TOKEN)",
          "invalid_request");
    }
    String presented =
        header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).strip() : null;
    if (presented == null || !token.matches(presented)) {
      throw unauthorized("wrong bearer token", "invalid_token");
    }
    String who = "token " + token.fingerprint();
    return subject == null ? who : "cert " + subject + ", " + who;
  }

  private static HttpError unauthorized(String message, String error) {
    return new HttpError(
        401, message, Map.of("WWW-Authenticate", "Bearer realm=\"weft\", error=\"" + error + "\""));
  }
}
