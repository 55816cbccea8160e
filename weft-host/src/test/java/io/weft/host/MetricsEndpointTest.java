package io.weft.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.tgt.Target;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.NamespaceConfig;
import io.weft.tgt.config.SubsystemConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The management port's {@code /metrics}, scraped while a host does I/O and read with the Python
 * Prometheus client's own parser (Debian's python3-prometheus-client, which bin/test installs): the
 * command and byte counters and the latency histograms count exactly the I/O done, the histograms'
 * buckets are cumulative, the controller, connection and process metrics are there, and a namespace
 * added shows as one asynchronous event sent.
 */
class MetricsEndpointTest {
  static final String NQN = "nqn.2026-12.io.weft.test:metrics";
  static final int READS = 300;
  static final int WRITES = 200;

  @TempDir Path dir;

  /** One parsed sample. */
  record Sample(String name, Map<String, String> labels, double value) {}

  /** Parses the exposition with prometheus_client's parser; fails the test if it cannot. */
  static List<Sample> parse(String exposition) throws Exception {
    String script =
        String.join(
            "\n",
            "import sys",
            "from prometheus_client.parser import text_string_to_metric_families",
            "for family in text_string_to_metric_families(sys.stdin.read()):",
            "    for s in family.samples:",
            "        labels = '\\x1f'.join(k + '=' + v for k, v in s.labels.items())",
            "        print(s.name + '\\t' + labels + '\\t' + repr(float(s.value)))");
    // Debian's interpreter, which has Debian's package (another python3 on the PATH may not).
    Process p = new ProcessBuilder("/usr/bin/python3", "-c", script).start();
    p.getOutputStream().write(exposition.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "the parser refused: " + err);
    // One sample a line: name, labels (k=v joined by US), value; tab-separated.
    List<Sample> samples = new ArrayList<>();
    for (String line : out.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.split("\t", -1);
      Map<String, String> labels = new HashMap<>();
      for (String kv : f[1].split("\u001f")) {
        if (!kv.isEmpty()) {
          labels.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        }
      }
      samples.add(new Sample(f[0], labels, Double.parseDouble(f[2])));
    }
    return samples;
  }

  static double value(List<Sample> samples, String name, Map<String, String> labels) {
    return samples.stream()
        .filter(s -> s.name().equals(name) && s.labels().equals(labels))
        .mapToDouble(Sample::value)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no sample " + name + labels));
  }

  /** A histogram's buckets: cumulative, 23 of them, the last +Inf holding every observation. */
  static void assertCumulative(
      List<Sample> samples, String name, Map<String, String> labels, double count) {
    List<Sample> buckets =
        samples.stream()
            .filter(s -> s.name().equals(name) && without(s.labels(), "le").equals(labels))
            .toList();
    assertEquals(23, buckets.size(), name + labels);
    double previous = 0;
    for (Sample b : buckets) {
      assertTrue(b.value() >= previous, name + " not cumulative: " + buckets);
      previous = b.value();
    }
    assertEquals("+Inf", buckets.get(buckets.size() - 1).labels().get("le"));
    assertEquals(count, previous, name + labels);
  }

  static Map<String, String> without(Map<String, String> labels, String key) {
    Map<String, String> m = new HashMap<>(labels);
    m.remove(key);
    return m;
  }

  /** One subsystem with a 64 MiB memory namespace; admin API on a free loopback port. */
  TargetConfig config() {
    return new TargetConfig(
        dir,
        List.of(ListenerConfig.of("127.0.0.1", 0)),
        List.of(
            new SubsystemConfig(
                NQN, "SN1", "Weft", null, List.of(), List.of(NamespaceConfig.memory(1, 64 << 20)))),
        "127.0.0.1:0",
        TuningConfig.defaults().withSpinNanos(0));
  }

  static HttpResponse<String> scrape(Target t) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + t.adminAddress().getPort() + "/metrics"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void countsAndLatenciesOfTheIoDoneParseAsPrometheusText() throws Exception {
    // Every command taken apart, so the phases add up to the whole exactly.
    io.weft.tgt.core.IoTimings.phaseSample(1);
    try {
      countsAndLatencies();
    } finally {
      io.weft.tgt.core.IoTimings.phaseSample(8);
    }
  }

