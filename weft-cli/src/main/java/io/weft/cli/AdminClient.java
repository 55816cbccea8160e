package io.weft.cli;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.weft.node.NodeView;
import io.weft.node.pool.PoolView;
import io.weft.node.snapshot.SnapshotRecord;
import io.weft.node.tenant.TenantView;
import io.weft.node.volume.VolumeService;
import io.weft.node.volume.VolumeView;
import io.weft.tgt.AnaStateInfo;
import io.weft.tgt.ControllerInfo;
import io.weft.tgt.NamespaceInfo;
import io.weft.tgt.SubsystemInfo;
import io.weft.tgt.config.NamespaceConfig;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;

/**
 * A client of a running target's admin HTTP API ({@code io.weft.tgt.admin}). Every failure is an
 * {@link AdminException} whose message is one sentence for a person: the target's own {@code error}
 * text, or why it could not be reached.
 */
public final class AdminClient implements AutoCloseable {
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

  private final HostPort admin;
  private final String base;
  private final HttpClient http;
  private final String token;
  private final ObjectMapper json =
      JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

  /** A client of an open admin API (loopback, plain HTTP, no token). */
  public AdminClient(HostPort admin) {
    this(admin, null, null);
  }

  /**
   * A client of a locked admin API.
   *
   * @param tls HTTPS with this context (its trust decides which server certificates are accepted;
   *     its key, if any, is the client certificate), or null for plain HTTP
   * @param token the bearer token sent with every call, or null
   */
  public AdminClient(HostPort admin, SSLContext tls, String token) {
    this.admin = admin;
    this.base = (tls == null ? "http://" : "https://") + admin;
    this.token = token;
    HttpClient.Builder builder =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(CONNECT_TIMEOUT);
    if (tls != null) {
      builder.sslContext(tls);
    }
    this.http = builder.build();
  }

  /** The request failed; {@link #status()} is the HTTP status, or 0 if there was no answer. */
  public static final class AdminException extends RuntimeException {
    private final int status;

    AdminException(int status, String message, Throwable cause) {
      super(message, cause);
      this.status = status;
    }

    public int status() {
      return status;
    }
  }

  public List<SubsystemInfo> subsystems() {
    return read(send("GET", "/v1/subsystems", null, 200), new TypeReference<>() {});
  }

  public NamespaceInfo addNamespace(String nqn, NamespaceConfig namespace) {
    byte[] body;
    try {
      body = json.writeValueAsBytes(namespace);
    } catch (JacksonException e) {
      throw new IllegalStateException(e);
    }
    String path = "/v1/subsystems/" + segment(nqn) + "/namespaces";
    return read(send("POST", path, body, 201), new TypeReference<>() {});
  }

  /** Grows a namespace online to {@code sizeBytes}. */
  public NamespaceInfo resizeNamespace(String nqn, int nsid, long sizeBytes) {
    String path = "/v1/subsystems/" + segment(nqn) + "/namespaces/" + nsid + "/size";
    return read(
        send("PUT", path, body(java.util.Map.of("sizeBytes", sizeBytes)), 200),
        new TypeReference<>() {});
  }

  public void removeNamespace(String nqn, int nsid) {
    send("DELETE", "/v1/subsystems/" + segment(nqn) + "/namespaces/" + nsid, null, 204);
  }

  public List<ControllerInfo> controllers() {
    return read(send("GET", "/v1/controllers", null, 200), new TypeReference<>() {});
  }

  public List<AnaStateInfo> anaStates(String nqn) {
    return read(
        send("GET", "/v1/subsystems/" + segment(nqn) + "/ana", null, 200),
        new TypeReference<>() {});
  }

  public AnaStateInfo setAnaState(String nqn, int port, int group, String state) {
    byte[] body;
    try {
      body = json.writeValueAsBytes(java.util.Map.of("state", state));
    } catch (JacksonException e) {
      throw new IllegalStateException(e);
    }
    String path = "/v1/subsystems/" + segment(nqn) + "/ana/" + port + "/" + group;
    return read(send("PUT", path, body, 200), new TypeReference<>() {});
  }

  public List<VolumeView> volumes() {
    return read(send("GET", "/v1/volumes", null, 200), new TypeReference<>() {});
  }

  public VolumeView volume(String name) {
    return read(send("GET", "/v1/volumes/" + segment(name), null, 200), new TypeReference<>() {});
  }

  public VolumeView createVolume(VolumeService.CreateRequest request) {
    return read(send("POST", "/v1/volumes", body(request), 201), new TypeReference<>() {});
  }

