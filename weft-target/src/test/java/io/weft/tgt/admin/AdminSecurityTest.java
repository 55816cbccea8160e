package io.weft.tgt.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.tgt.Target;
import io.weft.tgt.config.AdminSecurityConfig;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.NamespaceConfig;
import io.weft.tgt.config.SecurityConfig;
import io.weft.tgt.config.SubsystemConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The locked management door, for real: a target whose admin API runs TLS with a bearer token (on
 * loopback, where a configured token is enforced as it would be beyond), called over HTTPS.
 */
class AdminSecurityTest {
  private static final String NQN = "nqn.2026-11.io.weft.test:admin-security";
  private static final String TOKEN = "s3cret-token-for-the-test-0123456789";

  @TempDir static Path pkiDir;
  private static Path pki;

  @TempDir Path dataDir;
  private final ObjectMapper json = new ObjectMapper();
  private Target target;
  private HttpClient http;

  @BeforeAll
  static void makePki() throws Exception {
    pki = TestPki.make(pkiDir.resolve("pki"));
  }

  @AfterEach
  void stop() {
    if (http != null) {
      http.close();
    }
    if (target != null) {
      target.close();
    }
  }

  private Target start(AdminSecurityConfig admin) throws IOException {
    TargetConfig config =
        new TargetConfig(
                dataDir,
                List.of(ListenerConfig.of("127.0.0.1", 0)),
                List.of(
                    new SubsystemConfig(
                        NQN,
                        null,
                        null,
                        null,
                        List.of(),
                        List.of(NamespaceConfig.memory(1, 1 << 20)))),
                "127.0.0.1:0",
                TuningConfig.defaults().withSpinNanos(0))
            .withSecurity(SecurityConfig.defaults().withAdmin(admin));
    target = Target.start(config);
    return target;
  }

