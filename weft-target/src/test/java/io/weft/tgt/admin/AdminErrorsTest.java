package io.weft.tgt.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.tgt.TargetException;
import io.weft.tgt.TargetException.Kind;
import io.weft.tgt.config.NamespaceConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdminErrorsTest {

  @Test
  void mapsEveryTargetExceptionKind() {
    Map<Kind, Integer> expected =
        Map.of(Kind.NOT_FOUND, 404, Kind.CONFLICT, 409, Kind.INVALID, 400, Kind.BACKEND, 500);
    for (Kind kind : Kind.values()) {
      assertEquals(expected.get(kind), AdminErrors.status(kind), kind.name());
      AdminResponse response = AdminErrors.toResponse(new TargetException(kind, "why"));
      assertEquals(expected.get(kind), response.status());
      assertEquals(Map.of("error", "why"), response.body());
    }
  }

  @Test
  void unknownFieldNamesTheFieldWithoutClassNames() {
    JacksonException e =
        readFailure("{\"nsid\":1,\"sizeBytes\":1,\"bogus\":true}", NamespaceConfig.class);
    AdminResponse response = AdminErrors.toResponse(e);
    assertEquals(400, response.status());
    String message = ((Map<?, ?>) response.body()).get("error").toString();
    assertTrue(message.startsWith("unknown field 'bogus'"), message);
    assertTrue(message.contains("sizeBytes"), message);
    assertTrue(!message.contains("io.weft"), message);
  }

  @Test
  void unexpectedExceptionIsAnInternalError() {
    assertEquals(500, AdminErrors.toResponse(new IllegalStateException("boom")).status());
  }

  private static JacksonException readFailure(String body, Class<?> type) {
    try {
      new ObjectMapper().readValue(body, type);
    } catch (JacksonException e) {
      return e;
    }
    throw new AssertionError("expected a JSON error for " + body);
  }
}
