package io.weft.store.etcd;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Real etcd members (Debian's etcd-server) on loopback ports for tests: one member or a cluster of
 * several, each with its own data directory and log. Members can be killed (SIGKILL) and started
 * again. Without an etcd binary the tests are skipped, or fail when {@code CI} is set.
 */
final class EtcdCluster implements AutoCloseable {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  private record Member(
      String name, int clientPort, int peerPort, int metricsPort, Path dataDir, Path log) {}

  private final Path etcd;
  private final List<Member> members = new ArrayList<>();
  private final Process[] processes;

  /**
   * With TLS on the client port: the directory of make-test-pki.sh's files (etcd presents
   * server.pem and demands a client certificate signed by ca.pem); null for plain HTTP.
   */
  private final Path pki;

  private EtcdCluster(Path etcd, Path dir, int size, Path pki) {
    this.etcd = etcd;
    this.pki = pki;
    this.processes = new Process[size];
    for (int i = 0; i < size; i++) {
      members.add(
          new Member(
              "m" + i,
              freePort(),
              freePort(),
              freePort(),
              dir.resolve("m" + i),
              dir.resolve("m" + i + ".log")));
    }
  }

  /** Starts {@code size} members in {@code dir} and waits until the cluster answers. */
  static EtcdCluster start(Path dir, int size) throws Exception {
    return start(dir, size, null);
  }

  /**
   * As {@link #start(Path, int)}; with a non-null {@code pki} its clients must use TLS and present
   * a certificate (its health is then read on a plain metrics port).
   */
  static EtcdCluster start(Path dir, int size, Path pki) throws Exception {
    Path etcd = findEtcd();
    EtcdCluster c = new EtcdCluster(etcd, dir, size, pki);
    for (int i = 0; i < size; i++) {
      c.startMember(i);
    }
    for (int i = 0; i < size; i++) {
      c.awaitHealthy(i, Duration.ofSeconds(30));
    }
    return c;
  }

  private static Path findEtcd() {
    for (String candidate : List.of("/usr/bin/etcd", "/usr/local/bin/etcd")) {
      if (Files.isExecutable(Path.of(candidate))) {
        return Path.of(candidate);
      }
    }
    String why = "no etcd binary (install Debian's etcd-server; bin/test does)";
    if (System.getenv("CI") != null) {
      Assertions.fail(why);
    }
    Assumptions.abort(why);
    return null;
  }

  List<URI> endpoints() {
    String scheme = pki == null ? "http" : "https";
    return members.stream()
        .map(m -> URI.create(scheme + "://127.0.0.1:" + m.clientPort()))
        .toList();
  }

  URI endpoint(int member) {
    return endpoints().get(member);
  }

  void startMember(int i) throws IOException {
    Member m = members.get(i);
    StringBuilder initial = new StringBuilder();
    for (Member other : members) {
      if (!initial.isEmpty()) {
        initial.append(',');
      }
      initial.append(other.name()).append("=http://127.0.0.1:").append(other.peerPort());
    }
    boolean fresh = !Files.exists(m.dataDir());
    String scheme = pki == null ? "http" : "https";
    List<String> cmd =
        new ArrayList<>(
            List.of(
                etcd.toString(),
                "--name",
                m.name(),
                "--data-dir",
                m.dataDir().toString(),
                "--listen-client-urls",
                scheme + "://127.0.0.1:" + m.clientPort(),
                "--advertise-client-urls",
                scheme + "://127.0.0.1:" + m.clientPort(),
                "--listen-peer-urls",
                "http://127.0.0.1:" + m.peerPort(),
                "--initial-advertise-peer-urls",
                "http://127.0.0.1:" + m.peerPort(),
                "--initial-cluster",
                initial.toString(),
                "--initial-cluster-state",
                fresh ? "new" : "existing",
                "--initial-cluster-token",
                "weft-test",
                // Fast elections for tests on a loaded 2-CPU machine, still well above a round
                // trip.
                "--heartbeat-interval",
                "100",
                "--election-timeout",
                "1000"));
    if (pki != null) {
      cmd.addAll(
          List.of(
              "--cert-file",
              pki.resolve("server.pem").toString(),
              "--key-file",
              pki.resolve("server.key").toString(),
              "--trusted-ca-file",
              pki.resolve("ca.pem").toString(),
              "--client-cert-auth",
              "--listen-metrics-urls",
              "http://127.0.0.1:" + m.metricsPort()));
    }
    processes[i] =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(m.log().toFile()))
            .start();
  }

  /** SIGKILL of one member: its process is gone, its data stays. */
  void kill(int i) throws InterruptedException {
    processes[i].destroyForcibly();
    processes[i].waitFor(10, TimeUnit.SECONDS);
  }

  boolean isAlive(int i) {
    return processes[i] != null && processes[i].isAlive();
  }

  void awaitHealthy(int i, Duration limit) throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    URI health =
        pki == null
            ? URI.create(endpoint(i) + "/health")
            : URI.create("http://127.0.0.1:" + members.get(i).metricsPort() + "/health");
    while (true) {
      if (!processes[i].isAlive()) {
        throw new IllegalStateException(
            "etcd member " + i + " exited: " + Files.readString(members.get(i).log()));
      }
      try {
        HttpResponse<String> r =
            HTTP.send(
                HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200 && r.body().contains("\"health\":\"true\"")) {
          return;
        }
      } catch (IOException e) {
        // not up yet
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "etcd member " + i + " not healthy after " + limit.toSeconds() + " s");
      }
      Thread.sleep(100);
    }
  }

  @Override
  public void close() throws InterruptedException {
    for (int i = 0; i < processes.length; i++) {
      if (processes[i] != null) {
        kill(i);
      }
    }
  }

  /** Ports handed out in this JVM: the kernel may offer a just-closed port again. */
  private static final java.util.Set<Integer> HANDED_OUT =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * A loopback port that was free a moment ago and that no other member of any cluster in this JVM
   * was given: each member needs three, and etcd fails at once ("address already in use") if two of
   * them are the same port, as happened once in CI.
   */
  private static int freePort() {
    while (true) {
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        if (HANDED_OUT.add(s.getLocalPort())) {
          return s.getLocalPort();
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
