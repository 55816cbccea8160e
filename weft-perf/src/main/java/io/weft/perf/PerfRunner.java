package io.weft.perf;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.weft.host.Command;
import io.weft.host.HostController;
import io.weft.host.HostStatus;
import io.weft.host.NvmeNamespace;
import io.weft.protocol.nvme.Opcodes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Drives a namespace at a fixed queue depth per queue, like spdk_nvme_perf: every queue (lane) owns
 * its commands and buffers, and each completion, on that queue's event loop, records its latency
 * and resubmits the same command at once. Nothing is allocated per I/O.
 */
public final class PerfRunner {
  /** Called once a second with the last second's figures (latencies in µs). */
  public interface Progress {
    void tick(
        int second,
        boolean warmup,
        double iops,
        double mibPerSec,
        double avgLatencyUs,
        double p50Us,
        double p99Us);
  }

  /**
   * Told when the measured part of a run starts (warm-up over) and ends (before the lanes stop), on
   * the thread that called {@link #run}, while I/O keeps running: a caller reads the target's
   * counters there.
   */
  public interface Window {
    void opened();

    void closed();

    /**
     * The target's side of the run's latency, given the host's mean; null if this window read
     * nothing (called once, after {@link #closed}).
     */
    default TargetTimes.Breakdown breakdown(double hostMeanUs) {
      return null;
    }

    Window NONE =
        new Window() {
          @Override
          public void opened() {}

          @Override
          public void closed() {}
        };
  }

  private PerfRunner() {}

  public static PerfResult run(HostController controller, PerfOptions o, Progress progress)
      throws IOException {
    return run(controller, o, progress, Window.NONE);
  }

  public static PerfResult run(
      HostController controller, PerfOptions o, Progress progress, Window window)
      throws IOException {
    NvmeNamespace ns = controller.namespace(o.nsid());
    if (o.blockSize() % ns.blockSize() != 0) {
      throw new IllegalArgumentException(
          "block size "
              + o.blockSize()
              + " is not a multiple of the namespace's "
              + ns.blockSize());
    }
    if (o.blockSize() > controller.maxTransferBytes()) {
      throw new IllegalArgumentException(
          "block size "
              + o.blockSize()
              + " exceeds the controller's maximum transfer "
              + controller.maxTransferBytes());
    }
    int queues = Math.min(o.queues(), controller.ioQueueCount());
    if (queues < o.queues()) {
      throw new IllegalArgumentException(
          "asked for " + o.queues() + " queues, controller granted " + controller.ioQueueCount());
    }
    long rangeBytes =
        o.rangeBytes() == 0 ? ns.sizeBytes() : Math.min(o.rangeBytes(), ns.sizeBytes());
    long slots = rangeBytes / o.blockSize();
    if (slots == 0) {
      throw new IllegalArgumentException("the range is smaller than one block of " + o.blockSize());
    }
    List<Lane> lanes = new ArrayList<>();
    for (int i = 0; i < queues; i++) {
      lanes.add(new Lane(controller, ns, o, i, slots));
    }
    try {
      lanes.forEach(Lane::start);
      long start = System.nanoTime();
      Histogram total = new Histogram(3);
      long measuredIos = 0;
      long measuredBytes = 0;
      long measureStart = 0;
      long measureEnd = 0;
      long cpuStart = 0;
      long cpuEnd = 0;
      int totalSeconds = o.warmupSec() + o.durationSec();
      long[] lastIos = new long[queues];
      if (o.warmupSec() == 0) {
        window.opened();
      }
      long cpuAtLastTick = ProcessCpu.nanos();
      for (int s = 1; s <= totalSeconds; s++) {
        sleepUntil(start + TimeUnit.SECONDS.toNanos(s));
        long cpuNow = ProcessCpu.nanos();
        boolean warmup = s <= o.warmupSec();
        Histogram second = new Histogram(3);
        long ios = 0;
        for (int i = 0; i < queues; i++) {
          Lane l = lanes.get(i);
          second.add(l.recorder.getIntervalHistogram());
          long now = l.completed;
          ios += now - lastIos[i];
          lastIos[i] = now;
        }
        if (s == o.warmupSec() + 1 || (o.warmupSec() == 0 && s == 1)) {
          measureStart = start + TimeUnit.SECONDS.toNanos(s - 1);
          cpuStart = cpuAtLastTick;
        }
        cpuAtLastTick = cpuNow;
        if (!warmup) {
          total.add(second);
          measuredIos += ios;
          measuredBytes += ios * o.blockSize();
        }
        if (s == o.warmupSec() && s > 0) {
          window.opened();
        }
        if (s == totalSeconds) {
          measureEnd = System.nanoTime();
          cpuEnd = cpuNow;
          window.closed();
        }
        if (progress != null) {
          progress.tick(
              s,
              warmup,
              ios,
              ios * (double) o.blockSize() / (1 << 20),
              second.getMean() / 1000.0,
              second.getValueAtPercentile(50) / 1000.0,
              second.getValueAtPercentile(99) / 1000.0);
        }
      }
      double seconds = (measureEnd - measureStart) / 1e9;
      lanes.forEach(Lane::stop);
      for (Lane l : lanes) {
        l.awaitDrained();
      }
      long errors = lanes.stream().mapToLong(l -> l.errors).sum();
      return new PerfResult(
          o.workload().label(),
          o.blockSize(),
          o.queueDepth(),
          queues,
          seconds,
          measuredIos,
          errors,
          measuredIos / seconds,
          measuredBytes / seconds / (1 << 20),
          total.getTotalCount() == 0 ? 0 : total.getMinValue() / 1000.0,
          total.getMean() / 1000.0,
          total.getValueAtPercentile(50) / 1000.0,
          total.getValueAtPercentile(99) / 1000.0,
          total.getValueAtPercentile(99.9) / 1000.0,
          total.getValueAtPercentile(99.99) / 1000.0,
          total.getMaxValue() / 1000.0,
          ProcessCpu.cores(cpuStart, cpuEnd, seconds),
          window.breakdown(total.getMean() / 1000.0));
    } finally {
      lanes.forEach(Lane::release);
    }
  }

