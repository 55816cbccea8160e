package io.weft.tgt.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RouterTest {
  private final Router.Handler list = request -> AdminResponse.ok("list");
  private final Router.Handler add = request -> AdminResponse.ok("add");
  private final Router.Handler remove = request -> AdminResponse.noContent();
  private final Router router =
      new Router()
          .get("/v1/subsystems", list)
          .post("/v1/subsystems/{nqn}/namespaces", add)
          .delete("/v1/subsystems/{nqn}/namespaces/{nsid}", remove);

  @Test
  void matchesLiteralRoutesIgnoringATrailingSlash() {
    assertSame(list, router.route("GET", "/v1/subsystems").handler());
    assertSame(list, router.route("GET", "/v1/subsystems/").handler());
  }

  @Test
  void percentDecodesParametersButKeepsPlus() {
    Router.Match match =
        router.route("DELETE", "/v1/subsystems/nqn.2026-11.io.weft%3Avol+a%2Fb/namespaces/3");
    assertSame(remove, match.handler());
    assertEquals(Map.of("nqn", "nqn.2026-11.io.weft:vol+a/b", "nsid", "3"), match.params());
  }

  @Test
  void unknownPathIsNotFound() {
    HttpError e = assertThrows(HttpError.class, () -> router.route("GET", "/v1/subsystems/x"));
    assertEquals(404, e.status());
  }

  @Test
  void knownPathWithAnotherMethodIsMethodNotAllowedWithAllow() {
    HttpError e =
        assertThrows(HttpError.class, () -> router.route("PUT", "/v1/subsystems/x/namespaces"));
    assertEquals(405, e.status());
    assertEquals(Map.of("Allow", "POST"), e.headers());
  }

  @Test
  void malformedEscapeIsBadRequest() {
    HttpError e =
        assertThrows(
            HttpError.class, () -> router.route("POST", "/v1/subsystems/bad%zz/namespaces"));
    assertEquals(400, e.status());
  }
}
