package io.weft.tgt.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.weft.tgt.Target;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The target's HTTP management interface (see the package documentation for the API). Runs on the
 * JDK's built-in HTTP server with a small pool of its own threads, so a slow management call (say,
 * creating a file backend) never touches an I/O event loop.
 */
public final class AdminServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

  /** Management bodies are a few hundred bytes; anything much larger is a mistake. */
  static final int MAX_BODY_BYTES = 1 << 20;

  private static final int THREADS = 2;

  private final HttpServer server;
  private final ExecutorService executor;
  private final Router router;
  private final ObjectMapper json;
  private final AdminAccess access;
  private final AuditLog audit;
  private final AtomicBoolean closed = new AtomicBoolean();

  private AdminServer(
      HttpServer server,
      ExecutorService executor,
      Router router,
      AdminAccess access,
      AuditLog audit) {
    this.server = server;
    this.executor = executor;
    this.router = router;
    this.access = access;
    this.audit = audit;
    this.json =
        JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
  }

  /**
   * Binds {@code host:port} (port 0 picks a free one) and starts serving.
   *
   * @throws BindException if the address is in use or cannot be bound
   */
  public static AdminServer start(Target target, String host, int port) throws IOException {
    return start(target, host, port, List.of());
  }

  /**
   * As {@link #start(Target, String, int)}, serving {@code extra} resources beside the target's
   * own.
   */
  public static AdminServer start(Target target, String host, int port, List<AdminResource> extra)
      throws IOException {
    return start(target, host, port, extra, AdminAccess.open(), null);
  }

  /**
   * As {@link #start(Target, String, int, List)}, with TLS and authentication as {@code access}
   * says, and every mutating call written to {@code audit} (null: no audit log). The server owns
   * the audit log from here on and closes it.
   */
  public static AdminServer start(
      Target target,
      String host,
      int port,
      List<AdminResource> extra,
      AdminAccess access,
      AuditLog audit)
      throws IOException {
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(access, "access");
    InetSocketAddress bindAddress = new InetSocketAddress(host, port);
    if (bindAddress.isUnresolved()) {
      throw new BindException("admin interface: cannot resolve host '" + host + "'");
    }
    Router router = new Router();
    for (AdminResource resource : resources(target)) {
      resource.register(router);
    }
    for (AdminResource resource : extra) {
      resource.register(router);
    }
    new OpenApiResource(router).register(router);
    HttpServer server;
    try {
      server =
          access.tls() == null ? HttpServer.create(bindAddress, 0) : https(bindAddress, access);
    } catch (BindException e) {
      BindException wrapped =
          new BindException(
              "admin interface: cannot bind " + host + ":" + port + ": " + e.getMessage());
      wrapped.initCause(e);
      throw wrapped;
    }
    ExecutorService executor = Executors.newFixedThreadPool(THREADS, threadFactory());
    AdminServer admin = new AdminServer(server, executor, router, access, audit);
    server.createContext("/", admin::handle);
    server.setExecutor(executor);
    server.start();
    log.info(
        "admin interface on {}://{} ({}){}",
        admin.scheme(),
        hostPort(admin.address()),
        access.describe(),
        audit == null ? "" : "; mutating calls audited in " + audit.file());
    return admin;
  }

  /** An HTTPS server: TLS 1.3 or 1.2, with client certificates demanded when configured. */
  private static HttpServer https(InetSocketAddress bindAddress, AdminAccess access)
      throws IOException {
    HttpsServer server = HttpsServer.create(bindAddress, 0);
    SSLContext context = access.tls();
    server.setHttpsConfigurator(
        new HttpsConfigurator(context) {
          @Override
          public void configure(HttpsParameters params) {
            SSLParameters p = context.getDefaultSSLParameters();
            p.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
            p.setNeedClientAuth(access.clientCertificates());
            params.setSSLParameters(p);
          }
        });
    return server;
  }

  /** {@code https} with TLS, else {@code http}. */
  public String scheme() {
    return access.tls() == null ? "http" : "https";
  }

  /** How callers authenticate, for the banner (never the token itself). */
  public String authentication() {
    return access.describe();
  }

  /** Every resource the API serves; a new resource is one more entry here. */
  private static List<AdminResource> resources(Target target) {
    return List.of(
        new HealthResource(),
        new SubsystemsResource(target),
        new NamespacesResource(target),
        new ControllersResource(target),
        new AnaResource(target),
        new HostsResource(target),
        new MetricsResource(target.metrics()));
  }

  /** The bound address, with the actual port when 0 was asked for. */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  /**
   * Stops accepting requests and gives the ones in flight up to a second to finish (returning at
   * once when there are none). Idempotent.
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      server.stop(1);
      executor.shutdown();
      if (audit != null) {
        audit.close();
      }
    }
  }

  private void handle(HttpExchange exchange) {
    String method = exchange.getRequestMethod();
    String who = "unauthenticated";
    int status = 500;
    boolean recorded = false;
    try (exchange) {
      AdminResponse response;
      try {
        // The body is read (bounded) before anything is refused: a refusal that leaves it unread
        // makes the server drop the connection under a client that may already be reusing it.
        byte[] body = readBody(exchange.getRequestBody());
        who = access.authenticate(exchange);
        Router.Match match =
            router.route(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath());
        response = match.handler().handle(new AdminRequest(match.params(), body, json));
      } catch (Exception e) {
        response = AdminErrors.toResponse(e);
      }
      status = response.status();
      // Recorded before the answer goes out: a client that has its answer, and makes its next
      // call, finds this one in the log first.
      recorded = true;
      record(exchange, method, who, status);
      send(exchange, response);
    } catch (IOException | RuntimeException e) {
      log.debug(
          "admin: could not answer {} {}",
          exchange.getRequestMethod(),
          exchange.getRequestURI(),
          e);
    } finally {
      if (!recorded) {
        record(exchange, method, who, status);
      }
    }
  }

  /** Writes a mutating call to the audit log, if there is one. */
  private void record(HttpExchange exchange, String method, String who, int status) {
    if (audit != null && AuditLog.audited(method)) {
      // The path only: bodies may carry secrets, and the query string is not the API's.
      audit.record(
          who, exchange.getRemoteAddress(), method, exchange.getRequestURI().getRawPath(), status);
    }
  }

  private static byte[] readBody(InputStream in) throws IOException {
    byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
    if (body.length > MAX_BODY_BYTES) {
      throw new HttpError(413, "request body larger than " + MAX_BODY_BYTES + " bytes");
    }
    return body;
  }

  private void send(HttpExchange exchange, AdminResponse response) throws IOException {
    byte[] bytes = null;
    String contentType = "application/json; charset=utf-8";
    if (response.body() instanceof AdminResponse.Raw raw) {
      bytes = raw.bytes();
      contentType = raw.contentType();
    } else if (response.body() != null) {
      try {
        bytes = json.writeValueAsBytes(response.body());
      } catch (JsonProcessingException e) {
        log.warn("admin: could not serialize the response to {}", exchange.getRequestURI(), e);
        response = AdminResponse.error(500, "internal error: unserializable response", Map.of());
        bytes = json.writeValueAsBytes(response.body());
      }
    }
    response.headers().forEach(exchange.getResponseHeaders()::set);
    if (bytes == null) {
      exchange.sendResponseHeaders(response.status(), -1);
      return;
    }
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.sendResponseHeaders(response.status(), bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static ThreadFactory threadFactory() {
    AtomicInteger n = new AtomicInteger();
    return runnable -> {
      Thread t = new Thread(runnable, "weft-admin-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  private static String hostPort(InetSocketAddress address) {
    String host = address.getAddress().getHostAddress();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
  }
}
