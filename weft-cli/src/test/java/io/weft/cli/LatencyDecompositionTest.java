package io.weft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.weft.block.BlockDevice;
import io.weft.block.IoCallback;
import io.weft.block.MemoryBlockDevice;
import io.weft.tgt.Target;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.SubsystemConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code weft perf --target-metrics} against a namespace whose backend answers every command a
 * known 2 ms late: the target's backend phase shows those 2 ms, the phases (of the default sample,
 * one command in eight) add up to the target's time, and the target's time plus the fabric and host
 * rest add up to what the host measured.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LatencyDecompositionTest {
  static final String NQN = "nqn.2026-12.io.weft.test:decomposition";
  static final long DELAY_MICROS = 2000;
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private Target target;

  @BeforeAll
  void start() throws Exception {
    target =
        Target.start(
            new TargetConfig(
                dir,
                List.of(ListenerConfig.of("127.0.0.1", 0)),
                List.of(new SubsystemConfig(NQN, "SN1", "Weft", null, List.of(), List.of())),
                "127.0.0.1:0",
                TuningConfig.defaults().withSpinNanos(0)));
    target.addNamespace(
        NQN, 1, new LateDevice(new MemoryBlockDevice(64 << 20)), 4096, UUID.randomUUID(), "late");
  }

  @AfterAll
  void stop() {
    target.close();
    timer.shutdownNow();
  }

  /** Memory that answers {@link #DELAY_MICROS} after doing the work. */
  private final class LateDevice implements BlockDevice {
    private final BlockDevice inner;

    LateDevice(BlockDevice inner) {
      this.inner = inner;
    }

    private IoCallback late(IoCallback callback) {
      return status ->
          timer.schedule(() -> callback.complete(status), DELAY_MICROS, TimeUnit.MICROSECONDS);
    }

    @Override
    public long sizeBytes() {
      return inner.sizeBytes();
    }

    @Override
    public long usedBytes() {
      return inner.usedBytes();
    }

    @Override
    public boolean volatileWriteCache() {
      return false;
    }

    @Override
    public void read(long offset, ByteBuf dst, int dstIndex, int length, IoCallback callback) {
      inner.read(offset, dst, dstIndex, length, late(callback));
    }

    @Override
    public void write(
        long offset, ByteBuf src, int srcIndex, int length, boolean fua, IoCallback callback) {
      inner.write(offset, src, srcIndex, length, fua, late(callback));
    }

    @Override
    public void flush(IoCallback callback) {
      inner.flush(late(callback));
    }

    @Override
    public void writeZeroes(long offset, long length, IoCallback callback) {
      inner.writeZeroes(offset, length, late(callback));
    }

    @Override
    public void deallocate(long offset, long length, IoCallback callback) {
      inner.deallocate(offset, length, late(callback));
    }

    @Override
    public void close() {
      inner.close();
    }
  }

  /** weft perf on namespace 1 with --target-metrics at {@code admin}, and more arguments. */
  private CliRun perfRun(String admin, String... more) {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "perf",
                "--traddr",
                "127.0.0.1",
                "--trsvcid",
                Integer.toString(target.listenAddresses().get(0).getPort()),
                "--nqn",
                NQN,
                "-n",
                "1",
                "--target-metrics",
                "--admin",
                admin));
    args.addAll(List.of(more));
    return CliRun.weft(args.toArray(String[]::new));
  }

  private JsonNode perf(String workload, String bs) throws Exception {
    CliRun run =
        perfRun(
            "127.0.0.1:" + target.adminAddress().getPort(),
            "--workload",
            workload,
            "--bs",
            bs,
            "--qd",
            "2",
            "--time",
            "2",
            "--warmup",
            "1",
            "-o",
            "json");
    assertEquals(0, run.code(), run.err());
    return JSON.readTree(run.out());
  }

  private static void assertAddsUp(JsonNode r, String what) {
    JsonNode t = r.get("target");
    String all = what + ": " + r;
    double host = r.get("latAvgUs").asDouble();
    double total = t.get("targetUs").asDouble();
    double receive = t.get("receiveUs").asDouble();
    double backend = t.get("backendUs").asDouble();
    double respond = t.get("respondUs").asDouble();
    // The backend's known delay, plus at most what waking the timer thread costs here.
    assertTrue(backend >= DELAY_MICROS && backend < DELAY_MICROS + 1500, all);
    // The phases partition each sampled command's time (one in eight, the default), so their means
    // add up to the mean of all within what the sample varies (the timer thread's wake-ups here).
    assertEquals(total, receive + backend + respond, total * 0.1, all);
    // The host saw the target's time plus a loopback round trip and its own work: positive, and
    // small beside the delay.
    double rest = t.get("fabricAndHostUs").asDouble();
    assertEquals(host, total + rest, 0.01, all);
    assertTrue(rest > 0 && rest < 1000, all);
    // Both sides counted the same commands, to the ones in flight at the window's edges.
    long hostIos = r.get("ios").asLong();
    long targetIos = t.get("targetCommands").asLong();
    assertTrue(Math.abs(hostIos - targetIos) <= 2 * 2 + hostIos / 20, all);
  }

  @Test
  void readsSplitIntoTargetPhasesAndTheRest() throws Exception {
    JsonNode r = perf("randread", "4k");
    assertAddsUp(r, "reads");
    // A read has no data to wait for: its receive phase is decoding and buffer set-up only.
    assertTrue(r.get("target").get("receiveUs").asDouble() < 100, r.toString());
  }

  @Test
  void writesThroughR2tSpendTheirDataTransferInReceive() throws Exception {
    JsonNode r = perf("randwrite", "128k");
    assertAddsUp(r, "writes");
    // 128 KiB is beyond in-capsule data: the target asks for it (R2T), and that round trip and
    // transfer are the receive phase.
    assertTrue(r.get("target").get("receiveUs").asDouble() > 5, r.toString());
  }

  @Test
  void anUnreachableMetricsEndpointFailsTheRunClearly() throws Exception {
    CliRun run = perfRun("127.0.0.1:" + CliRun.freePort(), "--time", "1", "--warmup", "0");
    assertEquals(ExitCodes.FAILED, run.code(), run.out() + run.err());
    assertTrue(run.err().contains("--target-metrics: cannot reach the admin API"), run.err());
  }
}