  private void countsAndLatencies() throws Exception {
    TargetConfig config = config();
    try (Target t = Target.start(config)) {
      InetSocketAddress io = t.listenAddresses().get(0);
      try (HostController c =
          HostController.connect(ConnectOptions.defaults("127.0.0.1", io.getPort(), NQN))) {
        NvmeNamespace ns = c.namespace(1);
        ByteBuf buf = Unpooled.directBuffer(4096).writeZero(4096);
        for (int i = 0; i < WRITES; i++) {
          ns.writeBlocking(i * 8L, 8, buf, 0);
        }
        for (int i = 0; i < READS; i++) {
          ns.readBlocking(i % WRITES * 8L, 8, buf.clear().writerIndex(4096), 0);
        }
        buf.release();

        HttpResponse<String> r = scrape(t);
        assertEquals(200, r.statusCode());
        assertTrue(
            r.headers()
                .firstValue("Content-Type")
                .orElse("")
                .startsWith("text/plain; version=0.0.4"),
            r.headers().toString());
        List<Sample> samples = parse(r.body());
        Map<String, String> sub = Map.of("subsystem", NQN);

        assertEquals(READS, value(samples, "weft_read_commands_total", sub));
        assertEquals(WRITES, value(samples, "weft_write_commands_total", sub));
        assertEquals(READS * 4096.0, value(samples, "weft_read_bytes_total", sub));
        assertEquals(WRITES * 4096.0, value(samples, "weft_written_bytes_total", sub));
        assertEquals(1, value(samples, "weft_controllers", sub));
        assertEquals(1 + c.ioQueueCount(), value(samples, "weft_connections", sub));
        assertEquals(1, value(samples, "weft_namespaces", sub));
        assertTrue(value(samples, "process_cpu_seconds_total", Map.of()) > 0);
        assertEquals(1, value(samples, "weft_connects_total", sub));
        assertEquals(0, value(samples, "weft_keepalive_expiries_total", sub));
        assertEquals(0, value(samples, "weft_authentication_failures_total", sub));
        assertEquals(0, value(samples, "weft_async_events_total", sub));

        assertEquals(0, value(samples, "weft_inflight_commands", sub));
        // The admin queue's and every I/O queue's entries.
        assertTrue(value(samples, "weft_queue_slots", sub) > c.ioQueueCount(), r.body());
        assertEquals(
            1,
            value(
                samples,
                "weft_connect_latency_seconds_count",
                Map.of("subsystem", NQN, "queue", "admin")));
        assertEquals(
            c.ioQueueCount(),
            value(
                samples,
                "weft_connect_latency_seconds_count",
                Map.of("subsystem", NQN, "queue", "io")));

        for (String op : List.of("read", "write")) {
          Map<String, String> l = Map.of("subsystem", NQN, "nsid", "1", "op", op, "size", "4KiB");
          double count = value(samples, "weft_io_latency_seconds_count", l);
          assertEquals(op.equals("read") ? READS : WRITES, count, op);
          double sum = value(samples, "weft_io_latency_seconds_sum", l);
          assertTrue(sum > 0, op);
          assertCumulative(samples, "weft_io_latency_seconds_bucket", l, count);
          // Each phase saw every command, and the phases add up to the whole.
          double phases = 0;
          for (String phase : List.of("receive", "backend", "respond")) {
            Map<String, String> p = new HashMap<>(l);
            p.put("phase", phase);
            assertEquals(count, value(samples, "weft_io_phase_seconds_count", p), op + phase);
            assertCumulative(samples, "weft_io_phase_seconds_bucket", p, count);
            phases += value(samples, "weft_io_phase_seconds_sum", p);
          }
          assertEquals(sum, phases, 1e-6, op);
        }

        // A namespace added: the host, listening for notices, gets one event, and it is counted.
        java.util.concurrent.BlockingQueue<Object> notices =
            new java.util.concurrent.LinkedBlockingQueue<>();
        c.onAsyncEvent(notices::add); // boxed: the int result
        t.addNamespace(NQN, NamespaceConfig.memory(2, 1 << 20));
        assertTrue(notices.poll(10, TimeUnit.SECONDS) != null, "the host saw the event");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        double events = 0;
        while (events < 1 && System.nanoTime() < deadline) {
          Thread.sleep(50);
          events = value(parse(scrape(t).body()), "weft_async_events_total", sub);
        }
        List<Sample> after = parse(scrape(t).body());
        assertEquals(1, value(after, "weft_async_events_total", sub));
        assertEquals(2, value(after, "weft_namespaces", sub));
      }
    }
  }

  @Test
  void scrapesWhileIoRunsParseAndKeepCounting() throws Exception {
    TargetConfig config = config();
    try (Target t = Target.start(config);
        HostController c =
            HostController.connect(
                ConnectOptions.defaults("127.0.0.1", t.listenAddresses().get(0).getPort(), NQN))) {
      NvmeNamespace ns = c.namespace(1);
      java.util.concurrent.atomic.AtomicBoolean running =
          new java.util.concurrent.atomic.AtomicBoolean(true);
      java.util.concurrent.atomic.AtomicReference<Throwable> failed =
          new java.util.concurrent.atomic.AtomicReference<>();
      Thread load =
          new Thread(
              () -> {
                ByteBuf buf = Unpooled.directBuffer(4096);
                try {
                  for (long i = 0; running.get(); i++) {
                    ns.readBlocking(i % 1024 * 8, 8, buf.clear().writerIndex(4096), 0);
                  }
                } catch (Throwable e) {
                  failed.set(e);
                } finally {
                  buf.release();
                }
              });
      load.start();
      Map<String, String> sub = Map.of("subsystem", NQN);
      Map<String, String> reads =
          Map.of("subsystem", NQN, "nsid", "1", "op", "read", "size", "4KiB");
      double lastCommands = -1;
      double lastTimed = -1;
      try {
        for (int i = 0; i < 5; i++) {
          Thread.sleep(200);
          List<Sample> samples = parse(scrape(t).body());
          double commands = value(samples, "weft_read_commands_total", sub);
          double timed = value(samples, "weft_io_latency_seconds_count", reads);
          assertTrue(commands > lastCommands && timed > lastTimed, "still counting at " + i);
          double inFlight = value(samples, "weft_inflight_commands", sub);
          assertTrue(inFlight >= 0 && inFlight <= value(samples, "weft_queue_slots", sub));
          lastCommands = commands;
          lastTimed = timed;
        }
      } finally {
        running.set(false);
        load.join(10_000);
      }
      assertEquals(null, failed.get());
    }
  }
}
