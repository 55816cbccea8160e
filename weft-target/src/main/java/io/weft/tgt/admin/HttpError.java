package io.weft.tgt.admin;

import java.util.Map;

/** A request refused at the HTTP level (no route, wrong method, unreadable body). */
public final class HttpError extends RuntimeException {
  private final int status;
  private final Map<String, String> headers;

  public HttpError(int status, String message) {
    this(status, message, Map.of());
  }

  HttpError(int status, String message, Map<String, String> headers) {
    super(message);
    this.status = status;
    this.headers = Map.copyOf(headers);
  }

  int status() {
    return status;
  }

  /** Extra response headers, such as {@code Allow} on a 405. */
  Map<String, String> headers() {
    return headers;
  }
}