  public void deleteVolume(String name) {
    send("DELETE", "/v1/volumes/" + segment(name), null, 204);
  }

  public VolumeView moveOwner(String name, String to) {
    String path = "/v1/volumes/" + segment(name) + "/move-owner";
    return read(
        send("POST", path, body(java.util.Map.of("to", to)), 200), new TypeReference<>() {});
  }

  public VolumeView setVolumeHosts(String name, List<String> hosts) {
    return setVolumeHosts(name, hosts, List.of());
  }

  /** The allowed hosts of a volume, {@code readOnly} of them readers (ROX). */
  public VolumeView setVolumeHosts(String name, List<String> hosts, List<String> readOnly) {
    String path = "/v1/volumes/" + segment(name) + "/hosts";
    return read(
        send(
            "PUT",
            path,
            body(java.util.Map.of("allowedHosts", hosts, "readOnlyHosts", readOnly)),
            200),
        new TypeReference<>() {});
  }

  public TenantView createTenant(String name, long quotaBytes, List<String> hosts) {
    return read(
        send(
            "POST",
            "/v1/tenants",
            body(java.util.Map.of("name", name, "quotaBytes", quotaBytes, "hosts", hosts)),
            201),
        new TypeReference<>() {});
  }

  public List<TenantView> tenants() {
    return read(send("GET", "/v1/tenants", null, 200), new TypeReference<>() {});
  }

  public TenantView tenant(String name) {
    return read(send("GET", "/v1/tenants/" + segment(name), null, 200), new TypeReference<>() {});
  }

  public TenantView setTenantHosts(String name, List<String> hosts) {
    return read(
        send(
            "PUT",
            "/v1/tenants/" + segment(name) + "/hosts",
            body(java.util.Map.of("hosts", hosts)),
            200),
        new TypeReference<>() {});
  }

  public TenantView setTenantQuota(String name, long quotaBytes) {
    return read(
        send(
            "PUT",
            "/v1/tenants/" + segment(name) + "/quota",
            body(java.util.Map.of("quotaBytes", quotaBytes)),
            200),
        new TypeReference<>() {});
  }

  public void deleteTenant(String name) {
    send("DELETE", "/v1/tenants/" + segment(name), null, 204);
  }

  /** Takes a snapshot; answers once it is ready. */
  public SnapshotRecord createSnapshot(String name, String volume) {
    return read(
        send("POST", "/v1/snapshots", body(java.util.Map.of("name", name, "volume", volume)), 201),
        new TypeReference<>() {});
  }

  public List<SnapshotRecord> snapshots() {
    return read(send("GET", "/v1/snapshots", null, 200), new TypeReference<>() {});
  }

  public void deleteSnapshot(String name) {
    send("DELETE", "/v1/snapshots/" + segment(name), null, 204);
  }

  public List<PoolView> pools() {
    return read(send("GET", "/v1/pools", null, 200), new TypeReference<>() {});
  }

  public PoolView setPool(String name, double overcommitRatio) {
    return read(
        send(
            "PUT",
            "/v1/pools/" + segment(name),
            body(java.util.Map.of("overcommitRatio", overcommitRatio)),
            200),
        new TypeReference<>() {});
  }

  /** Grows a volume online to {@code sizeBytes}. */
  public VolumeView resizeVolume(String name, long sizeBytes) {
    String path = "/v1/volumes/" + segment(name) + "/resize";
    return read(
        send("POST", path, body(java.util.Map.of("sizeBytes", sizeBytes)), 200),
        new TypeReference<>() {});
  }

  /** Sets a volume's QoS, or with null lifts it. */
  public VolumeView setVolumeQos(String name, io.weft.tgt.qos.QosPolicy policy) {
    String path = "/v1/volumes/" + segment(name) + "/qos";
    return read(
        policy == null ? send("DELETE", path, null, 200) : send("PUT", path, body(policy), 200),
        new TypeReference<>() {});
  }

