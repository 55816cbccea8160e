package io.weft.tgt.admin;

import java.util.Map;

/**
 * What a handler answers: a status, a body serialized as JSON (none when {@code body} is null; sent
 * as it is when it is {@link Raw}), and any extra headers.
 */
public record AdminResponse(int status, Object body, Map<String, String> headers) {

  public AdminResponse {
    headers = Map.copyOf(headers);
  }

  public static AdminResponse ok(Object body) {
    return new AdminResponse(200, body, Map.of());
  }

  public static AdminResponse created(Object body) {
    return new AdminResponse(201, body, Map.of());
  }

  public static AdminResponse noContent() {
    return new AdminResponse(204, null, Map.of());
  }

  /** A body that is not JSON: its bytes and their content type. */
  public record Raw(byte[] bytes, String contentType) {}

  public static AdminResponse raw(byte[] bytes, String contentType) {
    return new AdminResponse(200, new Raw(bytes, contentType), Map.of());
  }

  public static AdminResponse error(int status, String message, Map<String, String> headers) {
    return new AdminResponse(status, Map.of("error", message == null ? "error" : message), headers);
  }
}
