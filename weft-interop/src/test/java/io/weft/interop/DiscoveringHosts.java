package io.weft.interop;

import io.weft.host.ConnectOptions;
import io.weft.host.Discovery;
import io.weft.protocol.discovery.DiscoveryLogEntry;
import io.weft.protocol.discovery.DiscoveryLogPage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Hosts that read their discovery log again and again, each with its own host NQN, through Weft's
 * Java host library. Like a host configured with several discovery controllers, each tries the
 * instances in its own order (host i starts at instance i mod n, so every instance has hosts that
 * ask it first) and falls over to the next when one does not answer. Every answer is checked
 * against what that host may see; an attempt no instance answers is recorded too.
 */
final class DiscoveringHosts implements AutoCloseable {
  /** An answer that was not what the host may see, or an attempt nobody answered. */
  record Problem(String host, String what) {}

  private final List<Integer> ports;
  private final Map<String, Set<String>> expected;
  private final List<Thread> threads = new ArrayList<>();
  private final AtomicBoolean stop = new AtomicBoolean();
  private final AtomicLong attempts = new AtomicLong();
  private final AtomicLong failovers = new AtomicLong();
  private final AtomicLong slowestNanos = new AtomicLong();

  /** What the slowest attempt met on its way to an answer. */
  private volatile String slowest = "";

  private final AtomicLongArray answers;
  private final ConcurrentLinkedQueue<Problem> problems = new ConcurrentLinkedQueue<>();

  /**
   * Starts one thread per host of {@code expected} (host NQN to the entries it may see, each as
   * {@link #key}) against the discovery instances at 127.0.0.1:{@code ports}.
   */
  DiscoveringHosts(List<Integer> ports, Map<String, Set<String>> expected) {
    this.ports = List.copyOf(ports);
    this.expected = Map.copyOf(expected);
    this.answers = new AtomicLongArray(ports.size());
    int i = 0;
    for (String host : new TreeSet<>(expected.keySet())) {
      int first = i++ % ports.size();
      Thread t = Thread.ofPlatform().name("host-" + host).unstarted(() -> discover(host, first));
      threads.add(t);
    }
    threads.forEach(Thread::start);
  }

  /** How the test names an NVM entry: "subsystem NQN@address:port". */
  static String key(String nqn, String address, int port) {
    return nqn + "@" + address + ":" + port;
  }

  /** Reads {@code host}'s log at instance {@code instance} once and checks it; null if right. */
  static String check(int port, String host, Set<String> mayUse) throws Exception {
    DiscoveryLogPage page = Discovery.discover(options(port, host));
    return wrongness(page, port, mayUse);
  }

  private static ConnectOptions options(int port, String host) {
    return ConnectOptions.defaults("127.0.0.1", port, DiscoveryLogPage.DISCOVERY_NQN)
        .withHost(host, UUID.nameUUIDFromBytes(host.getBytes(StandardCharsets.UTF_8)))
        .withSpinMicros(0);
  }

  /** What is wrong with a page instance {@code port} served, or null: nothing. */
  private static String wrongness(DiscoveryLogPage page, int port, Set<String> mayUse) {
    List<DiscoveryLogEntry> entries = page.entries();
    if (entries.isEmpty()
        || entries.get(0).subtype() != DiscoveryLogEntry.SUBTYPE_CURRENT_DISCOVERY
        || !entries.get(0).trsvcid().equals(Integer.toString(port))) {
      return "the first entry is not the answering service's own (port " + port + "): " + entries;
    }
    Set<String> seen = new TreeSet<>();
    for (DiscoveryLogEntry e : entries) {
      if (e.subtype() == DiscoveryLogEntry.SUBTYPE_NVM) {
        seen.add(key(e.subsystemNqn(), e.traddr(), Integer.parseInt(e.trsvcid())));
      }
    }
    if (seen.equals(mayUse)) {
      return null;
    }
    Set<String> missing = new TreeSet<>(mayUse);
    missing.removeAll(seen);
    Set<String> extra = new TreeSet<>(seen);
    extra.removeAll(mayUse);
    return "instance at port " + port + ": missing " + missing + ", not allowed " + extra;
  }

  private void discover(String host, int first) {
    Set<String> mayUse = expected.get(host);
    while (!stop.get()) {
      long start = System.nanoTime();
      attempts.incrementAndGet();
      List<String> errors = new ArrayList<>();
      boolean answered = false;
      for (int k = 0; k < ports.size() && !answered; k++) {
        int instance = (first + k) % ports.size();
        DiscoveryLogPage page;
        try {
          page = Discovery.discover(options(ports.get(instance), host));
        } catch (Exception e) {
          // This instance did not answer: the next one in this host's order is asked.
          errors.add("instance " + instance + ": " + e);
          continue;
        }
        answered = true;
        answers.incrementAndGet(instance);
        if (k > 0) {
          failovers.incrementAndGet();
        }
        String wrong = wrongness(page, ports.get(instance), mayUse);
        if (wrong != null) {
          problems.add(new Problem(host, wrong));
        }
      }
      if (!answered) {
        problems.add(new Problem(host, "no instance answered: " + errors));
      }
      long took = System.nanoTime() - start;
      if (slowestNanos.accumulateAndGet(took, Math::max) == took) {
        slowest = host + ": " + (errors.isEmpty() ? "no failure" : errors);
      }
      pause();
    }
  }

  /** A short breath between reads, so a dozen hosts leave the 2-core machine to the services. */
  private static void pause() {
    try {
      Thread.sleep(20);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  long attempts() {
    return attempts.get();
  }

  /** Attempts answered by an instance other than the host's first. */
  long failovers() {
    return failovers.get();
  }

  long answeredBy(int instance) {
    return answers.get(instance);
  }

  long slowestAttemptMillis() {
    return slowestNanos.get() / 1_000_000;
  }

  /** The host of the slowest attempt and the instances that failed it first, if any. */
  String slowestAttempt() {
    return slowest;
  }

  List<Problem> problems() {
    return Collections.unmodifiableList(new ArrayList<>(problems));
  }

  /** Waits until instance {@code instance} has answered {@code more} more attempts. */
  void awaitAnswers(int instance, long more, Duration limit) throws Exception {
    long target = answeredBy(instance) + more;
    Interop.waitFor(
        more + " more answers from instance " + instance,
        limit,
        () -> answeredBy(instance) >= target);
  }

  /** Stops the hosts; each finishes the attempt it is in. */
  @Override
  public void close() throws InterruptedException {
    stop.set(true);
    for (Thread t : threads) {
      t.join(30_000);
    }
  }
}
