package io.weft.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.store.embedded.EmbeddedStore;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Storage nodes on one store: identities, and the cluster view on every node's admin API. */
class StorageNodeTest {
  @TempDir Path dir;

  static StorageNode.Config config(String id, String zone, Path dataDir) {
    TargetConfig target =
        new TargetConfig(
            dataDir,
            List.of(ListenerConfig.of("127.0.0.1", 0)),
            List.of(),
            "127.0.0.1:0",
            TuningConfig.defaults().withSpinNanos(0));
    return new StorageNode.Config(
        id, Map.of("zone", zone), 1L << 30, null, Duration.ofSeconds(5), target);
  }

  private static JsonNode get(StorageNode node, String path) throws Exception {
    var a = node.target().adminAddress();
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.getPort() + path))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return new ObjectMapper().readTree(r.body());
  }

  /** The node's OpenAPI document describes every route it serves: the target's and the node's. */
  @Test
  void openApiDescribesEveryRouteANodeServes() throws Exception {
    try (EmbeddedStore store = EmbeddedStore.open(dir.resolve("store"))) {
      StorageNode n1 = StorageNode.start(config("n1", "z1", dir.resolve("n1")), store);
      try {
        JsonNode doc = get(n1, "/v1/openapi.json");
        assertEquals(0, doc.path("x-undocumented").size(), doc.path("x-undocumented").toString());
        JsonNode paths = doc.path("paths");
        for (String[] route :
            new String[][] {
              {"/v1/volumes", "post"},
              {"/v1/volumes/{name}/hosts", "put"},
              {"/v1/volumes/{name}/qos", "put"},
              {"/v1/volumes/{name}/qos", "delete"},
              {"/v1/volumes/{name}/resize", "post"},
              {"/v1/tenants", "post"},
              {"/v1/pools", "get"},
              {"/v1/snapshots", "post"},
              {"/v1/snapshots/{name}", "delete"},
              {"/v1/pools/{name}", "put"},
              {"/v1/tenants/{name}/hosts", "put"},
              {"/v1/tenants/{name}/quota", "put"},
              {"/v1/volumes/{name}/move-owner", "post"},
              {"/v1/nodes", "get"},
              {"/v1/discovery/targets", "post"},
              {"/v1/subsystems", "get"},
              {"/v1/openapi.json", "get"}
            }) {
          assertTrue(paths.path(route[0]).has(route[1]), route[1] + " " + route[0]);
        }
      } finally {
        n1.close();
      }
    }
  }

  @Test
  void everyNodeServesTheWholeClusterView() throws Exception {
    try (EmbeddedStore store = EmbeddedStore.open(dir.resolve("store"))) {
      StorageNode n1 = StorageNode.start(config("n1", "z1", dir.resolve("n1")), store);
      StorageNode n2 = StorageNode.start(config("n2", "z2", dir.resolve("n2")), store);
      try {
        for (StorageNode via : List.of(n1, n2)) {
          JsonNode nodes = get(via, "/v1/nodes");
          assertEquals(2, nodes.size(), nodes.toString());
          assertEquals("n1", nodes.get(0).path("id").asText());
          assertEquals("z2", nodes.get(1).path("zone").asText());
          assertEquals("up", nodes.get(1).path("state").asText());
          assertEquals(1L << 30, nodes.get(0).path("capacityBytes").asLong());
          assertEquals(
              "127.0.0.1:" + n2.target().listenAddresses().get(0).getPort(),
              nodes.get(1).path("address").asText());
        }
      } finally {
        n2.close();
      }
      JsonNode after = get(n1, "/v1/nodes");
      assertEquals("down", after.get(1).path("state").asText());
      n1.close();
    }
  }

  @Test
  void aDataDirectoryServesOneNodeOnly() throws Exception {
    try (EmbeddedStore store = EmbeddedStore.open(dir.resolve("store"))) {
      try (StorageNode n1 = StorageNode.start(config("n1", "z1", dir.resolve("n1")), store)) {
        NodeException running =
            assertThrows(
                NodeException.class,
                () -> StorageNode.start(config("n1", "z1", dir.resolve("n1")), store));
        assertTrue(running.getMessage().contains("another process"), running.getMessage());
      }
      NodeException other =
          assertThrows(
              NodeException.class,
              () -> StorageNode.start(config("n7", "z1", dir.resolve("n1")), store));
      assertTrue(other.getMessage().contains("belongs to node 'n1'"), other.getMessage());
    }
  }
}
