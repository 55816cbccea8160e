package io.weft.node.volume;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.host.ConnectOptions;
import io.weft.host.multipath.MultipathNamespace;
import io.weft.node.StorageNode;
import io.weft.store.embedded.EmbeddedStore;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pause hosts see when a volume's owner changes, measured by Weft's multipath host writing 4
 * KiB blocks at QD1 through a 2-replica volume on three nodes in one JVM: the longest time between
 * two completed writes around each event. Planned: {@code move-owner} to the other in-sync replica.
 * Unplanned: the owner stops as kill -9 would look to the cluster (its lease is abandoned, its
 * connections drop); it is then restarted and rebuilt before the next trial. Run by {@code
 * bench/failover} (tag "bench", never by the test suites); writes its figures to {@code
 * -Dweft.bench.out}.
 */
@Tag("bench")
class FailoverBenchmark {
  static final Duration TTL = Duration.ofSeconds(Long.getLong("weft.bench.lease", 3));
  static final int TRIALS = Integer.getInteger("weft.bench.trials", 10);

  @TempDir Path dir;

  /** A node keeps its port across restarts, so the host's path to it comes back. */
  private final Map<String, Integer> ports = new LinkedHashMap<>();

  private StorageNode start(EmbeddedStore store, String id) throws Exception {
    int port =
        ports.computeIfAbsent(
            id,
            k -> {
              try (java.net.ServerSocket s =
                  new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    TargetConfig t =
        new TargetConfig(
            dir.resolve(id),
            List.of(ListenerConfig.of("127.0.0.1", port)),
            List.of(),
            "127.0.0.1:0",
            TuningConfig.defaults().withSpinNanos(0));
    return StorageNode.start(
        new StorageNode.Config(id, Map.of("zone", "z-" + id), 1L << 30, null, TTL, t), store);
  }

  @Test
  void measure() throws Exception {
    List<String> lines = new ArrayList<>();
    try (EmbeddedStore store = EmbeddedStore.open(dir.resolve("store"))) {
      Map<String, StorageNode> nodes = new LinkedHashMap<>();
      for (String id : List.of("n1", "n2")) {
        nodes.put(id, start(store, id));
      }
      VolumeService volumes = new VolumeService(store, nodes.get("n1").registry());
      VolumeRecord v =
          volumes.create(
              new VolumeService.CreateRequest(
                  "bench", 64L << 20, 2, List.of("n1", "n2"), List.of(), null, 4096));
      Thread.sleep(2000);
      List<ConnectOptions> paths = new ArrayList<>();
      for (StorageNode n : nodes.values()) {
        paths.add(
            ConnectOptions.defaults(
                    "127.0.0.1", n.target().listenAddresses().get(0).getPort(), v.nqn())
                .withTimeouts(5, 600, 1, 1)
                .withIoTimeout(10));
      }
      try (MultipathNamespace ns =
          MultipathNamespace.connect(paths, 1, MultipathNamespace.Policy.FAILOVER, 60)) {
        AtomicLong lastCompletion = new AtomicLong(System.nanoTime());
        AtomicLong completions = new AtomicLong();
        AtomicLong maxGap = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread writer =
            Thread.ofPlatform()
                .start(
                    () -> {
                      ByteBuf b = Unpooled.directBuffer(4096, 4096).writeZero(4096);
                      long seq = 0;
                      try {
                        while (!stop.get()) {
                          b.setLong(0, ++seq);
                          ns.writeBlocking(seq % 4096, 1, b, 0);
                          long now = System.nanoTime();
                          long gap = now - lastCompletion.getAndSet(now);
                          maxGap.accumulateAndGet(gap, Math::max);
                          completions.incrementAndGet();
                        }
                      } catch (Throwable t) {
                        failed.set(t);
                      }
                    });
        List<Long> planned = new ArrayList<>();
        List<Long> unplanned = new ArrayList<>();
        for (int trial = 0; trial < TRIALS; trial++) {
          String owner = volumes.require("bench").volume().owner();
          String other = owner.equals("n1") ? "n2" : "n1";
          // A planned move starts from a healthy volume: the host's path to the node restarted in
          // the previous trial has to be connected again first (it retries every reconnect-delay).
          long ready = System.nanoTime() + Duration.ofSeconds(30).toNanos();
          while (ns.connectedPaths() < 2 && System.nanoTime() < ready) {
            Thread.sleep(20);
          }
          Thread.sleep(500);
          maxGap.set(0);
          volumes.moveOwner("bench", other);
          planned.add(pauseAfterEvent(maxGap, completions));
          // Unplanned: the new owner dies.
          maxGap.set(0);
          nodes.get(other).crash();
          long deadline = System.nanoTime() + TTL.plusSeconds(15).toNanos();
          while (!volumes.require("bench").volume().owner().equals(owner)
              && System.nanoTime() < deadline) {
            Thread.sleep(50);
          }
          unplanned.add(pauseAfterEvent(maxGap, completions));
          nodes.put(other, start(store, other));
          deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
          while (volumes.require("bench").volume().inSync().size() < 2
              && System.nanoTime() < deadline) {
            Thread.sleep(100);
          }
          System.out.printf(
              "trial %d: planned %d ms, unplanned %d ms%n",
              trial + 1, planned.getLast(), unplanned.getLast());
        }
        stop.set(true);
        writer.join(30_000);
        assertTrue(failed.get() == null, "a write failed: " + failed.get());
        lines.add("planned\t" + join(planned));
        lines.add("unplanned\t" + join(unplanned));
        lines.add("lease_ttl_ms\t" + TTL.toMillis());
      }
      for (StorageNode n : nodes.values()) {
        try {
          n.close();
        } catch (RuntimeException e) {
          // crashed
        }
      }
    }
    String out = System.getProperty("weft.bench.out");
    if (out != null) {
      Files.write(Path.of(out), lines);
    }
    lines.forEach(System.out::println);
  }

  /**
   * The longest gap between completions from the event until writes have flowed again for a while
   * (a stall is counted when the write that ends it completes).
   */
  private static long pauseAfterEvent(AtomicLong maxGap, AtomicLong completions)
      throws InterruptedException {
    Thread.sleep(200);
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    long seen = completions.get();
    // Wait for 200 more completions after the event (the stall, if any, ends before them).
    while (completions.get() < seen + 200 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    Thread.sleep(500);
    return maxGap.get() / 1_000_000;
  }

  private static String join(List<Long> values) {
    List<Long> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return String.join(",", values.stream().map(String::valueOf).toList());
  }
}
