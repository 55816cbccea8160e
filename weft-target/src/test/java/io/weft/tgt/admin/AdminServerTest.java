package io.weft.tgt.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.tgt.Target;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.NamespaceConfig;
import io.weft.tgt.config.SubsystemConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The management API end to end over HTTP, against a real target with a memory namespace. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdminServerTest {
  private static final String NQN = "nqn.2026-11.io.weft.test:admin-api";
  private static final long MIB = 1 << 20;

  private final ObjectMapper json = new ObjectMapper();
  @TempDir static Path dataDir;
  private Target target;
  private AdminServer admin;
  private HttpClient http;
  private String base;

  @BeforeAll
  void start() throws IOException {
    TargetConfig config =
        new TargetConfig(
            dataDir,
            List.of(ListenerConfig.of("127.0.0.1", 0)),
            List.of(
                new SubsystemConfig(
                    NQN,
                    "WEFTTEST0001",
                    "Weft admin test",
                    "0.1",
                    List.of(),
                    List.of(NamespaceConfig.memory(1, MIB)))),
            null,
            TuningConfig.defaults());
    target = Target.start(config);
    admin = AdminServer.start(target, "127.0.0.1", 0);
    InetSocketAddress address = admin.address();
    base = "http://127.0.0.1:" + address.getPort();
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  }

  @AfterAll
  void stop() {
    if (http != null) {
      http.close();
    }
    if (admin != null) {
      admin.close();
    }
    if (target != null) {
      target.close();
    }
  }

  private record Reply(int status, String body, HttpResponse<String> raw) {
    JsonNode json() throws IOException {
      return new ObjectMapper().readTree(body);
    }
  }

  private Reply send(String method, String path, String body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path));
    request.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    HttpResponse<String> response =
        http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    return new Reply(response.statusCode(), response.body(), response);
  }

  private static String encoded(String nqn) {
    return URLEncoder.encode(nqn, StandardCharsets.UTF_8);
  }

  private static String memoryNamespace(int nsid, long size) {
    return "{\"nsid\":" + nsid + ",\"backend\":\"memory\",\"sizeBytes\":" + size + "}";
  }

  private JsonNode namespace(int nsid) throws Exception {
    for (JsonNode subsystem : send("GET", "/v1/subsystems", null).json()) {
      if (subsystem.get("nqn").asText().equals(NQN)) {
        for (JsonNode ns : subsystem.get("namespaces")) {
          if (ns.get("nsid").asInt() == nsid) {
            return ns;
          }
        }
      }
    }
    return null;
  }

  private void assertError(Reply reply, int status, String fragment) throws IOException {
    assertEquals(status, reply.status(), reply.body());
    assertTrue(
        reply.raw().headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
    String message = reply.json().get("error").asText();
    assertTrue(
        message.contains(fragment), "error '" + message + "' should mention '" + fragment + "'");
  }

  @Test
  void openApiDescribesEveryRouteATargetServesAndOnlyThose() throws Exception {
    Reply r = send("GET", "/v1/openapi.json", null);
    assertEquals(200, r.status());
    JsonNode doc = r.json();
    assertEquals("3.0.3", doc.path("openapi").asText());
    assertEquals(
        0, doc.path("x-undocumented").size(), "undocumented: " + doc.path("x-undocumented"));
    JsonNode paths = doc.path("paths");
    assertTrue(paths.path("/v1/subsystems/{nqn}/namespaces").has("post"));
    assertTrue(paths.path("/v1/subsystems/{nqn}/namespaces/{nsid}/qos").has("put"));
    assertTrue(paths.path("/v1/subsystems/{nqn}/ana/{port}/{group}").has("put"));
    assertTrue(paths.has("/metrics"));
    assertTrue(paths.path("/v1/volumes").isMissingNode(), "a plain target has no volumes");
    // every documented request body names a schema the document has
    for (JsonNode path : paths) {
      for (JsonNode op : path) {
        String ref =
            op.path("requestBody")
                .path("content")
                .path("application/json")
                .path("schema")
                .path("$ref")
                .asText();
        if (!ref.isEmpty()) {
          String name = ref.substring(ref.lastIndexOf('/') + 1);
          assertTrue(doc.path("components").path("schemas").has(name), ref);
        }
      }
    }
  }

  @Test
  void healthAnswersOk() throws Exception {
    Reply reply = send("GET", "/v1/health", null);
    assertEquals(200, reply.status());
    assertEquals("ok", reply.json().get("status").asText());
    assertEquals(
        "application/json; charset=utf-8",
        reply.raw().headers().firstValue("Content-Type").orElseThrow());
  }

  @Test
  void listsSubsystemsWithTheirNamespaces() throws Exception {
    Reply reply = send("GET", "/v1/subsystems", null);
    assertEquals(200, reply.status());
    JsonNode subsystem = reply.json().get(0);
    assertEquals(NQN, subsystem.get("nqn").asText());
    assertEquals("WEFTTEST0001", subsystem.get("serial").asText());
    assertTrue(subsystem.get("allowedHosts").isArray());
    JsonNode ns = namespace(1);
    assertEquals("memory", ns.get("backend").asText());
    assertEquals(MIB, ns.get("sizeBytes").asLong());
    assertEquals(512, ns.get("blockSize").asInt());
  }

  @Test
  void addsAMemoryNamespaceThenRemovesIt() throws Exception {
    Reply added =
        send("POST", "/v1/subsystems/" + encoded(NQN) + "/namespaces", memoryNamespace(2, MIB));
    assertEquals(201, added.status(), added.body());
    assertEquals(2, added.json().get("nsid").asInt());
    assertEquals("memory", added.json().get("backend").asText());
    assertEquals(MIB, added.json().get("sizeBytes").asLong());
    assertEquals(512, added.json().get("blockSize").asInt(), "blockSize defaults to 512");
    assertEquals(MIB, namespace(2).get("sizeBytes").asLong());

    Reply removed = send("DELETE", "/v1/subsystems/" + encoded(NQN) + "/namespaces/2", null);
    assertEquals(204, removed.status(), removed.body());
    assertEquals("", removed.body());
    assertEquals(null, namespace(2));

    assertError(send("DELETE", "/v1/subsystems/" + encoded(NQN) + "/namespaces/2", null), 404, "");
  }

  @Test
  void setsAndLiftsANamespacesQosAndRefusesAnUnknownClass() throws Exception {
    send("POST", "/v1/subsystems/" + encoded(NQN) + "/namespaces", memoryNamespace(4, MIB));
    String qos = "/v1/subsystems/" + encoded(NQN) + "/namespaces/4/qos";
    Reply set =
        send("PUT", qos, "{\"workloadClass\":\"best-effort\",\"readIops\":1000,\"minIops\":100}");
    assertEquals(200, set.status(), set.body());
    assertEquals("best-effort", set.json().path("qos").path("workloadClass").asText());
    assertEquals(1000, namespace(4).path("qos").path("readIops").asLong());
    assertEquals(0, namespace(4).path("qos").path("writeIops").asLong(), "left out: no limit");

    assertError(send("PUT", qos, "{\"workloadClass\":\"gold\"}"), 400, "latency-critical");
    assertError(
        send("PUT", qos, "{\"workloadClass\":\"throughput\",\"readIops\":-5}"), 400, ">= 0");
    assertEquals(
        1000, namespace(4).path("qos").path("readIops").asLong(), "a refusal changes nothing");
    assertError(
        send(
            "PUT",
            "/v1/subsystems/" + encoded(NQN) + "/namespaces/9/qos",
            "{\"workloadClass\":\"throughput\"}"),
        404,
        "no namespace 9");

    Reply lifted = send("DELETE", qos, null);
    assertEquals(200, lifted.status(), lifted.body());
    assertTrue(namespace(4).path("qos").isNull(), namespace(4).toString());
    send("DELETE", "/v1/subsystems/" + encoded(NQN) + "/namespaces/4", null);
  }

  @Test
  void acceptsAnNqnThatIsNotPercentEncoded() throws Exception {
    Reply added = send("POST", "/v1/subsystems/" + NQN + "/namespaces", memoryNamespace(3, MIB));
    assertEquals(201, added.status(), added.body());
    assertEquals(204, send("DELETE", "/v1/subsystems/" + NQN + "/namespaces/3", null).status());
  }

  @Test
  void addsAFileNamespaceUnderTheDataDirectory() throws Exception {
    String body =
        "{\"nsid\":4,\"backend\":\"file\",\"path\":\"ns4.img\",\"sizeBytes\":"
            + (4 * MIB)
            + ",\"blockSize\":4096,\"direct\":false,"
            + "\"uuid\":\"8a6f0e43-5c2e-4f1b-9d4e-2f0c7f1e2a10\"}";
    Reply added = send("POST", "/v1/subsystems/" + encoded(NQN) + "/namespaces", body);
    assertEquals(201, added.status(), added.body());
    assertEquals("file", added.json().get("backend").asText());
    assertEquals(4096, added.json().get("blockSize").asInt());
    assertEquals("8a6f0e43-5c2e-4f1b-9d4e-2f0c7f1e2a10", added.json().get("uuid").asText());
    assertTrue(added.json().get("path").asText().endsWith("ns4.img"));
    assertEquals(
        204, send("DELETE", "/v1/subsystems/" + encoded(NQN) + "/namespaces/4", null).status());
  }

  @Test
  void refusesADuplicateNsidWithConflict() throws Exception {
    assertError(
        send("POST", "/v1/subsystems/" + encoded(NQN) + "/namespaces", memoryNamespace(1, MIB)),
        409,
        "");
  }

  @Test
  void refusesAnUnknownSubsystemWithNotFound() throws Exception {
    assertError(
        send(
            "POST",
            "/v1/subsystems/" + encoded("nqn.2026-11.io.weft:nope") + "/namespaces",
            memoryNamespace(5, MIB)),
        404,
        "");
    assertError(
        send(
            "DELETE",
            "/v1/subsystems/" + encoded("nqn.2026-11.io.weft:nope") + "/namespaces/1",
            null),
        404,
        "");
  }

  @Test
  void refusesAnInvalidNamespaceWithBadRequest() throws Exception {
    String badBlockSize =
        "{\"nsid\":6,\"backend\":\"memory\",\"sizeBytes\":" + MIB + ",\"blockSize\":1000}";
    assertError(
        send("POST", "/v1/subsystems/" + encoded(NQN) + "/namespaces", badBlockSize), 400, "");
    String badBackend = "{\"nsid\":6,\"backend\":\"tape\",\"sizeBytes\":" + MIB + "}";
    assertError(
        send("POST", "/v1/subsystems/" + encoded(NQN) + "/namespaces", badBackend), 400, "");
    assertEquals(null, namespace(6));
  }

  @Test
  void refusesBadJsonWithBadRequest() throws Exception {
    String path = "/v1/subsystems/" + encoded(NQN) + "/namespaces";
    assertError(send("POST", path, "{\"nsid\":7,"), 400, "invalid JSON");
    assertError(send("POST", path, ""), 400, "empty");
    assertError(send("POST", path, "null"), 400, "null");
    assertError(
        send(
            "POST", path, "{\"nsid\":7,\"backend\":\"memory\",\"sizeBytes\":1048576,\"colour\":1}"),
        400,
        "colour");
    assertError(send("POST", path, "{\"nsid\":\"seven\"}"), 400, "nsid");
    assertEquals(null, namespace(7));
  }

  @Test
  void refusesANonNumericNsid() throws Exception {
    assertError(
        send("DELETE", "/v1/subsystems/" + encoded(NQN) + "/namespaces/one", null), 400, "nsid");
  }

  @Test
  void answersUnknownRoutesWithNotFound() throws Exception {
    assertError(send("GET", "/v1/nothing-here", null), 404, "/v1/nothing-here");
    assertError(send("GET", "/", null), 404, "");
  }

  @Test
  void answersAWrongMethodWithMethodNotAllowed() throws Exception {
    Reply reply = send("GET", "/v1/subsystems/" + encoded(NQN) + "/namespaces", null);
    assertError(reply, 405, "GET");
    assertEquals("POST", reply.raw().headers().firstValue("Allow").orElseThrow());
    assertError(send("DELETE", "/v1/health", null), 405, "DELETE");
  }

  @Test
  void listsNoControllersWhileNoHostIsConnected() throws Exception {
    Reply reply = send("GET", "/v1/controllers", null);
    assertEquals(200, reply.status());
    assertTrue(reply.json().isArray());
    assertFalse(reply.json().elements().hasNext());
  }
}
