package io.weft.node.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.PooledByteBufAllocator;
import io.weft.node.StorageNode;
import io.weft.node.volume.VolumeService;
import io.weft.protocol.discovery.DiscoveryLogEntry;
import io.weft.protocol.discovery.DiscoveryLogPage;
import io.weft.store.embedded.EmbeddedStore;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A boot storm against the discovery service: {@value #DEFAULT_HOSTS} simulated hosts (the Java
 * host library, in a process of their own: {@link HostFleet}) start together, each connects a
 * persistent discovery controller over loopback TCP and reads its log, against one {@link
 * ClusterDiscovery} and then three on the same store (the hosts spread over them). Then, with every
 * host connected and an event request out, one volume open to every host is created, and the time
 * from that store write to the last host hearing the change notice (and to the last host having
 * read its log again) is measured. Around it, the service side's memory with all hosts connected
 * and with none. In the same run, two floors on the same threads and loopback: {@link FloorServer}
 * answering one small request per connection, and answering the discovery sequence's exchanges with
 * their sizes; and its push of one message to every connection.
 *
 * <p>Run by {@code bench/discovery-storm} (tag "bench", never by the test suites); writes its
 * figures to {@code -Dweft.bench.out}.
 */
@Tag("bench")
class DiscoveryStormBenchmark {
  static final int DEFAULT_HOSTS = 1000;
  static final int HOSTS = Integer.getInteger("weft.bench.hosts", DEFAULT_HOSTS);
  static final int ROUNDS = Integer.getInteger("weft.bench.rounds", 5);
  static final int WARMUP = Integer.getInteger("weft.bench.warmup", 2);

  /** False leaves the floors out (for profiling Weft alone); a recorded run measures them. */
  static final boolean FLOORS = !"false".equals(System.getProperty("weft.bench.floors"));

  static final String HOST_PREFIX = "nqn.2014-08.org.example:storm-host-";

  /** Volumes every host sees, one per group of ten "racks", one per "application" of 20 hosts. */
  static final int OPEN = 4;

  static final int RACKS = 10;
  static final int APP_SIZE = 20;
  static final String CHANGE = "storm-change";

  @TempDir Path dir;

  private final List<String> results = new ArrayList<>();

  @Test
  void measure() throws Exception {
    try (EmbeddedStore store = EmbeddedStore.open(dir.resolve("store"))) {
      Map<String, StorageNode> nodes = new LinkedHashMap<>();
      for (String id : List.of("n1", "n2", "n3")) {
        nodes.put(id, StorageNode.start(nodeConfig(id), store));
      }
      VolumeService volumes = new VolumeService(store, nodes.get("n1").registry());
      int perHost = createVolumes(volumes);
      int logEntries = 1 + 2 * perHost; // the service's own entry, two paths per volume
      results.add("meta\thosts\t" + HOSTS);
      results.add("meta\tentries_per_host\t" + logEntries);
      results.add("meta\tvolumes\t" + volumes.list().size());
      results.add("meta\tdistinct_logs\t" + distinctLogs());
      try (Fleet fleet = Fleet.start(dir);
          FloorServer floor = new FloorServer(TuningConfig.defaults())) {
        fleet.checkClock();
        for (int instances : new int[] {1, 3}) {
          List<ClusterDiscovery> services = new ArrayList<>();
          try {
            for (int k = 0; k < instances; k++) {
              services.add(startService(store, nodes.get("n1"), k));
            }
            String ports =
                services.stream()
                    .map(s -> Integer.toString(s.address().getPort()))
                    .collect(Collectors.joining(","));
            for (int round = 0; round < WARMUP + ROUNDS; round++) {
              String tag = instances + "\t" + (round < WARMUP ? "warmup" : round - WARMUP + 1);
              if (FLOORS) {
                floorRound(fleet, floor, "floor-1", tag, "72:24");
                floorRound(fleet, floor, "floor-9", tag, discoveryShapedExchanges(logEntries));
              }
              weftRound(fleet, volumes, ports, tag, logEntries);
            }
          } finally {
            services.forEach(ClusterDiscovery::close);
          }
        }
      }
      for (StorageNode n : nodes.values()) {
        n.close();
      }
    }
    String out = System.getProperty("weft.bench.out");
    if (out != null) {
      Files.write(Path.of(out), results);
    }
  }

