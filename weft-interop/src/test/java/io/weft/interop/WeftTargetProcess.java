package io.weft.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Weft target as a child process: {@code java -jar weft.jar target ...} on the JVM running the
 * tests. Each start gets its own log file (target-1.log, target-2.log, ...); stop is SIGTERM
 * ({@link Process#destroy()}) and reports the exit status.
 */
final class WeftTargetProcess implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * What to run: the subsystem, its file namespace, the listener and the admin API; or, when {@code
   * configFile} is set, the subsystems and listeners of that YAML file (whose listener must be
   * 127.0.0.1:{@code port}) with only the data dir and admin API from here.
   */
  record Config(
      Path jar,
      String nqn,
      String model,
      String serial,
      Path file,
      String size,
      List<String> allowedHosts,
      Path dataDir,
      int port,
      String advertise,
      int adminPort,
      Path logDir,
      Path configFile) {
    Config(
        Path jar,
        String nqn,
        String model,
        String serial,
        Path file,
        String size,
        List<String> allowedHosts,
        Path dataDir,
        int port,
        String advertise,
        int adminPort,
        Path logDir) {
      this(
          jar,
          nqn,
          model,
          serial,
          file,
          size,
          allowedHosts,
          dataDir,
          port,
          advertise,
          adminPort,
          logDir,
          null);
    }

    /** A target whose subsystems come from a YAML configuration file. */
    static Config fromFile(
        Path jar, Path configFile, int port, int adminPort, Path dataDir, Path logDir) {
      return new Config(
          jar,
          null,
          null,
          null,
          null,
          null,
          List.of(),
          dataDir,
          port,
          null,
          adminPort,
          logDir,
          configFile);
    }
  }

  private final Config config;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final List<Path> logs = new ArrayList<>();
  private Process process;
  private List<String> jvmOptions = List.of();
  private List<String> targetOptions = List.of();

  WeftTargetProcess(Config config) {
    this.config = config;
  }

  Config config() {
    return config;
  }

  /** JVM options for the target's next start (e.g. a fixed heap, so leaks show in its size). */
  WeftTargetProcess jvmOptions(String... options) {
    this.jvmOptions = List.of(options);
    return this;
  }

  /** More {@code weft target} flags for the next start (e.g. {@code --io-engine io_uring}). */
  WeftTargetProcess targetOptions(List<String> options) {
    this.targetOptions = List.copyOf(options);
    return this;
  }

  String adminAddress() {
    return "127.0.0.1:" + config.adminPort();
  }

  List<Path> logs() {
    return List.copyOf(logs);
  }

  Path currentLog() {
    return logs.isEmpty() ? null : logs.get(logs.size() - 1);
  }

  boolean isAlive() {
    return process != null && process.isAlive();
  }

  long pid() {
    return process.pid();
  }

  List<String> command() {
    List<String> cmd = new ArrayList<>();
    cmd.add(Interop.javaBinary().toString());
    cmd.addAll(jvmOptions);
    cmd.add("-jar");
    cmd.add(config.jar().toString());
    cmd.add("target");
    if (config.configFile() != null) {
      cmd.add("--config");
      cmd.add(config.configFile().toString());
      addCommon(cmd);
      return cmd;
    }
    cmd.add("--listen");
    cmd.add("127.0.0.1:" + config.port() + ",advertise=" + config.advertise());
    cmd.add("--nqn");
    cmd.add(config.nqn());
    cmd.add("--model");
    cmd.add(config.model());
    cmd.add("--serial");
    cmd.add(config.serial());
    cmd.add("--file");
    cmd.add(config.file().toString());
    cmd.add("--size");
    cmd.add(config.size());
    for (String host : config.allowedHosts()) {
      cmd.add("--allow-host");
      cmd.add(host);
    }
    addCommon(cmd);
    return cmd;
  }

  private void addCommon(List<String> cmd) {
    cmd.add("--data-dir");
    cmd.add(config.dataDir().toString());
    cmd.add("--admin");
    cmd.add(adminAddress());
    cmd.add("--spin-us");
    cmd.add("0");
    cmd.addAll(targetOptions);
  }

  /**
   * Starts the target and waits until both its NVMe/TCP port and its admin port accept connections.
   *
   * @throws IllegalStateException if it exits or is not listening within {@code limit}
   */
  void start(Duration limit) {
    if (isAlive()) {
      throw new IllegalStateException("target already running");
    }
    Path log = config.logDir().resolve("target-" + (logs.size() + 1) + ".log");
    logs.add(log);
    List<String> cmd = command();
    try {
      Files.createDirectories(config.dataDir());
      Files.writeString(log, "# " + String.join(" ", cmd) + System.lineSeparator());
      process =
          new ProcessBuilder(cmd)
              .directory(config.dataDir().toFile())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the target: " + cmd, e);
    }
    long deadline = System.nanoTime() + limit.toNanos();
    while (!(accepts(config.port()) && accepts(config.adminPort()))) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "target exited with "
                + process.exitValue()
                + " before listening"
                + System.lineSeparator()
                + Interop.tailBlock("target log", log, 40));
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "target not listening on 127.0.0.1:"
                + config.port()
                + " and "
                + adminAddress()
                + " after "
                + limit.toSeconds()
                + " s"
                + System.lineSeparator()
                + Interop.tailBlock("target log", log, 40));
      }
      sleep(100);
    }
  }

  private static boolean accepts(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * SIGTERM, then waits for the exit.
   *
   * @return the exit status (a JVM ended by SIGTERM reports 143 unless it exits by itself)
   * @throws IllegalStateException if the process is still running after {@code limit} (it is then
   *     killed)
   */
  int stop(Duration limit) {
    if (process == null) {
      throw new IllegalStateException("target never started");
    }
    process.destroy();
    try {
      if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
        throw new IllegalStateException(
            "target still running " + limit.toSeconds() + " s after SIGTERM; killed");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new IllegalStateException("interrupted while stopping the target", e);
    }
    return process.exitValue();
  }

  /** A target that ended on SIGTERM by itself (0) or through the JVM's signal exit (143). */
  static boolean isCleanSigtermExit(int exitCode) {
    return exitCode == 0 || exitCode == 143;
  }

  /** Stops (SIGTERM) and starts again with the same configuration; returns the exit status. */
  int restart(Duration limit) {
    int exit = stop(limit);
    start(limit);
    return exit;
  }

  /** GET /v1/controllers: the live controllers. */
  List<JsonNode> controllers() throws IOException {
    JsonNode root = get("/v1/controllers");
    JsonNode list = root.isArray() ? root : root.path("controllers");
    List<JsonNode> result = new ArrayList<>();
    list.forEach(result::add);
    return result;
  }

  /** The controller of our subsystem with this CNTLID and host NQN, or null. */
  JsonNode controller(int cntlid, String hostNqn) throws IOException {
    for (JsonNode c : controllers()) {
      if (config.nqn().equals(c.path("subsystemNqn").asText())
          && c.path("cntlid").asInt(-1) == cntlid
          && hostNqn.equals(c.path("hostNqn").asText())) {
        return c;
      }
    }
    return null;
  }

  /** GET on the admin API; the body as JSON. */
  JsonNode get(String path) throws IOException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://" + adminAddress() + path))
            .timeout(Duration.ofSeconds(5))
            .GET()
            .build();
    try {
      HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
      if (response.statusCode() != 200) {
        throw new IOException(
            "GET "
                + path
                + " -> HTTP "
                + response.statusCode()
                + ": "
                + new String(response.body(), StandardCharsets.UTF_8));
      }
      return JSON.readTree(response.body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /** DELETE /v1/subsystems/{nqn}/namespaces/{nsid}; returns the HTTP status. */
  int deleteNamespace(int nsid) throws IOException {
    String nqn = URLEncoder.encode(config.nqn(), StandardCharsets.UTF_8).replace("+", "%20");
    HttpRequest request =
        HttpRequest.newBuilder(
                URI.create(
                    "http://" + adminAddress() + "/v1/subsystems/" + nqn + "/namespaces/" + nsid))
            .timeout(Duration.ofSeconds(10))
            .DELETE()
            .build();
    try {
      return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /** Runs {@code java -jar weft.jar ARGS...} (the management CLI) and waits for it. */
  Interop.CommandResult cli(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Interop.javaBinary().toString());
    cmd.add("-jar");
    cmd.add(config.jar().toString());
    cmd.addAll(List.of(args));
    return Interop.run(cmd, 120);
  }

  /** Every line of every target log that contains all the given fragments. */
  List<String> logLines(String... fragments) {
    List<String> hits = new ArrayList<>();
    for (Path log : logs) {
      try {
        for (String line : Files.readAllLines(log, StandardCharsets.ISO_8859_1)) {
          boolean all = true;
          for (String f : fragments) {
            all &= line.contains(f);
          }
          if (all) {
            hits.add(log.getFileName() + ": " + line);
          }
        }
      } catch (IOException e) {
        hits.add("(cannot read " + log + ": " + e + ")");
      }
    }
    return hits;
  }

  @Override
  public void close() {
    if (isAlive()) {
      try {
        stop(Duration.ofSeconds(30));
      } catch (IllegalStateException e) {
        // killed; close() is cleanup only
      }
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
