package io.weft.host.bench;

import io.netty.channel.EventLoopGroup;
import io.weft.host.ConnectOptions;
import io.weft.host.HostController;
import io.weft.protocol.tcp.EventLoops;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A Weft target (its own process, as it runs in production, with the JVM's default collector) with
 * 10,000 namespaces and then 1,000 connections: what each namespace and each idle connection costs
 * in memory (heap after a full collection, and resident memory), how long identify and list
 * commands take as the target fills up, and how much CPU the idle target burns.
 *
 * <p>Namespaces: S subsystems of N/S namespaces each (1,024 per subsystem is the most, as nvmet
 * allows), the first of each from the configuration and the rest added through the management API
 * as an operator would. Connections: C/4 controllers, each an admin queue and three I/O queues,
 * over the subsystems in turn, with the Linux host's keep-alive (5 s).
 *
 * <p>Run by {@code bench/scale} (tag "bench", never by the suites); writes a markdown section to
 * {@code -Dweft.bench.out}.
 */
@Tag("bench")
class ScaleBenchmark {
  static final int NAMESPACES = Integer.getInteger("weft.bench.namespaces", 10_000);
  static final int SUBSYSTEMS = Integer.getInteger("weft.bench.subsystems", 10);
  static final int CONNECTIONS = Integer.getInteger("weft.bench.connections", 1_000);
  static final int QUEUES_PER_CONTROLLER = 4;
  static final int IDLE_SECONDS = Integer.getInteger("weft.bench.idle", 10);
  static final String NQN = "nqn.2026-12.io.weft.bench:scale-";

  private final HttpClient http = HttpClient.newHttpClient();
  private int adminPort;
  private long pid;

  /**
   * @param classes the heap by class after a full collection: name to {instances, bytes}
   */
  record Memory(long heapBytes, long rssBytes, Map<String, long[]> classes) {}

  record Timings(
      double identifyCtrlUs, double activeListUs, double identifyNsUs, double apiListMs) {}

  @Test
  void namespacesAndConnections() throws Exception {
    Path dir = Files.createTempDirectory("weft-scale-bench");
    int port = freePort();
    adminPort = freePort();
    Path config = dir.resolve("target.yaml");
    StringBuilder yaml = new StringBuilder();
    yaml.append("dataDir: ").append(dir.resolve("data")).append('\n');
    yaml.append("admin: 127.0.0.1:").append(adminPort).append('\n');
    yaml.append("listeners:\n  - listen: 127.0.0.1:").append(port).append('\n');
    yaml.append("subsystems:\n");
    for (int s = 0; s < SUBSYSTEMS; s++) {
      yaml.append("  - nqn: ").append(NQN).append(s).append('\n');
      yaml.append("    namespaces:\n      - nsid: 1\n        memory: 1M\n");
    }
    Files.writeString(config, yaml);
    String java = ProcessHandle.current().info().command().orElseThrow();
    Process target =
        new ProcessBuilder(
                java,
                "-jar",
                System.getProperty("weft.bench.jar"),
                "target",
                "--config",
                "" + config)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("target.log").toFile())
            .start();
    pid = target.pid();
    StringBuilder md = new StringBuilder();
    try {
      awaitAdmin();
      Memory empty = memory();
      double idleEmpty = idleCpu();

      long addStart = System.nanoTime();
      int added = 0;
      int perSubsystem = NAMESPACES / SUBSYSTEMS;
      for (int s = 0; s < SUBSYSTEMS; s++) {
        for (int nsid = 2; nsid <= perSubsystem; nsid++) {
          addNamespace(NQN + s, nsid);
          added++;
        }
      }
      double addMs = (System.nanoTime() - addStart) / 1e6;
      Memory full = memory();
      double idleFull = idleCpu();

      EventLoopGroup loops = EventLoops.group(2, "scale-host", 0);
      List<HostController> controllers = new ArrayList<>();
      try {
        ConnectOptions base =
            ConnectOptions.defaults("127.0.0.1", port, NQN + 0)
                .withQueues(QUEUES_PER_CONTROLLER - 1, 32);
        HostController probe = HostController.connect(base, loops);
        controllers.add(probe);
        Timings before = timings(probe, perSubsystem);
        // The baseline for the connections, taken after the probe's commands: the JDK's HTTP
        // server keeps the last body it wrote on each keep-alive connection, here the 4 MiB list of
        // 10k namespaces, which a baseline taken before would count as the connections' heap.
        Memory probed = memory();

        long connectStart = System.nanoTime();
        int wanted = CONNECTIONS / QUEUES_PER_CONTROLLER;
        for (int i = 1; i < wanted; i++) {
          controllers.add(
              HostController.connect(base.withSubsystem(NQN + (i % SUBSYSTEMS)), loops));
        }
        double connectMs = (System.nanoTime() - connectStart) / 1e6;
        Thread.sleep(2000);
        Memory connected = memory();
        double idleConnected = idleCpu();
        Timings after = timings(probe, perSubsystem);
        int connections = controllers.size() * QUEUES_PER_CONTROLLER;
        int newConnections = connections - QUEUES_PER_CONTROLLER;

        md.append("| | figure |\n|---|---:|\n");
        row(md, "namespaces", String.format(Locale.ROOT, "%,d", added + SUBSYSTEMS));
        row(md, "subsystems × namespaces each", SUBSYSTEMS + " × " + perSubsystem);
        row(
            md,
            "adding a namespace through the management API (mean)",
            f1(addMs * 1000 / added) + " µs");
        row(
            md,
            "heap per namespace (after full GC)",
            bytes((full.heapBytes() - empty.heapBytes()) / (double) added));
        row(
            md,
            "resident memory per namespace",
            bytes((full.rssBytes() - empty.rssBytes()) / (double) added));
        row(
            md,
            "connections (TCP, each an NVMe queue)",
            String.format(Locale.ROOT, "%,d", connections));
        row(
            md,
            "controllers × queues each",
            controllers.size() + " × " + QUEUES_PER_CONTROLLER + " (admin + 3 I/O)");
        row(
            md,
            "connecting them all (sequential, mean per controller)",
            f1(connectMs / (controllers.size() - 1)) + " ms");
        row(
            md,
            "heap per idle connection (after full GC)",
            bytes((connected.heapBytes() - probed.heapBytes()) / (double) newConnections));
        row(
            md,
            "resident memory per idle connection",
            bytes((connected.rssBytes() - probed.rssBytes()) / (double) newConnections));
        row(
            md,
            "target heap: empty / 10k namespaces / + connections",
            mib(empty.heapBytes())
                + " / "
                + mib(full.heapBytes())
                + " / "
                + mib(connected.heapBytes()));
        row(
            md,
            "target resident: empty / 10k namespaces / + connections",
            mib(empty.rssBytes())
                + " / "
                + mib(full.rssBytes())
                + " / "
                + mib(connected.rssBytes()));
        row(
            md,
            "idle target CPU: empty / 10k namespaces / + connections (keep-alive only)",
            pct(idleEmpty) + " / " + pct(idleFull) + " / " + pct(idleConnected) + " of a core");
        heapByClass(md, probed, connected, newConnections);
        md.append('\n');
        md.append("| command (mean) | 10k namespaces, 1 connection | and ")
            .append(String.format(Locale.ROOT, "%,d", connections))
            .append(" connections |\n|---|---:|---:|\n");
        row(
            md,
            "Identify Controller",
            f1(before.identifyCtrlUs()) + " µs",
            f1(after.identifyCtrlUs()) + " µs");
        row(
            md,
            "Identify active namespace list (" + perSubsystem + " NSIDs)",
            f1(before.activeListUs()) + " µs",
            f1(after.activeListUs()) + " µs");
        row(
            md,
            "Identify Namespace",
            f1(before.identifyNsUs()) + " µs",
            f1(after.identifyNsUs()) + " µs");
        row(
            md,
            "management API: list every subsystem and namespace",
            f1(before.apiListMs()) + " ms",
            f1(after.apiListMs()) + " ms");
      } finally {
        for (HostController c : controllers) {
          c.close();
        }
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      }
    } finally {
      target.destroy();
      target.waitFor(10, TimeUnit.SECONDS);
    }
    String out = System.getProperty("weft.bench.out");
    if (out != null) {
      Files.writeString(Path.of(out), md);
    }
    System.out.println(md);
  }

  private Timings timings(HostController c, int namespaces) throws Exception {
    int rounds = 200;
    for (int i = 0; i < 50; i++) {
      c.identifyControllerBytes();
      c.activeNamespaces();
    }
    long t0 = System.nanoTime();
    for (int i = 0; i < rounds; i++) {
      c.identifyControllerBytes();
    }
    double ctrl = (System.nanoTime() - t0) / 1e3 / rounds;
    t0 = System.nanoTime();
    for (int i = 0; i < rounds; i++) {
      if (c.activeNamespaces().size() != namespaces) {
        throw new AssertionError("the active namespace list is not " + namespaces + " long");
      }
    }
    double list = (System.nanoTime() - t0) / 1e3 / rounds;
    t0 = System.nanoTime();
    for (int nsid = 1; nsid <= namespaces; nsid++) {
      c.identifyNamespace(nsid);
    }
    double ns = (System.nanoTime() - t0) / 1e3 / namespaces;
    get("/v1/subsystems");
    t0 = System.nanoTime();
    for (int i = 0; i < 10; i++) {
      get("/v1/subsystems");
    }
    double api = (System.nanoTime() - t0) / 1e6 / 10;
    return new Timings(ctrl, list, ns, api);
  }

  /** The target's heap after a full collection (its own metric) and its resident memory. */
  private Memory memory() throws Exception {
    String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    long heap = Long.MAX_VALUE;
    for (int i = 0; i < 2; i++) {
      Process gc = new ProcessBuilder(jcmd, "" + pid, "GC.run").redirectErrorStream(true).start();
      gc.getInputStream().readAllBytes();
      gc.waitFor(60, TimeUnit.SECONDS);
      Thread.sleep(300);
      heap = Math.min(heap, (long) metric(get("/metrics"), "jvm_memory_used_bytes{area=\"heap\"}"));
    }
    long rss = 0;
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        rss = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    return new Memory(heap, rss, classHistogram(jcmd));
  }

  /**
   * {@code jcmd GC.class_histogram} (itself after a full collection): name to {instances, bytes}.
   */
  private Map<String, long[]> classHistogram(String jcmd) throws Exception {
    Process p = new ProcessBuilder(jcmd, "" + pid, "GC.class_histogram").start();
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(60, TimeUnit.SECONDS);
    Map<String, long[]> classes = new HashMap<>();
    Matcher m = HISTOGRAM_ROW.matcher(text);
    while (m.find()) {
      classes.put(m.group(3), new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))});
    }
    return classes;
  }

  /** A row of the class histogram: {@code " 12: 1000 48000 java.lang.String (java.base@25)"}. */
  private static final Pattern HISTOGRAM_ROW =
      Pattern.compile("(?m)^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)");

  /**
   * What the connections added to the heap, by class, per connection: the classes that grew most in
   * bytes, so that the figure per idle connection says what it is made of.
   */
  private static void heapByClass(StringBuilder md, Memory before, Memory after, int connections) {
    record Growth(String name, double instances, double bytes) {}
    List<Growth> grown = new ArrayList<>();
    after
        .classes()
        .forEach(
            (name, now) -> {
              long[] was = before.classes().getOrDefault(name, new long[2]);
              grown.add(
                  new Growth(
                      name,
                      (now[0] - was[0]) / (double) connections,
                      (now[1] - was[1]) / (double) connections));
            });
    grown.sort(Comparator.comparingDouble(Growth::bytes).reversed());
    double total = grown.stream().mapToDouble(Growth::bytes).sum();
    md.append("\n| heap per idle connection, by class (class histogram) | objects | bytes |\n")
        .append("|---|---:|---:|\n");
    double shown = 0;
    for (Growth g : grown.subList(0, Math.min(TOP_CLASSES, grown.size()))) {
      row(md, "`" + g.name() + "`", f1(g.instances()), bytes(g.bytes()));
      shown += g.bytes();
    }
    row(md, "the other classes", "", bytes(total - shown));
    row(md, "all", "", bytes(total));
  }

  static final int TOP_CLASSES = 12;

  /** Share of one core the target used over {@link #IDLE_SECONDS} with no I/O. */
  private double idleCpu() throws Exception {
    long t0 = cpuTicks();
    long w0 = System.nanoTime();
    Thread.sleep(IDLE_SECONDS * 1000L);
    long t1 = cpuTicks();
    double wall = (System.nanoTime() - w0) / 1e9;
    return (t1 - t0) / 100.0 / wall; // USER_HZ is 100 on Linux
  }

  private long cpuTicks() throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
  }

  private static double metric(String text, String sample) {
    return text.lines()
        .filter(l -> l.startsWith(sample + " "))
        .mapToDouble(l -> Double.parseDouble(l.substring(sample.length() + 1).trim()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + sample));
  }

  private void addNamespace(String nqn, int nsid) throws Exception {
    String body =
        "{\"nsid\":" + nsid + ",\"backend\":\"memory\",\"sizeBytes\":1048576,\"blockSize\":512}";
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:" + adminPort + "/v1/subsystems/" + nqn + "/namespaces"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 201) {
      throw new AssertionError("adding " + nqn + "/" + nsid + ": " + r.body());
    }
  }

  private String get(String path) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path)).build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    if (r.statusCode() != 200) {
      throw new AssertionError(path + ": HTTP " + r.statusCode());
    }
    return r.body();
  }

  private void awaitAdmin() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        get("/v1/subsystems");
        return;
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(200);
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void row(StringBuilder md, String... cells) {
    md.append("| ").append(String.join(" | ", cells)).append(" |\n");
  }

  private static String f1(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  private static String pct(double share) {
    return String.format(Locale.ROOT, "%.2f%%", share * 100);
  }

  private static String bytes(double b) {
    return b >= 10 * 1024
        ? String.format(Locale.ROOT, "%.1f KiB", b / 1024)
        : String.format(Locale.ROOT, "%,.0f B", b);
  }

  private static String mib(long b) {
    return String.format(Locale.ROOT, "%.0f MiB", b / 1048576.0);
  }
}
