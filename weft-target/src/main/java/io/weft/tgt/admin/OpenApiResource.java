package io.weft.tgt.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code GET /v1/openapi.json}: the management API as an OpenAPI 3.0 document, cut to the routes
 * this process serves (a plain target has no volumes; a node without a discovery service has no
 * discovery routes). One document in the jar describes every route of Weft; a route served here
 * that it does not describe is listed under {@code x-undocumented}, which tests keep empty.
 */
final class OpenApiResource implements AdminResource {
  private static final String DOCUMENT = "openapi.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Router router;

  OpenApiResource(Router router) {
    this.router = router;
  }

  @Override
  public void register(Router r) {
    r.get("/v1/openapi.json", request -> AdminResponse.ok(document()));
  }

  /** The document for the routes the router has now. */
  JsonNode document() {
    ObjectNode doc = (ObjectNode) full();
    Set<String> served = new HashSet<>(router.routes());
    Set<String> documented = new HashSet<>();
    ObjectNode paths = (ObjectNode) doc.path("paths");
    Iterator<Map.Entry<String, JsonNode>> it = paths.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> path = it.next();
      ObjectNode ops = (ObjectNode) path.getValue();
      for (String method : List.copyOf(iterable(ops.fieldNames()))) {
        String route = method.toUpperCase(Locale.ROOT) + " " + path.getKey();
        documented.add(route);
        if (!served.contains(route)) {
          ops.remove(method);
        }
      }
      if (ops.isEmpty()) {
        it.remove();
      }
    }
    ArrayNode missing = doc.putArray("x-undocumented");
    router.routes().stream().filter(r -> !documented.contains(r)).forEach(missing::add);
    return doc;
  }

  private static List<String> iterable(Iterator<String> names) {
    List<String> out = new java.util.ArrayList<>();
    names.forEachRemaining(out::add);
    return out;
  }

  /** The whole document, read from the jar each time (it is small, and asked for rarely). */
  private static JsonNode full() {
    try (InputStream in = OpenApiResource.class.getResourceAsStream(DOCUMENT)) {
      if (in == null) {
        throw new IllegalStateException(DOCUMENT + " is missing from the jar");
      }
      return JSON.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