  private AdminSecurityConfig tlsWithToken() throws IOException {
    Path tokenFile =
        Files.createFile(
            dataDir.resolve("token"),
            java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE)));
    Files.writeString(tokenFile, TOKEN + "\n");
    return new AdminSecurityConfig(
        pki.resolve("server.pem").toString(),
        pki.resolve("server.key").toString(),
        "@" + tokenFile,
        null);
  }

  private HttpClient client(Path ca, Path cert, Path key) throws IOException {
    SSLContext tls = Pem.context(cert, key, ca);
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(tls).build();
  }

  private String url(String path) {
    return "https://127.0.0.1:" + target.adminAddress().getPort() + path;
  }

  private HttpResponse<String> call(String method, String path, String token, String body)
      throws Exception {
    HttpRequest.Builder r =
        HttpRequest.newBuilder(URI.create(url(path)))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      r.header("Authorization", "Bearer " + token);
    }
    return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  private String error(HttpResponse<String> response) throws IOException {
    JsonNode node = json.readTree(response.body());
    return node.get("error").asText();
  }

  @Test
  void aCallNeedsTheRightTokenOverTls() throws Exception {
    start(tlsWithToken());
    assertEquals("https", target.adminSummary().scheme());
    http = client(pki.resolve("ca.pem"), null, null);

    HttpResponse<String> none = call("GET", "/v1/subsystems", null, null);
    assertEquals(401, none.statusCode());
    assertTrue(error(none).startsWith("missing bearer token"), none.body());
    assertTrue(none.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));

    HttpResponse<String> wrong = call("GET", "/v1/subsystems", "not-" + TOKEN, null);
    assertEquals(401, wrong.statusCode());
    assertEquals("wrong bearer token", error(wrong));

    HttpResponse<String> right = call("GET", "/v1/subsystems", TOKEN, null);
    assertEquals(200, right.statusCode(), right.body());
    assertTrue(right.body().contains(NQN), right.body());
    // The banner names the token by fingerprint and source, never by value.
    String auth = target.adminSummary().authentication();
    assertTrue(auth.startsWith("bearer token sha256:"), auth);
    assertFalse(auth.contains(TOKEN), auth);
  }

  @Test
  void aClientThatDoesNotTrustTheCertificateRefusesTheServer() throws Exception {
    start(tlsWithToken());
    http = client(pki.resolve("other-ca.pem"), null, null);
    IOException e = assertThrows(IOException.class, () -> call("GET", "/v1/health", TOKEN, null));
    assertTrue(
        e instanceof SSLHandshakeException || e.getCause() instanceof SSLHandshakeException,
        e.toString());
  }

  @Test
  void plainHttpToTheTlsPortGetsNoAnswer() throws Exception {
    start(tlsWithToken());
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpRequest r =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + target.adminAddress().getPort() + "/v1/health"))
            .header("Authorization", "Bearer " + TOKEN)
            .timeout(java.time.Duration.ofSeconds(5))
            .build();
    assertThrows(IOException.class, () -> http.send(r, HttpResponse.BodyHandlers.ofString()));
  }

  @Test
  void mutatingCallsAreAuditedWithoutSecretsAndReadsAreNot() throws Exception {
    start(tlsWithToken());
    http = client(pki.resolve("ca.pem"), null, null);
    String namespaces =
        "/v1/subsystems/" + URLEncoder.encode(NQN, StandardCharsets.UTF_8) + "/namespaces";
    String body = "{\"nsid\":2,\"backend\":\"memory\",\"sizeBytes\":1048576,\"blockSize\":512}";

    assertEquals(200, call("GET", "/v1/subsystems", TOKEN, null).statusCode());
    assertEquals(401, call("POST", namespaces, "guess", body).statusCode());
    assertEquals(201, call("POST", namespaces, TOKEN, body).statusCode());
    assertEquals(204, call("DELETE", namespaces + "/2", TOKEN, null).statusCode());
    assertEquals(200, call("GET", "/v1/controllers", TOKEN, null).statusCode());
    target.close();

    Path audit = dataDir.resolve("audit.log");
    List<String> lines = Files.readAllLines(audit);
    assertEquals(3, lines.size(), String.join("\n", lines));
    List<Map<?, ?>> entries = lines.stream().map(this::parse).toList();
    assertEquals(
        List.of("POST", "POST", "DELETE"), entries.stream().map(e -> e.get("method")).toList());
    assertEquals(List.of(401, 201, 204), entries.stream().map(e -> e.get("status")).toList());
    assertEquals("unauthenticated", entries.get(0).get("who"));
    String fingerprint = AdminToken.read("@" + dataDir.resolve("token"), k -> null).fingerprint();
    assertEquals("token " + fingerprint, entries.get(1).get("who"));
    assertEquals("127.0.0.1", entries.get(1).get("remote"));
    assertTrue(entries.get(1).get("path").toString().endsWith("/namespaces"));
    assertTrue(entries.get(1).containsKey("time"));
    String all = Files.readString(audit);
    assertFalse(all.contains(TOKEN), "the token is never written");
    assertFalse(all.contains("guess"), "nor a wrong one");
    assertFalse(all.contains("memory"), "nor a request body");
    assertEquals(
        Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
        Files.getPosixFilePermissions(audit));
  }

  @Test
  void clientCertificatesFromTheConfiguredCaAreTheCredentials() throws Exception {
    start(
        new AdminSecurityConfig(
            pki.resolve("server.pem").toString(),
            pki.resolve("server.key").toString(),
            null,
            pki.resolve("ca.pem").toString()));
    http = client(pki.resolve("ca.pem"), pki.resolve("client.pem"), pki.resolve("client.key"));
    assertEquals(
        201,
        call(
                "POST",
                "/v1/subsystems/" + URLEncoder.encode(NQN, StandardCharsets.UTF_8) + "/namespaces",
                null,
                "{\"nsid\":3,\"backend\":\"memory\",\"sizeBytes\":1048576,\"blockSize\":512}")
            .statusCode());
    http.close();

    for (Path[] credentials :
        List.of(
            new Path[] {null, null},
            new Path[] {pki.resolve("other-client.pem"), pki.resolve("other-client.key")})) {
      http = client(pki.resolve("ca.pem"), credentials[0], credentials[1]);
      assertThrows(IOException.class, () -> call("GET", "/v1/health", null, null));
      http.close();
    }
    http = null;
    target.close();
    Map<?, ?> line = parse(Files.readAllLines(dataDir.resolve("audit.log")).get(0));
    assertEquals("cert CN=weft-operator", line.get("who"));
  }

  @Test
  void aGeneratedTokenIsKeptForItsOwnerOnly() throws Exception {
    // Beyond loopback with TLS and no token configured (decided without binding anything).
    AdminAccess access =
        AdminAccess.of(
            "192.0.2.10",
            new AdminSecurityConfig(
                pki.resolve("server.pem").toString(),
                pki.resolve("server.key").toString(),
                null,
                null),
            dataDir);
    Path file = dataDir.resolve(AdminToken.GENERATED_FILE);
    assertEquals(
        Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
        Files.getPosixFilePermissions(file));
    String token = Files.readString(file).strip();
    assertTrue(token.length() >= 40, "256 random bits");
    assertTrue(access.describe().contains("(@" + file + ")"), access.describe());
    assertFalse(access.describe().contains(token));
    // The same token on the next start.
    assertEquals(
        AdminToken.read("@" + file, k -> null).fingerprint(),
        AdminToken.generated(dataDir).fingerprint());
  }

  @Test
  void aTokenIsReadFromAFileOrAVariableButNeverGivenLiterally() throws Exception {
    assertTrue(AdminToken.read("env:T", Map.of("T", TOKEN)::get).matches(TOKEN));
    assertFalse(AdminToken.read("env:T", Map.of("T", TOKEN)::get).matches(TOKEN + "x"));
    IOException literal = assertThrows(IOException.class, () -> AdminToken.read(TOKEN, k -> null));
    assertTrue(literal.getMessage().contains("never given literally"), literal.getMessage());
    assertThrows(IOException.class, () -> AdminToken.read("env:UNSET", k -> null));
    assertThrows(
        IOException.class, () -> AdminToken.read("@" + dataDir.resolve("none"), k -> null));
  }

  private Map<?, ?> parse(String line) {
    try {
      return json.readValue(line, Map.class);
    } catch (IOException e) {
      throw new AssertionError(line, e);
    }
  }
}
