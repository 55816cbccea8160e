package io.weft.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The discovery service replicated: three {@code weft discovery} processes on one 3-member etcd
 * cluster serve the same logs, so any of them answers any host, and stopping one loses nothing.
 * Registrations: a storage node with volumes allowed for different hosts and foreign targets (a
 * {@code weft target} process with several subsystems) registered through {@code weft discovery
 * register}, each through a different instance. A dozen hosts (Weft's Java host library, one host
 * NQN each) read their logs continuously, each asking the instances in its own order and falling
 * over to the next, while first a discovery instance and then the etcd leader are killed with
 * SIGKILL. Every attempt must be answered, every answer must list exactly what that host may see,
 * the surviving instances must keep answering, and a registration made through a survivor after
 * each kill must reach every survivor. Logs:
 * weft-interop/target/interop-logs/replicated-discovery-*.
 */
@Tag("interop")
class ReplicatedDiscoveryInteropTest {
  static final int HOSTS = 12;
  static final int INSTANCES = 3;
  // Nothing here waits for a lease to expire; a long one keeps the node up through a busy start
  // of eight processes on two cores and through the etcd leader's election.
  static final int LEASE_TTL = 10;
  static final String FOREIGN = "nqn.2014-08.org.example:ext-";
  static final Duration CONVERGE = Duration.ofSeconds(30);

  private EtcdMembers etcd;
  private ClusterProcesses cluster;
  private volatile WeftTargetProcess foreign;
  private volatile DiscoveryInstances discovery;

  /** Everything registered so far: an entry key and the hosts it is for (empty: every host). */
  private final Map<String, List<String>> listings = new ConcurrentHashMap<>();

  private final List<String> hosts = new ArrayList<>();

  private static String host(int i) {
    return "nqn.2014-08.org.example:host-%02d".formatted(i);
  }

  /** Hosts {@code from} (inclusive) to {@code to} (exclusive), every {@code step}th. */
  private static List<String> hosts(int from, int to, int step) {
    List<String> out = new ArrayList<>();
    for (int i = from; i < to; i += step) {
      out.add(host(i));
    }
    return out;
  }

  @BeforeEach
  void start() throws Exception {
    long begin = System.nanoTime();
    for (int i = 0; i < HOSTS; i++) {
      hosts.add(host(i));
    }
    Path runDir = Interop.newRunLogDir("replicated-discovery");
    System.out.println("replicated discovery interop: logs in " + runDir);
    etcd = EtcdMembers.start(Interop.newWorkDir("replicated-discovery-etcd"), runDir, 3);
    cluster = ClusterProcesses.onStore(etcd.storeSpec(), "replicated-discovery", runDir, LEASE_TTL);
    // Started side by side: each is a JVM that takes seconds to start on this small machine.
    inParallel(
        () -> {
          cluster.add("n1", "z1", null);
          cluster.start("n1");
        },
        () -> foreign = startForeignTarget(runDir),
        () -> discovery = DiscoveryInstances.start(cluster, runDir, INSTANCES));
    inParallel(
        () -> createVolume("team-a", hosts(0, HOSTS / 2, 1)),
        () -> createVolume("team-b", hosts(HOSTS / 2, HOSTS, 1)),
        () -> createVolume("shared", List.of()),
        () -> register(0, "even", hosts(0, HOSTS, 2)),
        () -> register(1, "odd", hosts(1, HOSTS, 2)),
        () -> register(2, "open", List.of()));
    awaitSameViewsAt(List.of(0, 1, 2));
    System.out.printf(
        "replicated discovery interop: set up in %d ms%n", (System.nanoTime() - begin) / 1_000_000);
  }

  private interface Step {
    void run() throws Exception;
  }