  /** The floor: connect and exchange, then one push to every connection; recorded like Weft. */
  private void floorRound(Fleet fleet, FloorServer floor, String name, String tag, String exchanges)
      throws Exception {
    long cpu = HostFleet.cpuNanos();
    String[] a = fleet.call("floor " + HOSTS + " " + floor.port() + " " + exchanges);
    cpu = HostFleet.cpuNanos() - cpu;
    long start = Long.parseLong(a[1]);
    long[] ends = longs(a[2]);
    long hostCpu = Long.parseLong(a[3]);
    Thread.sleep(200);
    long pushed = System.nanoTime();
    floor.pushAll();
    long[] arrived = longs(fleet.call("pushes 30")[1]);
    fleet.call("close");
    record(name, tag, start, ends, pushed, arrived, null, 0, cpu, hostCpu);
  }

  /** Weft: the storm, the memory it holds, one change to every host's log, the notices. */
  private void weftRound(
      Fleet fleet, VolumeService volumes, String ports, String tag, int logEntries)
      throws Exception {
    Memory before = Memory.measure();
    long cpu = HostFleet.cpuNanos();
    String[] a = fleet.call("hosts " + HOSTS + " " + ports + " " + HOST_PREFIX);
    cpu = HostFleet.cpuNanos() - cpu;
    long start = Long.parseLong(a[1]);
    long[] ends = longs(a[2]);
    long hostCpu = Long.parseLong(a[3]);
    for (long entries : longs(a[4])) {
      assertTrue(entries >= 1 + 2 * (OPEN + 1), "a host's log has " + entries + " entries");
    }
    Thread.sleep(1000); // every host's event request is out
    Memory connected = Memory.measure();
    long changed = System.nanoTime();
    volumes.create(
        new VolumeService.CreateRequest(CHANGE, 1L << 20, 2, null, List.of(), null, null));
    long written = System.nanoTime() - changed;
    String[] n = fleet.call("aens 30");
    long[] heard = longs(n[1]);
    long[] reread = longs(n[2]);
    for (long entries : longs(n[3])) {
      assertEquals(logEntries + 2, entries, "a host's log after the change: the new volume too");
    }
    fleet.call("close");
    volumes.delete(CHANGE);
    Thread.sleep(500); // the services drop the volume from their logs (nobody to notify)
    record("weft", tag, start, ends, changed, heard, reread, written, cpu, hostCpu);
    results.add("memory\t" + tag + "\t" + connected.perConnection(before, HOSTS));
    System.out.println("memory " + tag.replace('\t', ' ') + ": " + connected.describe(before));
  }

  private void record(
      String name,
      String tag,
      long start,
      long[] ends,
      long noticeStart,
      long[] notices,
      long[] rereads,
      long writeNanos,
      long serviceCpu,
      long hostCpu) {
    long[] latency = Arrays.stream(ends).map(e -> e - start).sorted().toArray();
    long[] notice = Arrays.stream(notices).map(t -> t - noticeStart).sorted().toArray();
    long rereadLast =
        rereads == null ? 0 : Arrays.stream(rereads).map(t -> t - noticeStart).max().orElse(0);
    String line =
        String.join(
            "\t",
            name,
            tag,
            us(latency[latency.length - 1]),
            us(percentile(latency, 50)),
            us(percentile(latency, 99)),
            us(notice[notice.length - 1]),
            us(percentile(notice, 50)),
            us(rereadLast),
            us(writeNanos),
            us(serviceCpu),
            us(hostCpu));
    results.add("run\t" + line);
    System.out.println(line);
  }