  private byte[] body(Object value) {
    try {
      return json.writeValueAsBytes(value);
    } catch (JacksonException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Everything the cluster's discovery service lists, each with its source and health. */
  public List<io.weft.node.discovery.DiscoveryResource.EntryView> discoveryEntries() {
    return read(send("GET", "/v1/discovery/entries", null, 200), new TypeReference<>() {});
  }

  public io.weft.node.discovery.DiscoveryResource.TargetView registerTarget(
      io.weft.node.discovery.DiscoveryResource.Registration registration) {
    return read(
        send("POST", "/v1/discovery/targets", body(registration), 201), new TypeReference<>() {});
  }

  public void deregisterTarget(String id) {
    send("DELETE", "/v1/discovery/targets/" + segment(id), null, 204);
  }

  public List<io.weft.tgt.HostInfo> hosts(String nqn) {
    return read(
        send("GET", "/v1/subsystems/" + segment(nqn) + "/hosts", null, 200),
        new TypeReference<>() {});
  }

  /** Allows a host; the secrets (DHHC-1 and NVMeTLSkey-1 text) may be null. */
  public io.weft.tgt.HostInfo addHost(
      String nqn, String host, String secret, String ctrlSecret, String tlsKey) {
    java.util.Map<String, String> b = new java.util.HashMap<>();
    b.put("nqn", host);
    b.put("dhchapSecret", secret);
    b.put("dhchapCtrlSecret", ctrlSecret);
    b.put("tlsKey", tlsKey);
    return read(
        send("POST", "/v1/subsystems/" + segment(nqn) + "/hosts", body(b), 201),
        new TypeReference<>() {});
  }

  public void removeHost(String nqn, String host) {
    send("DELETE", "/v1/subsystems/" + segment(nqn) + "/hosts/" + segment(host), null, 204);
  }

  public io.weft.tgt.HostInfo rotateHostKey(
      String nqn, String host, String secret, String ctrlSecret, String tlsKey, long graceSeconds) {
    java.util.Map<String, Object> b = new java.util.HashMap<>();
    b.put("dhchapSecret", secret);
    b.put("dhchapCtrlSecret", ctrlSecret);
    b.put("tlsKey", tlsKey);
    b.put("graceSeconds", graceSeconds);
    String path = "/v1/subsystems/" + segment(nqn) + "/hosts/" + segment(host) + "/rotate-key";
    return read(send("POST", path, body(b), 200), new TypeReference<>() {});
  }

  /** The cluster's nodes (a storage node's admin API; a plain target has none). */
  /** The target's metrics, in Prometheus' text format. */
  public String metrics() {
    return new String(send("GET", "/metrics", null, 200), StandardCharsets.UTF_8);
  }

  public List<NodeView> nodes() {
    return read(send("GET", "/v1/nodes", null, 200), new TypeReference<>() {});
  }

  @Override
  public void close() {
    http.close();
  }

  private static String segment(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private byte[] send(String method, String path, byte[] body, int expected) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(REQUEST_TIMEOUT)
            .header("Accept", "application/json")
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(body));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    HttpResponse<byte[]> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (HttpConnectTimeoutException e) {
      throw unreachable("the connection timed out", e);
    } catch (HttpTimeoutException e) {
      throw new AdminException(
          0, "the admin API at " + admin + " did not answer " + method + " " + path, e);
    } catch (ConnectException e) {
      throw unreachable("connection refused", e);
    } catch (SSLHandshakeException e) {
      throw new AdminException(
          0,
          "TLS with the admin API at "
              + admin
              + " failed: "
              + Errors.describe(e)
              + " (is its certificate signed by the CA given with --cacert?)",
          e);
    } catch (IOException e) {
      throw unreachable(
          Errors.describe(e)
              + (base.startsWith("http:") ? "; if it serves HTTPS, give --cacert" : ""),
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AdminException(0, "interrupted", e);
    }
    if (response.statusCode() != expected) {
      throw new AdminException(response.statusCode(), errorText(response), null);
    }
    return response.body();
  }

  private AdminException unreachable(String why, Throwable cause) {
    return new AdminException(
        0,
        "cannot reach the admin API at "
            + admin
            + " ("
            + why
            + "); is 'weft target' running there? (--admin HOST:PORT)",
        cause);
  }

  /** The target's {@code {"error": ...}} text, or what came instead. */
  private String errorText(HttpResponse<byte[]> response) {
    int status = response.statusCode();
    try {
      JsonNode error = json.readTree(response.body()).get("error");
      if (error != null && error.isTextual()) {
        return error.asText() + " (HTTP " + status + ")";
      }
    } catch (IOException notJson) {
      // fall through: not our API's error body
    }
    return "unexpected HTTP " + status + " from " + admin + "; is it a Weft admin API?";
  }

  private <T> T read(byte[] body, TypeReference<T> type) {
    try {
      return json.readValue(body, type);
    } catch (IOException e) {
      throw new AdminException(
          0, "unexpected answer from " + admin + "; is it a Weft admin API?", e);
    }
  }

  /** Pretty JSON of what the API returned, for {@code -o json}. */
  String toJson(Object value) {
    try {
      return json.writerWithDefaultPrettyPrinter().writeValueAsString(value);
    } catch (JacksonException e) {
      throw new IllegalStateException(e);
    }
  }
}
