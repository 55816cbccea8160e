package io.weft.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An etcd cluster of several members (Debian's etcd-server) on loopback, as a production cluster
 * would run it: every Weft process is given all the members' client URLs ({@link #storeSpec}) and
 * has to fail over by itself when one is stopped with SIGKILL. Each member logs to {@code
 * etcd-mN.log} in the run directory.
 */
final class EtcdMembers implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  private final Path binary;
  private final Path work;
  private final Path logs;
  private final int[] clientPorts;
  private final int[] peerPorts;
  private final Process[] processes;

  private EtcdMembers(Path binary, Path work, Path logs, int size) {
    this.binary = binary;
    this.work = work;
    this.logs = logs;
    int[] ports = Interop.freePorts(2 * size);
    this.clientPorts = Arrays.copyOfRange(ports, 0, size);
    this.peerPorts = Arrays.copyOfRange(ports, size, 2 * size);
    this.processes = new Process[size];
  }

  /** Starts {@code size} members at once and waits until each reports itself healthy. */
  static EtcdMembers start(Path work, Path logs, int size) throws Exception {
    Path binary = Path.of("/usr/bin/etcd");
    if (!Files.isExecutable(binary)) {
      Interop.cannotRun("no etcd (apt-get install etcd-server; bin/test installs it)");
    }
    EtcdMembers members = new EtcdMembers(binary, work, logs, size);
    try {
      for (int i = 0; i < size; i++) {
        members.startMember(i);
      }
      for (int i = 0; i < size; i++) {
        members.awaitHealthy(i, Duration.ofSeconds(30));
      }
    } catch (Exception | Error e) {
      members.close();
      throw e;
    }
    return members;
  }

  int size() {
    return processes.length;
  }

  /** {@code etcd://127.0.0.1:P0,127.0.0.1:P1,...}: every member, as Weft's --store takes them. */
  String storeSpec() {
    List<String> members = new ArrayList<>();
    for (int port : clientPorts) {
      members.add("127.0.0.1:" + port);
    }
    return "etcd://" + String.join(",", members);
  }

  private void startMember(int i) throws IOException {
    List<String> cluster = new ArrayList<>();
    for (int m = 0; m < size(); m++) {
      cluster.add("m" + m + "=http://127.0.0.1:" + peerPorts[m]);
    }
    processes[i] =
        new ProcessBuilder(
                binary.toString(),
                "--name",
                "m" + i,
                "--data-dir",
                work.resolve("etcd-m" + i).toString(),
                "--listen-client-urls",
                "http://127.0.0.1:" + clientPorts[i],
                "--advertise-client-urls",
                "http://127.0.0.1:" + clientPorts[i],
                "--listen-peer-urls",
                "http://127.0.0.1:" + peerPorts[i],
                "--initial-advertise-peer-urls",
                "http://127.0.0.1:" + peerPorts[i],
                "--initial-cluster",
                String.join(",", cluster),
                "--initial-cluster-state",
                "new",
                "--initial-cluster-token",
                "weft-interop")
            .redirectErrorStream(true)
            .redirectOutput(
                ProcessBuilder.Redirect.appendTo(logs.resolve("etcd-m" + i + ".log").toFile()))
            .start();
  }

  /** SIGKILL: the member gets no chance to hand over leadership or close a connection. */
  void kill(int i) throws InterruptedException {
    processes[i].destroyForcibly();
    processes[i].waitFor(10, TimeUnit.SECONDS);
  }

  /** The member that leads now, as the members that answer report it. */
  int leader() throws Exception {
    for (int i = 0; i < size(); i++) {
      if (!processes[i].isAlive()) {
        continue;
      }
      JsonNode status = status(i);
      if (status != null && status.path("leader").asText().equals(memberId(status))) {
        return i;
      }
    }
    throw new IllegalStateException("no etcd member says it leads");
  }

  /** Waits until a member that is still running answers {@code /health} with true. */
  void awaitHealthy(int i, Duration limit) throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    URI health = URI.create("http://127.0.0.1:" + clientPorts[i] + "/health");
    while (true) {
      if (!processes[i].isAlive()) {
        throw new IllegalStateException(
            "etcd member m"
                + i
                + " exited"
                + System.lineSeparator()
                + Interop.tailBlock("etcd log", logs.resolve("etcd-m" + i + ".log"), 20));
      }
      try {
        HttpResponse<String> r =
            HTTP.send(
                HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200
            && JSON.readTree(r.body()).path("health").asText().equals("true")) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("etcd member m" + i + " not healthy after " + limit);
      }
      Thread.sleep(100);
    }
  }

  /** etcd's maintenance status of member {@code i} (its id and the leader's), or null. */
  private JsonNode status(int i) throws InterruptedException {
    try {
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + clientPorts[i] + "/v3/maintenance/status"))
                  .timeout(Duration.ofSeconds(2))
                  .POST(HttpRequest.BodyPublishers.ofString("{}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
    } catch (IOException e) {
      return null;
    }
  }

  private static String memberId(JsonNode status) {
    return status.path("header").path("member_id").asText();
  }

  @Override
  public void close() throws InterruptedException {
    for (Process p : processes) {
      if (p != null) {
        p.destroyForcibly();
      }
    }
    for (Process p : processes) {
      if (p != null) {
        p.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