  private static long percentile(long[] sorted, int p) {
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  private static String us(long nanos) {
    return Long.toString(nanos / 1000);
  }

  private static long[] longs(String csv) {
    return Arrays.stream(csv.split(",")).mapToLong(Long::parseLong).toArray();
  }

  /**
   * What a host's discovery controller exchanges, as request:response bytes on the wire (PDU
   * headers included): ICReq, Connect (with its 1 KiB of data), Property Get CAP, two Property Sets
   * of CC, Property Get CSTS, Identify Controller (4 KiB), the log's header and then the whole log.
   */
  static String discoveryShapedExchanges(int entries) {
    int capsule = 72;
    int response = 24;
    int c2hData = 24;
    int log = DiscoveryLogPage.HEADER_SIZE + entries * DiscoveryLogEntry.SIZE;
    return String.join(
        ",",
        "128:128",
        (capsule + 1024) + ":" + response,
        capsule + ":" + response,
        capsule + ":" + response,
        capsule + ":" + response,
        capsule + ":" + response,
        capsule + ":" + (c2hData + 4096 + response),
        capsule + ":" + (c2hData + DiscoveryLogPage.HEADER_SIZE + response),
        capsule + ":" + (c2hData + log + response));
  }

  // ---- the cluster ----

  private StorageNode.Config nodeConfig(String id) {
    TargetConfig t =
        new TargetConfig(
            dir.resolve(id),
            List.of(ListenerConfig.of("127.0.0.1", 0)),
            List.of(),
            "127.0.0.1:0",
            TuningConfig.defaults().withSpinNanos(0));
    return new StorageNode.Config(
        id, Map.of("zone", "z-" + id), 1L << 30, null, Duration.ofSeconds(10), t);
  }

  /**
   * A cluster's volumes, two replicas each: {@value #OPEN} open to every host, one per rack (hosts
   * i with i mod {@value #RACKS} = r) and one per application (hosts in blocks of {@value
   * #APP_SIZE}), so every host sees {@value #OPEN} + 2 volumes and neighbours' logs differ.
   *
   * @return how many volumes each host sees
   */
  private static int createVolumes(VolumeService volumes) {
    for (int v = 0; v < OPEN; v++) {
      create(volumes, "open-" + v, List.of());
    }
    for (int r = 0; r < RACKS; r++) {
      int rack = r;
      create(volumes, "rack-" + r, hosts(i -> i % RACKS == rack));
    }
    for (int app = 0; app * APP_SIZE < HOSTS; app++) {
      int first = app * APP_SIZE;
      create(volumes, "app-" + app, hosts(i -> i >= first && i < first + APP_SIZE));
    }
    return OPEN + 2;
  }

  private static void create(VolumeService volumes, String name, List<String> allowed) {
    volumes.create(new VolumeService.CreateRequest(name, 1L << 20, 2, null, allowed, null, null));
  }

  private static List<String> hosts(java.util.function.IntPredicate which) {
    return IntStream.range(0, HOSTS).filter(which).mapToObj(i -> HOST_PREFIX + i).toList();
  }

  /** Hosts with the same rack and application see the same log. */
  private static long distinctLogs() {
    return IntStream.range(0, HOSTS)
        .mapToObj(i -> i % RACKS + "/" + i / APP_SIZE)
        .distinct()
        .count();
  }

  private ClusterDiscovery startService(EmbeddedStore store, StorageNode node, int k)
      throws IOException {
    // As `weft discovery` runs it: the target's default tuning (2 event loops, 100 µs spin).
    return ClusterDiscovery.start(
        store,
        node.registry(),
        ListenerConfig.of("127.0.0.1", 0),
        dir.resolve("discovery-" + k),
        "nqn.2026-11.io.weft:discovery:storm-" + k,
        TuningConfig.defaults(),
        Duration.ofSeconds(5));
  }

  // ---- the service side's memory ----

  /** This JVM's heap after a full collection, Netty's pools, JDK direct buffers, resident set. */
  private record Memory(long heap, long nettyDirect, long nettyHeap, long jdkDirect, long rss) {
    static Memory measure() throws Exception {
      for (int i = 0; i < 2; i++) {
        System.gc();
        Thread.sleep(100);
      }
      long jdkDirect =
          ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
              .filter(b -> b.getName().equals("direct"))
              .mapToLong(BufferPoolMXBean::getMemoryUsed)
              .sum();
      long rss =
          Files.readAllLines(Path.of("/proc/self/status")).stream()
                  .filter(l -> l.startsWith("VmRSS:"))
                  .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", "")))
                  .findFirst()
                  .orElse(0)
              * 1024;
      return new Memory(
          ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(),
          PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory(),
          PooledByteBufAllocator.DEFAULT.metric().usedHeapMemory(),
          jdkDirect,
          rss);
    }

    /**
     * Heap, Netty direct, Netty heap, JDK direct, resident: bytes per connection, tab-separated.
     */
    String perConnection(Memory before, int n) {
      return String.join(
          "\t",
          Long.toString((heap - before.heap) / n),
          Long.toString((nettyDirect - before.nettyDirect) / n),
          Long.toString((nettyHeap - before.nettyHeap) / n),
          Long.toString((jdkDirect - before.jdkDirect) / n),
          Long.toString((rss - before.rss) / n));
    }

    String describe(Memory before) {
      return String.format(
          "heap %d -> %d KiB, netty direct %d -> %d KiB, netty heap %d -> %d KiB, rss %d -> %d MiB",
          before.heap >> 10,
          heap >> 10,
          before.nettyDirect >> 10,
          nettyDirect >> 10,
          before.nettyHeap >> 10,
          nettyHeap >> 10,
          before.rss >> 20,
          rss >> 20);
    }
  }

  // ---- the hosts' process ----

  /** The {@link HostFleet} process: one command, one answer line. */
  private static final class Fleet implements AutoCloseable {
    private final Process process;
    private final BufferedReader out;
    private final PrintStream in;

    private Fleet(Process process) {
      this.process = process;
      this.out =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      this.in = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
    }

    static Fleet start(Path dir) throws IOException {
      String java = ProcessHandle.current().info().command().orElse("java");
      List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED"));
      String opts = System.getProperty("weft.bench.fleetJavaOpts", "");
      if (!opts.isBlank()) {
        command.addAll(List.of(opts.trim().split("\\s+")));
      }
      command.addAll(
          List.of("-cp", System.getProperty("java.class.path"), HostFleet.class.getName()));
      Process p =
          new ProcessBuilder(command)
              .redirectError(dir.resolve("fleet.log").toFile())
              .redirectOutput(ProcessBuilder.Redirect.PIPE)
              .start();
      return new Fleet(p);
    }

    /**
     * Sends one command; its answer (the line that starts with the command's name) split at spaces.
     * Other lines (the JVM's own, such as a flight recording's) are passed on; an "error" answer
     * fails the run.
     */
    String[] call(String command) throws IOException {
      in.println(command);
      String name = command.split(" ", 2)[0];
      while (true) {
        String answer = out.readLine();
        if (answer == null) {
          throw new IOException("the host fleet ended (see fleet.log) after: " + command);
        }
        if (answer.startsWith("error")) {
          throw new IOException("host fleet: " + answer);
        }
        if (answer.startsWith(name + " ") || answer.equals(name)) {
          return answer.split(" ");
        }
        System.out.println("host fleet: " + answer);
      }
    }

    /** The two processes' nanoTime must be one clock for the notice times to mean anything. */
    void checkClock() throws IOException {
      long before = System.nanoTime();
      long theirs = Long.parseLong(call("now")[1]);
      long after = System.nanoTime();
      assertTrue(
          before <= theirs && theirs <= after,
          "the host process's clock is not this one's: " + before + " " + theirs + " " + after);
    }

    @Override
    public void close() throws Exception {
      in.println("exit");
      if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }
}
