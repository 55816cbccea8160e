package io.weft.tgt.metrics;

import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.weft.protocol.nvme.Opcodes;
import io.weft.tgt.core.Controller;
import io.weft.tgt.core.FabricCounters;
import io.weft.tgt.core.IoLatency;
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
 * <p>Counters and gauges are read when scraped, from what the target keeps anyway (the SMART
 * counters, its subsystems and controllers), so they cost the I/O path nothing. The one thing
 * measured for them is each NVM command's latency, from its capsule decoded to its backend's
 * answer, into a histogram per subsystem and operation (read, write, other): two clock reads and
 * one histogram update per command, no allocation. The process' own metrics (CPU seconds, memory,
 * GC, threads) come from the Prometheus client's JVM instrumentation.
 *
 * <p>Labels are bounded: a subsystem NQN and one of three operations.
 */
public final class TargetMetrics implements IoLatency.Binding {
  /** From 5 µs to 2.5 s: loopback round trips at the bottom, a stalled device at the top. */
  static final double[] LATENCY_BUCKETS = {
    0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
    0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5
  };

  static final String[] OPERATIONS = {"read", "write", "other"};

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final TargetCore core;
  private final Histogram latency;

  public TargetMetrics(TargetCore core) {
    this.core = core;
    JvmMetrics.builder().register(registry);
    latency =
        Histogram.builder()
            .name("weft_io_latency_seconds")
            .help("NVM command latency, from the capsule decoded to the backend's answer")
            .labelNames("subsystem", "op")
            .classicOnly()
            .classicUpperBounds(LATENCY_BUCKETS)
            .register(registry);
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
    GaugeWithCallback.builder()
        .name("weft_controllers")
        .help("Connected controllers (host associations)")
        .labelNames("subsystem")
        .callback(
            cb -> {
              for (Subsystem s : core.subsystems()) {
                cb.call(s.controllers().size(), s.nqn());
              }
            })
        .register(registry);
    GaugeWithCallback.builder()
        .name("weft_connections")
        .help("Connected queues (TCP connections): admin and I/O")
        .labelNames("subsystem")
        .callback(
            cb -> {
              for (Subsystem s : core.subsystems()) {
                long queues = 0;
                for (Controller c : s.controllers()) {
                  queues += 1 + c.connectedIoQueues();
                }
                cb.call(queues, s.nqn());
              }
            })
        .register(registry);
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
    core.ioLatencies(this);
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

  @Override
  public IoLatency bind(String subsystemNqn) {
    DistributionDataPoint read = latency.labelValues(subsystemNqn, OPERATIONS[0]);
    DistributionDataPoint write = latency.labelValues(subsystemNqn, OPERATIONS[1]);
    DistributionDataPoint other = latency.labelValues(subsystemNqn, OPERATIONS[2]);
    return (opcode, nanos) -> {
      double seconds = nanos / 1e9;
      switch (opcode) {
        case Opcodes.NVM_READ -> read.observe(seconds);
        case Opcodes.NVM_WRITE -> write.observe(seconds);
        default -> other.observe(seconds);
      }
    };
  }

  @Override
  public void unbind(String subsystemNqn) {
    for (String op : OPERATIONS) {
      latency.remove(subsystemNqn, op);
    }
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
