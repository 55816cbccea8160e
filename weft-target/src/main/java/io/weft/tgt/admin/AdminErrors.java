package io.weft.tgt.admin;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.weft.tgt.TargetException;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that turns a failure into an HTTP answer. Every error body is {@code {"error":
 * "..."}}.
 */
final class AdminErrors {
  private static final Logger log = LoggerFactory.getLogger(AdminErrors.class);

  private AdminErrors() {}

  /** The HTTP status for a management request the target refused. */
  static int status(TargetException.Kind kind) {
    return switch (kind) {
      case NOT_FOUND -> 404;
      case CONFLICT -> 409;
      case INVALID -> 400;
      case BACKEND -> 500;
    };
  }

  /** The answer for anything a handler threw. */
  static AdminResponse toResponse(Throwable e) {
    return switch (e) {
      case TargetException te -> AdminResponse.error(status(te.kind()), te.getMessage(), Map.of());
      case HttpError he -> AdminResponse.error(he.status(), he.getMessage(), he.headers());
      case JacksonException je -> AdminResponse.error(400, describeJson(je), Map.of());
      default -> {
        log.warn("admin request failed", e);
        yield AdminResponse.error(500, "internal error: " + e, Map.of());
      }
    };
  }

  /** A short message for a request body Jackson could not read, without class names. */
  static String describeJson(JacksonException e) {
    String where = e instanceof JsonMappingException jm ? path(jm) : "";
    return switch (e) {
      case UnrecognizedPropertyException u ->
          "unknown field '"
              + u.getPropertyName()
              + "'"
              + (where.contains(".") ? " in " + where.substring(0, where.lastIndexOf('.')) : "")
              + "; known fields: "
              + u.getKnownPropertyIds().stream()
                  .map(String::valueOf)
                  .collect(Collectors.joining(", "));
      case MismatchedInputException m when !where.isEmpty() ->
          "invalid value for '" + where + "': " + m.getOriginalMessage();
      default -> "invalid JSON: " + e.getOriginalMessage();
    };
  }

  private static String path(JsonMappingException e) {
    StringBuilder sb = new StringBuilder();
    for (JsonMappingException.Reference ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        if (!sb.isEmpty()) {
          sb.append('.');
        }
        sb.append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        sb.append('[').append(ref.getIndex()).append(']');
      }
    }
    return sb.toString();
  }
}
