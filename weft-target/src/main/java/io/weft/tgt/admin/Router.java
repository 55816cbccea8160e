package io.weft.tgt.admin;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Maps a method and a path to a handler. Patterns are literal segments and {@code {name}}
 * placeholders, e.g. {@code /v1/subsystems/{nqn}/namespaces/{nsid}}; a placeholder matches one
 * whole segment, percent-decoded. A path no pattern matches is a 404; a path that matches only with
 * other methods is a 405 that lists them in {@code Allow}.
 */
public final class Router {

  /** Serves one route. */
  @FunctionalInterface
  public interface Handler {
    AdminResponse handle(AdminRequest request) throws Exception;
  }

  /** A route that matched, with its path parameters. */
  record Match(Handler handler, Map<String, String> params) {}

  private record Route(String method, List<String> pattern, Handler handler) {}

  private final List<Route> routes = new ArrayList<>();

  Router add(String method, String pattern, Handler handler) {
    routes.add(new Route(method, segments(pattern), handler));
    return this;
  }

  public Router get(String pattern, Handler handler) {
    return add("GET", pattern, handler);
  }

  public Router post(String pattern, Handler handler) {
    return add("POST", pattern, handler);
  }

  public Router put(String pattern, Handler handler) {
    return add("PUT", pattern, handler);
  }

  public Router delete(String pattern, Handler handler) {
    return add("DELETE", pattern, handler);
  }

  /** Every route as {@code METHOD /pattern}, in the order they were added. */
  List<String> routes() {
    List<String> out = new ArrayList<>();
    for (Route r : routes) {
      out.add(r.method() + " /" + String.join("/", r.pattern()));
    }
    return out;
  }

  /**
   * Finds the handler for a request.
   *
   * @param rawPath the path as sent, still percent-encoded
   * @throws HttpError 404, 405 or 400 (a malformed percent escape)
   */
  Match route(String method, String rawPath) {
    List<String> path = segments(rawPath);
    TreeSet<String> allowed = new TreeSet<>();
    for (Route route : routes) {
      Map<String, String> params = match(route.pattern(), path);
      if (params == null) {
        continue;
      }
      if (route.method().equals(method)) {
        return new Match(route.handler(), params);
      }
      allowed.add(route.method());
    }
    if (!allowed.isEmpty()) {
      String allow = String.join(", ", allowed);
      throw new HttpError(
          405,
          "method " + method + " not allowed on " + rawPath + "; allowed: " + allow,
          Map.of("Allow", allow));
    }
    throw new HttpError(404, "no such resource: " + rawPath);
  }

  private static Map<String, String> match(List<String> pattern, List<String> path) {
    if (pattern.size() != path.size()) {
      return null;
    }
    Map<String, String> params = new LinkedHashMap<>();
    for (int i = 0; i < pattern.size(); i++) {
      String p = pattern.get(i);
      if (p.startsWith("{") && p.endsWith("}")) {
        params.put(p.substring(1, p.length() - 1), decode(path.get(i)));
      } else if (!p.equals(path.get(i))) {
        return null;
      }
    }
    return params;
  }

  /** Splits a path into its non-empty segments, so a trailing slash does not matter. */
  private static List<String> segments(String path) {
    List<String> out = new ArrayList<>();
    for (String s : path.split("/")) {
      if (!s.isEmpty()) {
        out.add(s);
      }
    }
    return out;
  }

  /** Percent-decodes one path segment; unlike a query string, '+' stays '+'. */
  static String decode(String segment) {
    try {
      return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new HttpError(400, "malformed percent-encoding in path segment '" + segment + "'");
    }
  }
}