  /** Runs {@code steps} at once and waits for all; the first failure is thrown. */
  private static void inParallel(Step... steps) throws Exception {
    List<Future<Object>> running = new ArrayList<>();
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (Step step : steps) {
        running.add(
            pool.submit(
                () -> {
                  step.run();
                  return null;
                }));
      }
      for (var f : running) {
        try {
          f.get();
        } catch (ExecutionException e) {
          if (e.getCause() instanceof Exception cause) {
            throw cause;
          }
          throw (Error) e.getCause();
        }
      }
    }
  }

  /** One {@code weft target} with a subsystem for each foreign registration of the test. */
  private WeftTargetProcess startForeignTarget(Path runDir) throws Exception {
    int[] ports = Interop.freePorts(2);
    StringBuilder yaml = new StringBuilder("listeners:\n  - listen: 127.0.0.1:" + ports[0] + "\n");
    yaml.append("subsystems:\n");
    for (String name : List.of("even", "odd", "open", "late-a", "late-b")) {
      yaml.append("  - nqn: ").append(FOREIGN).append(name).append('\n');
      yaml.append("    namespaces:\n      - memory: 1M\n");
    }
    Path config = cluster.workDir().resolve("foreign.yaml");
    Files.writeString(config, yaml);
    WeftTargetProcess t =
        new WeftTargetProcess(
            WeftTargetProcess.Config.fromFile(
                cluster.jar(),
                config,
                ports[0],
                ports[1],
                cluster.workDir().resolve("foreign"),
                runDir));
    t.start(Duration.ofSeconds(60));
    return t;
  }

  @AfterEach
  void stop() throws Exception {
    if (discovery != null) {
      discovery.close();
    }
    if (foreign != null) {
      foreign.close();
    }
    if (cluster != null) {
      cluster.close();
    }
    if (etcd != null) {
      etcd.close();
    }
  }

  private void createVolume(String name, List<String> allowed) {
    List<String> options = new ArrayList<>();
    for (String h : allowed) {
      options.add("--allow-host");
      options.add(h);
    }
    cluster.createVolume("n1", name, "16M", 1, options.toArray(String[]::new));
    listings.put(
        DiscoveringHosts.key("nqn.2026-11.io.weft:vol:" + name, "127.0.0.1", cluster.port("n1")),
        allowed);
  }

  /** {@code weft discovery register} through instance {@code via}'s admin API. */
  private void register(int via, String name, List<String> allowed) {
    List<String> args =
        Interop.list(
            "discovery",
            "register",
            "--admin",
            discovery.admin(via),
            "-a",
            "127.0.0.1",
            "--trsvcid",
            Integer.toString(foreign.config().port()),
            "-n",
            FOREIGN + name);
    for (String h : allowed) {
      args.add("--allow-host");
      args.add(h);
    }
    Interop.CommandResult r = cluster.cli(args.toArray(String[]::new));
    assertTrue(r.ok(), () -> "register through instance " + via + ": " + r.output());
    listings.put(
        DiscoveringHosts.key(FOREIGN + name, "127.0.0.1", foreign.config().port()), allowed);
  }

  /** Each host's entries as the registrations so far say: what it is allowed, and open ones. */
  private Map<String, Set<String>> views() {
    Map<String, Set<String>> out = new LinkedHashMap<>();
    for (String h : hosts) {
      Set<String> mayUse = new TreeSet<>();
      listings.forEach(
          (key, allowed) -> {
            if (allowed.isEmpty() || allowed.contains(h)) {
              mayUse.add(key);
            }
          });
      out.put(h, mayUse);
    }
    return out;
  }

  /** Waits until every one of {@code instances} serves every host exactly its view. */
  private void awaitSameViewsAt(List<Integer> instances) throws Exception {
    Map<String, Set<String>> views = views();
    List<String> last = new ArrayList<>();
    try {
      Interop.waitFor(
          "instances " + instances + " to serve every host its view",
          CONVERGE,
          () -> {
            last.clear();
            for (int i : instances) {
              for (String h : hosts) {
                String wrong = DiscoveringHosts.check(discovery.port(i), h, views.get(h));
                if (wrong != null) {
                  last.add(h + ": " + wrong);
                }
              }
            }
            return last.isEmpty();
          });
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; still wrong: " + last, e);
    }
  }

  /** How many of instance {@code i}'s store watches lost their etcd member and moved on. */
  private long resumedWatches(int i) throws Exception {
    try (var lines = Files.lines(discovery.log(i))) {
      return lines.filter(l -> l.contains("resumed after its stream failed")).count();
    }
  }

  private List<Integer> ports() {
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < INSTANCES; i++) {
      ports.add(discovery.port(i));
    }
    return ports;
  }

  private static void report(String phase, DiscoveringHosts load) {
    System.out.printf(
        "replicated discovery interop: %s: %d attempts, answered by instance 0/1/2: %d/%d/%d,"
            + " %d after failing over, slowest attempt %d ms (%s)%n",
        phase,
        load.attempts(),
        load.answeredBy(0),
        load.answeredBy(1),
        load.answeredBy(2),
        load.failovers(),
        load.slowestAttemptMillis(),
        load.slowestAttempt());
  }

  @Test
  void everyHostIsAnsweredWhileAnInstanceAndAnEtcdMemberAreKilled() throws Exception {
    // A discovery instance killed while hosts discover.
    try (DiscoveringHosts load = new DiscoveringHosts(ports(), views())) {
      for (int i = 0; i < INSTANCES; i++) {
        load.awaitAnswers(i, 10, Duration.ofSeconds(30));
      }
      long failoversBefore = load.failovers();
      long answeredBefore = load.answeredBy(0);
      discovery.kill(0);
      load.awaitAnswers(1, 100, Duration.ofSeconds(30));
      load.awaitAnswers(2, 100, Duration.ofSeconds(30));
      load.close();
      report("instance 0 killed", load);
      assertEquals(List.of(), load.problems(), "attempts unanswered or answered wrong");
      assertEquals(0, failoversBefore, "no host had to fail over while all three answered");
      assertTrue(
          load.failovers() >= 10,
          "the hosts that ask instance 0 first were answered by the next: " + load.failovers());
      assertTrue(load.answeredBy(0) <= answeredBefore + HOSTS, "a killed instance answers no more");
      // A read cut by the kill fails at once (no reconnect for a one-shot discovery), so no host
      // sits out the 10 s reconnect delay before asking the next instance.
      assertTrue(
          load.slowestAttemptMillis() < 5_000,
          "slowest attempt " + load.slowestAttemptMillis() + " ms: " + load.slowestAttempt());
    }
    register(1, "late-a", hosts(0, HOSTS / 2, 1));
    awaitSameViewsAt(List.of(1, 2));

    // The etcd leader killed while hosts discover: the survivors serve on, and their watches and
    // the node's lease move to the members left.
    try (DiscoveringHosts load = new DiscoveringHosts(ports(), views())) {
      load.awaitAnswers(1, 10, Duration.ofSeconds(30));
      load.awaitAnswers(2, 10, Duration.ofSeconds(30));
      int leader = etcd.leader();
      etcd.kill(leader);
      System.out.println("replicated discovery interop: killed etcd leader m" + leader);
      load.awaitAnswers(1, 100, Duration.ofSeconds(30));
      load.awaitAnswers(2, 100, Duration.ofSeconds(30));
      load.close();
      report("etcd leader killed", load);
      assertEquals(List.of(), load.problems(), "attempts unanswered or answered wrong");
    }
    register(2, "late-b", hosts(HOSTS / 2, HOSTS, 1));
    awaitSameViewsAt(List.of(1, 2));
    System.out.printf(
        "replicated discovery interop: watches resumed on another etcd member: instance 1: %d,"
            + " instance 2: %d%n",
        resumedWatches(1), resumedWatches(2));
    Interop.CommandResult listed = cluster.cli("discovery", "list", "--admin", discovery.admin(1));
    for (String name : List.of("even", "odd", "open", "late-a", "late-b")) {
      assertTrue(listed.output().contains(FOREIGN + name + " "), listed.output());
    }
  }
}