  private static void sleepUntil(long deadline) throws IOException {
    long left;
    while ((left = deadline - System.nanoTime()) > 0) {
      try {
        TimeUnit.NANOSECONDS.sleep(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted");
      }
    }
  }

  /** One queue's share of the load: its commands, buffers, random stream and latency recorder. */
  private static final class Lane implements Command.Callback {
    private final HostController controller;
    private final PerfOptions o;
    private final int queue;
    private final long slots;
    private final int blocksPerIo;
    private final int nsid;
    private final SplittableRandom random;
    private final Command[] commands;
    private final ByteBuf[] buffers;
    final Recorder recorder = new Recorder(3);
    private long sequential;
    private volatile boolean running = true;
    volatile long completed;
    volatile long errors;
    private volatile int inflight;

    Lane(HostController controller, NvmeNamespace ns, PerfOptions o, int queue, long slots) {
      this.controller = controller;
      this.o = o;
      this.queue = queue;
      this.slots = slots;
      this.nsid = ns.nsid();
      this.blocksPerIo = o.blockSize() / ns.blockSize();
      this.random = new SplittableRandom(o.seed() * 31 + queue);
      // Sequential lanes start at different places so they don't read the same blocks.
      this.sequential = slots * queue / Math.max(o.queues(), 1);
      commands = new Command[o.queueDepth()];
      buffers = new ByteBuf[o.queueDepth()];
      byte[] fill = new byte[o.blockSize()];
      for (int i = 0; i < commands.length; i++) {
        buffers[i] = PooledByteBufAllocator.DEFAULT.directBuffer(o.blockSize(), o.blockSize());
        random.nextBytes(fill);
        buffers[i].writeBytes(fill);
        Command c = new Command();
        c.data = buffers[i];
        c.dataLength = o.blockSize();
        c.callback = this;
        commands[i] = c;
      }
    }

    void start() {
      inflight = commands.length;
      for (Command c : commands) {
        prepare(c);
        controller.submit(queue, c);
      }
    }

    private void prepare(Command c) {
      long slot;
      if (o.workload().random) {
        slot = random.nextLong(slots);
      } else {
        slot = sequential;
        sequential = sequential + 1 == slots ? 0 : sequential + 1;
      }
      boolean read =
          switch (o.workload()) {
            case READ, RANDREAD -> true;
            case WRITE, RANDWRITE -> false;
            case RANDRW -> random.nextInt(100) < o.readPercent();
          };
      c.io(read ? Opcodes.NVM_READ : Opcodes.NVM_WRITE, nsid, slot * blocksPerIo, blocksPerIo);
      c.status = 0;
    }

    @Override
    public void completed(Command c) {
      long latency = System.nanoTime() - c.submittedNanos;
      if (HostStatus.isSuccess(c.status)) {
        recorder.recordValue(latency);
        completed++;
      } else {
        errors++;
      }
      if (running) {
        prepare(c);
        controller.submit(queue, c);
      } else {
        inflight--;
      }
    }

    void stop() {
      running = false;
    }

    void awaitDrained() throws IOException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (inflight > 0) {
        if (System.nanoTime() > deadline) {
          throw new IOException("I/O did not drain within 60 s");
        }
        sleepUntil(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1));
      }
    }

    void release() {
      for (ByteBuf b : buffers) {
        if (b != null && b.refCnt() > 0) {
          b.release();
        }
      }
    }
  }
}
