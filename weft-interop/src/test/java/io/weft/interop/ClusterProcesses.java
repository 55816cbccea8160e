package io.weft.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Weft cluster as real processes on loopback: one etcd member (Debian's etcd-server), or the
 * members of {@link EtcdMembers}, and storage nodes ({@code java -jar weft.jar node ...}) that can
 * be killed with SIGKILL and started again on the same data directory. Logs go to the run
 * directory.
 */
final class ClusterProcesses implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /** One node: its id, zone, NVMe/TCP and admin ports, and what it advertises to hosts. */
  record Node(String id, String zone, int port, int adminPort, String advertise) {
    String admin() {
      return "127.0.0.1:" + adminPort;
    }
  }

  private final Path jar;
  private final Path work;
  private final Path logs;
  private final int etcdPort;
  private final int leaseTtlSeconds;
  private final Map<String, Node> nodes = new LinkedHashMap<>();
  private final Map<String, Process> running = new LinkedHashMap<>();
  private final Map<String, Integer> starts = new LinkedHashMap<>();
  private Process etcd;

  /** The store when the cluster runs on etcd members started elsewhere ({@link EtcdMembers}). */
  private String externalStore;

  ClusterProcesses(Path jar, Path work, Path logs, int leaseTtlSeconds) {
    this.jar = jar;
    this.work = work;
    this.logs = logs;
    this.leaseTtlSeconds = leaseTtlSeconds;
    this.etcdPort = Interop.freePort();
  }

  /**
   * A cluster named {@code name} (its work directory) on one etcd member, with nodes {@code ids}
   * started in order, each in a zone of its own ("z" and the id's digits), logs in {@code logs}.
   */
  static ClusterProcesses startLoopback(String name, Path logs, int leaseTtlSeconds, String... ids)
      throws Exception {
    Path work = Interop.newWorkDir(name);
    ClusterProcesses c =
        new ClusterProcesses(
            Files.copy(Interop.weftJar(), work.resolve("weft.jar")), work, logs, leaseTtlSeconds);
    try {
      c.startEtcd();
      for (String id : ids) {
        c.add(id, "z" + id.replaceAll("\\D", ""), null);
        c.start(id);
      }
    } catch (Exception | Error e) {
      c.close();
      throw e;
    }
    return c;
  }

  /**
   * A cluster named {@code name} with no node yet ({@link #add}, {@link #start}), on an etcd
   * cluster that runs already ({@code storeSpec}, e.g. {@link EtcdMembers#storeSpec}).
   */
  static ClusterProcesses onStore(String storeSpec, String name, Path logs, int leaseTtlSeconds)
      throws Exception {
    Path work = Interop.newWorkDir(name);
    ClusterProcesses c =
        new ClusterProcesses(
            Files.copy(Interop.weftJar(), work.resolve("weft.jar")), work, logs, leaseTtlSeconds);
    c.externalStore = storeSpec;
    return c;
  }

  /** The copy of the Weft jar this cluster's processes run. */
  Path jar() {
    return jar;
  }

  Path workDir() {
    return work;
  }

  /**
   * {@code weft volume create --name NAME --size SIZE --replicas N [options]} through {@code via}'s
   * management API; a refusal fails the test with the CLI's output.
   */
  Interop.CommandResult createVolume(
      String via, String name, String size, int replicas, String... options) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "volume",
                "create",
                "--name",
                name,
                "--size",
                size,
                "--replicas",
                Integer.toString(replicas),
                "--admin",
                node(via).admin()));
    args.addAll(List.of(options));
    Interop.CommandResult created = cli(args.toArray(String[]::new));
    if (!created.ok()) {
      throw new AssertionError("volume create refused: " + created.output());
    }
    return created;
  }

  /** Starts one etcd member; without an etcd binary the suite cannot run. */
  void startEtcd() throws Exception {
    Path binary = Path.of("/usr/bin/etcd");
    if (!Files.isExecutable(binary)) {
      Interop.cannotRun("no etcd (apt-get install etcd-server; bin/test installs it)");
    }
    int peer = Interop.freePort();
    etcd =
        new ProcessBuilder(
                binary.toString(),
                "--name",
                "m0",
                "--data-dir",
                work.resolve("etcd").toString(),
                "--listen-client-urls",
                "http://127.0.0.1:" + etcdPort,
                "--advertise-client-urls",
                "http://127.0.0.1:" + etcdPort,
                "--listen-peer-urls",
                "http://127.0.0.1:" + peer,
                "--initial-advertise-peer-urls",
                "http://127.0.0.1:" + peer,
                "--initial-cluster",
                "m0=http://127.0.0.1:" + peer)
            .redirectErrorStream(true)
            .redirectOutput(logs.resolve("etcd.log").toFile())
            .start();
    try {
      awaitPort(etcdPort, Duration.ofSeconds(30), etcd, "etcd");
    } catch (IllegalStateException e) {
      throw new IllegalStateException(
          e.getMessage() + "; etcd.log ends: " + tail(logs.resolve("etcd.log")), e);
    }
  }

  /** The last lines of a log, for a failure message that says why without opening the file. */
  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
    } catch (IOException e) {
      return "(unreadable: " + e.getMessage() + ")";
    }
  }

  String storeSpec() {
    return externalStore != null ? externalStore : "etcd://127.0.0.1:" + etcdPort;
  }

  /** Nodes that also run the discovery service, and its port. */
  private final Map<String, Integer> discovery = new LinkedHashMap<>();

  /** {@code id} runs the cluster's discovery service too ({@code --discovery}); its port. */
  int withDiscovery(String id) {
    return discovery.computeIfAbsent(id, k -> Interop.freePort());
  }

  Node add(String id, String zone, String advertise) {
    int[] ports = Interop.freePorts(2);
    Node n = new Node(id, zone, ports[0], ports[1], advertise);
    nodes.put(id, n);
    return n;
  }

  Node node(String id) {
    return nodes.get(id);
  }

  Path dataDir(String id) {
    return work.resolve(id);
  }

  void start(String id) throws Exception {
    start(id, null);
  }

  /**
   * Starts {@code id} with a failpoint armed ({@code WEFT_FAILPOINT}): the node halts as kill -9
   * would when its work reaches that point. Null arms none.
   */
  void start(String id, String failpoint) throws Exception {
    Node n = nodes.get(id);
    int count = starts.merge(id, 1, Integer::sum);
    List<String> cmd = new ArrayList<>();
    cmd.add(Interop.javaBinary().toString());
    cmd.add("--sun-misc-unsafe-memory-access=allow");
    cmd.add("-jar");
    cmd.add(jar.toString());
    cmd.addAll(
        List.of(
            "node",
            "--id",
            id,
            "--zone",
            n.zone(),
            "--listen",
            "127.0.0.1:" + n.port() + (n.advertise() == null ? "" : ",advertise=" + n.advertise()),
            "--admin",
            n.admin(),
            "--data-dir",
            dataDir(id).toString(),
            "--store",
            storeSpec(),
            "--lease-ttl",
            Integer.toString(leaseTtlSeconds),
            "--spin-us",
            "0"));
    if (discovery.containsKey(id)) {
      cmd.addAll(List.of("--discovery", "127.0.0.1:" + discovery.get(id)));
    }
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(
                ProcessBuilder.Redirect.appendTo(logs.resolve(id + "-" + count + ".log").toFile()));
    if (failpoint != null) {
      pb.environment().put("WEFT_FAILPOINT", failpoint);
    }
    Process p = pb.start();
    running.put(id, p);
    awaitPort(n.port(), Duration.ofSeconds(60), p, id);
    awaitPort(n.adminPort(), Duration.ofSeconds(60), p, id);
  }

  /** Waits for {@code id}'s process to end by itself; its exit code, or -1 if it did not. */
  int awaitExit(String id, Duration limit) throws InterruptedException {
    Process p = running.get(id);
    return p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS) ? p.exitValue() : -1;
  }

  /** SIGKILL: the node gets no chance to revoke its lease or close a connection. */
  void kill(String id) throws InterruptedException {
    Process p = running.get(id);
    p.destroyForcibly();
    p.waitFor(10, TimeUnit.SECONDS);
  }

  /** SIGSTOP: the node is frozen, alive to the kernel (its sockets stay open), silent to all. */
  void freeze(String id) {
    signal(id, "-STOP");
  }

  /** SIGCONT: a frozen node resumes where it stopped, unaware of the time it lost. */
  void thaw(String id) {
    signal(id, "-CONT");
  }

  /** SIGSTOP to etcd: the store stops answering while every connection to it stays open. */
  void freezeStore() {
    signal(etcd.pid(), "-STOP");
  }

  void thawStore() {
    signal(etcd.pid(), "-CONT");
  }

  private void signal(String id, String signal) {
    signal(running.get(id).pid(), signal);
  }

  private static void signal(long pid, String signal) {
    Interop.CommandResult r = Interop.run(List.of("kill", signal, Long.toString(pid)), 10);
    if (!r.ok()) {
      throw new IllegalStateException("kill " + signal + " " + pid + ": " + r.output());
    }
  }

  /** The NVMe/TCP port hosts on this machine reach a node at. */
  int port(String id) {
    return nodes.get(id).port();
  }

  /** {@code java -jar weft.jar ARGS...} (the CLI) and its result. */
  Interop.CommandResult cli(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Interop.javaBinary().toString());
    cmd.add("--sun-misc-unsafe-memory-access=allow");
    cmd.add("-jar");
    cmd.add(jar.toString());
    cmd.addAll(List.of(args));
    return Interop.run(cmd, 120);
  }

  /** GET on a node's admin API, as JSON. */
  JsonNode get(String id, String path) throws IOException, InterruptedException {
    HttpResponse<byte[]> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create("http://" + nodes.get(id).admin() + path))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    if (r.statusCode() != 200) {
      throw new IOException("GET " + path + " on " + id + ": HTTP " + r.statusCode());
    }
    return JSON.readTree(r.body());
  }

  static void awaitPort(int port, Duration limit, Process p, String what) throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    while (true) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
        return;
      } catch (IOException e) {
        if (!p.isAlive()) {
          throw new IllegalStateException(what + " exited with " + p.exitValue());
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(what + " not listening on " + port);
        }
        Thread.sleep(100);
      }
    }
  }

  @Override
  public void close() throws InterruptedException {
    for (Process p : running.values()) {
      p.destroy();
    }
    for (Process p : running.values()) {
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
    if (etcd != null) {
      etcd.destroyForcibly();
      etcd.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
