package io.weft.tgt.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Map;

/** A routed request: the decoded path parameters and the raw body. */
public record AdminRequest(Map<String, String> params, byte[] body, ObjectMapper json) {

  /** A path parameter named in the route pattern, percent-decoded. */
  public String param(String name) {
    String value = params.get(name);
    if (value == null) {
      throw new IllegalStateException("route has no parameter " + name);
    }
    return value;
  }

  /** A path parameter that must be a non-negative decimal int. */
  int intParam(String name) {
    String value = param(name);
    try {
      int n = Integer.parseInt(value);
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // fall through to the error below
    }
    throw new HttpError(400, name + " must be a non-negative integer, not '" + value + "'");
  }

  /** The body as JSON of the given type; bad or missing JSON becomes a 400. */
  public <T> T body(Class<T> type) throws IOException {
    if (body.length == 0) {
      throw new HttpError(400, "request body is empty; expected JSON");
    }
    T value = json.readValue(body, type);
    if (value == null) {
      throw new HttpError(400, "request body is null; expected a JSON object");
    }
    return value;
  }
}
