package io.weft.tgt.metrics;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.weft.tgt.core.Controller;
import io.weft.tgt.core.FabricCounters;
import io.weft.tgt.core.IoTimings;
import io.weft.tgt.core.Namespace;
import io.weft.tgt.core.SmartCounters;
import io.weft.tgt.core.Subsystem;
import io.weft.tgt.core.TargetCore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * One target's metrics, in Prometheus' text format at {@code GET /metrics} on the management port.
 *
 * <p>Everything is read when scraped, from what the target keeps anyway (the SMART and fabric
 * counters, its subsystems, controllers and queues, and each namespace's {@link IoTimings}), so a
 * scrape costs the I/O path nothing. The latency histograms are per namespace and I/O class
 * (operation and transfer size): the target's whole time per command, and each phase of it. The
 * process' own metrics (CPU seconds, memory, GC, threads) come from the Prometheus client's JVM
 * instrumentation.
 *
 * <p>Labels are bounded: subsystem NQN, NSID, one of four operations, five size classes, three
 * phases; a histogram appears once its class has seen a command.
 */
public final class TargetMetrics {
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final TargetCore core;

  /** Bucket upper bounds in seconds, ending in +Inf. */
  static final double[] UPPER_BOUNDS = upperBounds();

  private static double[] upperBounds() {
    double[] b = new double[IoTimings.BUCKETS];
    for (int i = 0; i < IoTimings.BOUNDS_NANOS.length; i++) {
      b[i] = IoTimings.BOUNDS_NANOS[i] / 1e9;
    }
    b[b.length - 1] = Double.POSITIVE_INFINITY;
    return b;
  }

  public TargetMetrics(TargetCore core) {
    this.core = core;
    JvmMetrics.builder().register(registry);
    registry.register((MultiCollector) this::ioHistograms);
    registry.register(this::connectHistogram);
    perSubsystem(
        "weft_read_commands_total",
        "Read commands completed",
        Subsystem::counters,
        SmartCounters::readCommands);
    perSubsystem(
        "weft_write_commands_total",
        "Write commands completed",
        Subsystem::counters,
        SmartCounters::writeCommands);
    perSubsystem(
        "weft_read_bytes_total",
        "Bytes read by hosts",
        Subsystem::counters,
        SmartCounters::bytesRead);
    perSubsystem(
        "weft_written_bytes_total",
        "Bytes written by hosts",
        Subsystem::counters,
        SmartCounters::bytesWritten);
    perSubsystem(
        "weft_media_errors_total",
        "Commands the backend failed",
        Subsystem::counters,
        SmartCounters::mediaErrors);
    perSubsystem(
        "weft_connects_total",
        "Controllers created (admin-queue Connects accepted)",
        Subsystem::fabric,
        FabricCounters::connects);
    perSubsystem(
        "weft_keepalive_expiries_total",
        "Controllers ended by a keep-alive timeout",
        Subsystem::fabric,
        FabricCounters::keepAliveExpiries);
    perSubsystem(
        "weft_async_events_total",
        "Asynchronous event notices sent",
        Subsystem::fabric,
        FabricCounters::asyncEvents);
    perSubsystem(
        "weft_authentication_failures_total",
        "DH-HMAC-CHAP exchanges that failed",
        Subsystem::fabric,
        FabricCounters::authenticationFailures);
    gauge(
        "weft_controllers",
        "Connected controllers (host associations)",
        s -> s.controllers().size());
    perController(
        "weft_connections",
        "Connected queues (TCP connections): admin and I/O",
        c -> 1 + c.connectedIoQueues());
    perController(
        "weft_inflight_commands",
        "Commands received and not yet answered, on every queue",
        Controller::inFlight);
    perController(
        "weft_queue_slots",
        "Submission queue entries granted to connected queues: the depth hosts may use",
        Controller::queueSlots);
    GaugeWithCallback.builder()
        .name("weft_namespaces")
        .help("Namespaces exported")
        .labelNames("subsystem")
        .callback(
            cb -> {
              for (Subsystem s : core.subsystems()) {
                long n = 0;
                for (var ignored : s.namespaces()) {
                  n++;
                }
                cb.call(n, s.nqn());
              }
            })
        .register(registry);
  }

  /** A gauge per subsystem, read when scraped. */
  private void gauge(String name, String help, ToLongFunction<Subsystem> value) {
    GaugeWithCallback.builder()
        .name(name)
        .help(help)
        .labelNames("subsystem")
        .callback(
            cb -> {
              for (Subsystem s : core.subsystems()) {
                cb.call(value.applyAsLong(s), s.nqn());
              }
            })
        .register(registry);
  }

  /** A gauge per subsystem: a figure of each of its controllers, added. */
  private void perController(String name, String help, ToLongFunction<Controller> value) {
    gauge(
        name,
        help,
        s -> {
          long n = 0;
          for (Controller c : s.controllers()) {
            n += value.applyAsLong(c);
          }
          return n;
        });
  }

  /** A counter per subsystem, read from one of its counter sets when scraped. */
  private <T> void perSubsystem(
      String name, String help, Function<Subsystem, T> set, ToLongFunction<T> value) {
    CounterWithCallback.builder()
        .name(name)
        .help(help)
        .labelNames("subsystem")
        .callback(
            cb -> {
              for (Subsystem s : core.subsystems()) {
                cb.call(value.applyAsLong(set.apply(s)), s.nqn());
              }
            })
        .register(registry);
  }

  /**
   * Adds metrics that another layer keeps (a storage node's volumes and replication), read when
   * scraped like the target's own.
   */
  public void register(MultiCollector collector) {
    registry.register(collector);
  }

  /** Each namespace's I/O histograms: the whole, and each phase. */
  private MetricSnapshots ioHistograms() {
    HistogramSnapshot.Builder total =
        HistogramSnapshot.builder()
            .name("weft_io_latency_seconds")
            .help(
                "Target time of NVM commands, from the capsule decoded to the response written, by"
                    + " namespace, operation and transfer size");
    HistogramSnapshot.Builder phases =
        HistogramSnapshot.builder()
            .name("weft_io_phase_seconds")
            .help(
                "Phases of the target time of one command in N (-Dweft.metrics.phaseSample, default"
                    + " 8): receive (a write's data arriving), backend (the device), respond (back"
                    + " to the queue and written); each sampled command's phases add up to its"
                    + " weft_io_latency_seconds");
    for (Subsystem s : core.subsystems()) {
      for (Namespace ns : s.namespaces()) {
        String nsid = Integer.toString(ns.nsid());
        for (IoTimings.ClassSnapshot c : ns.timings().snapshot()) {
          total.dataPoint(
              histogram(
                  c.totalBuckets(),
                  c.totalSumNanos(),
                  Labels.of(
                      "subsystem", s.nqn(), "nsid", nsid, "op", c.operation(), "size", c.size())));
          for (int p = 0; p < IoTimings.PHASES.length; p++) {
            phases.dataPoint(
                histogram(
                    c.phaseBuckets(p),
                    c.phaseSums()[p],
                    Labels.of(
                        "subsystem",
                        s.nqn(),
                        "nsid",
                        nsid,
                        "op",
                        c.operation(),
                        "size",
                        c.size(),
                        "phase",
                        IoTimings.PHASES[p])));
          }
        }
      }
    }
    return MetricSnapshots.of(total.build(), phases.build());
  }

  /** How long queues took to connect, per subsystem and queue kind. */
  private HistogramSnapshot connectHistogram() {
    HistogramSnapshot.Builder h =
        HistogramSnapshot.builder()
            .name("weft_connect_latency_seconds")
            .help("Time from a TCP connection accepted to its Connect answered, per queue kind");
    for (Subsystem s : core.subsystems()) {
      for (boolean admin : new boolean[] {true, false}) {
        long[] t = s.fabric().connectTimes(admin);
        h.dataPoint(
            histogram(
                java.util.Arrays.copyOf(t, IoTimings.BUCKETS),
                t[IoTimings.BUCKETS],
                Labels.of("subsystem", s.nqn(), "queue", admin ? "admin" : "io")));
      }
    }
    return h.build();
  }

  private static HistogramSnapshot.HistogramDataPointSnapshot histogram(
      long[] buckets, long sumNanos, Labels labels) {
    return HistogramSnapshot.HistogramDataPointSnapshot.builder()
        .classicHistogramBuckets(ClassicHistogramBuckets.of(UPPER_BOUNDS, buckets))
        .sum(sumNanos / 1e9)
        .labels(labels)
        .build();
  }

  /** The text exposition format (version 0.0.4). */
  public static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

  /** Everything, in the text exposition format. */
  public byte[] scrape() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
    PrometheusTextFormatWriter.create().write(out, registry.scrape());
    return out.toByteArray();
  }
}
