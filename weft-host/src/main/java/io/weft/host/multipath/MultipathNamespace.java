package io.weft.host.multipath;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.host.ConnectOptions;
import io.weft.host.HostController;
import io.weft.host.HostStatus;
import io.weft.host.NvmeException;
import io.weft.host.NvmeNamespace;
import io.weft.protocol.nvme.AnaLogPage;
import io.weft.protocol.nvme.AsyncEvent;
import io.weft.protocol.nvme.IdentifyNamespace;
import io.weft.protocol.nvme.Opcodes;
import io.weft.protocol.nvme.Status;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One namespace reached through several paths (controllers of one subsystem, one per node or port),
 * merged by namespace identity, the way the Linux host's native multipath does. Each path's ANA
 * state comes from its ANA log page, read at connect, when the path's controller reports an ANA
 * change (asynchronous event), when it reconnects, after any path-related failure, and, as a safety
 * net for a lost event, every {@link #DEFAULT_POLL} (the Linux host does not poll). I/O goes to an
 * optimized path chosen by the {@link Policy}; a non-optimized one is used only when no path is
 * optimized.
 *
 * <p>An I/O is retried on another path only when its old path can no longer complete it: the target
 * answered with a path-related status (it did not execute it, or refused to acknowledge it), or the
 * path's controller gave the command up (connection lost past its fast-I/O-fail or controller-loss
 * timeout). While no path is usable, I/O waits (up to the I/O timeout) instead of failing. Commands
 * are at most MDTS each, so a retried command never has a part still in flight.
 */
public final class MultipathNamespace implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MultipathNamespace.class);

  /** How often every path's ANA state is read again without being told. */
  public static final java.time.Duration DEFAULT_POLL = java.time.Duration.ofSeconds(5);

  /** Which of the optimized paths an I/O takes. */
  public enum Policy {
    /** The first optimized path in the order given: all I/O on one path until it fails. */
    FAILOVER,
    /** The optimized paths in turn. */
    ROUND_ROBIN,
    /** The optimized path with the fewest commands in flight. */
    QUEUE_DEPTH
  }

  /** One path: its controller, the namespace on it, and the ANA state last read. */
  private static final class Path {
    final HostController controller;
    final NvmeNamespace ns;
    final AtomicInteger inFlight = new AtomicInteger();
    volatile int state = AnaLogPage.INACCESSIBLE;

    Path(HostController controller, NvmeNamespace ns) {
      this.controller = controller;
      this.ns = ns;
    }

    String name() {
      ConnectOptions o = controller.options();
      return o.address() + ":" + o.port();
    }
  }

  private final List<Path> paths;
  private final int nsid;
  private final int anaGroup;
  private final int blockShift;
  private final long sizeBlocks;
  private final Policy policy;
  private final long ioTimeoutNanos;
  private final ScheduledExecutorService timer;
  private final AtomicInteger next = new AtomicInteger();

  private MultipathNamespace(
      List<Path> paths,
      int nsid,
      IdentifyNamespace id,
      Policy policy,
      long ioTimeoutNanos,
      java.time.Duration poll) {
    this.paths = List.copyOf(paths);
    this.nsid = nsid;
    this.anaGroup = id.anaGroupId();
    this.blockShift = id.blockSizeShift();
    this.sizeBlocks = id.sizeBlocks();
    this.policy = policy;
    this.ioTimeoutNanos = ioTimeoutNanos;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("multipath-" + nsid).unstarted(r));
    long pollMs = poll.toMillis();
    timer.scheduleWithFixedDelay(this::refreshAll, pollMs, pollMs, TimeUnit.MILLISECONDS);
    for (Path p : this.paths) {
      p.controller.onAsyncEvent(
          new HostController.EventListener() {
            @Override
            public void asyncEvent(int result) {
              if ((result & 0xFF07)
                  == (AsyncEvent.ANA_CHANGE & 0xFF07)) { // type notice, information ANA change
                refreshSoon(p);
              }
            }

            @Override
            public void reconnected() {
              refreshSoon(p);
            }
          });
    }
  }

  /** Reads a path's ANA state again on the multipath thread (never on a controller's). */
  private void refreshSoon(Path p) {
    try {
      timer.execute(() -> refresh(p));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closed
    }
  }

  /**
   * Connects every path and merges them. Paths that cannot be reached now are left out; at least
   * one must connect, and every connected path must show the same namespace (NGUID).
   *
   * @param paths one set of options per path, same subsystem NQN
   */
  public static MultipathNamespace connect(
      List<ConnectOptions> paths, int nsid, Policy policy, int ioTimeoutSeconds)
      throws IOException {
    return connect(paths, nsid, policy, ioTimeoutSeconds, DEFAULT_POLL);
  }

  /**
   * As {@link #connect(List, int, Policy, int)}, reading every path's ANA state every {@code poll}
   * as well as on the events that announce a change.
   */
  public static MultipathNamespace connect(
      List<ConnectOptions> paths,
      int nsid,
      Policy policy,
      int ioTimeoutSeconds,
      java.time.Duration poll)
      throws IOException {
    List<Path> connected = new ArrayList<>();
    IdentifyNamespace first = null;
    IOException lastFailure = null;
    for (ConnectOptions o : paths) {
      HostController c;
      try {
        c = HostController.connect(o);
      } catch (IOException e) {
        log.warn("multipath: path {}:{} not connected: {}", o.address(), o.port(), e.getMessage());
        lastFailure = e;
        continue;
      }
      try {
        IdentifyNamespace id = c.identifyNamespace(nsid);
        if (first == null) {
          first = id;
        } else if (!Arrays.equals(first.nguid(), id.nguid())) {
          throw new IOException(
              "path " + o.address() + ":" + o.port() + " shows another namespace (NGUID differs)");
        }
        connected.add(new Path(c, c.namespace(nsid)));
      } catch (IOException | RuntimeException e) {
        c.close();
        connected.forEach(p -> p.controller.close());
        throw e;
      }
    }
    if (connected.isEmpty()) {
      throw new IOException("no path connected", lastFailure);
    }
    MultipathNamespace m =
        new MultipathNamespace(
            connected, nsid, first, policy, TimeUnit.SECONDS.toNanos(ioTimeoutSeconds), poll);
    for (Path p : m.paths) {
      m.refresh(p);
    }
    return m;
  }

  public int blockSize() {
    return 1 << blockShift;
  }

  public long sizeBlocks() {
    return sizeBlocks;
  }

  /** How many paths have a live connection now. */
  public int connectedPaths() {
    return (int) paths.stream().filter(p -> p.controller.isLive()).count();
  }

  /** The ANA state of each path, in the order given, as last read ("optimized", ...). */
  public List<String> pathStates() {
    return paths.stream().map(p -> p.name() + "=" + AnaLogPage.name(p.state)).toList();
  }

  public CompletableFuture<Void> read(long slba, int blocks, ByteBuf dst, int index) {
    return split(
        slba, blocks, index, (ns, part) -> ns.read(part.slba, part.blocks, dst, part.index));
  }

  public CompletableFuture<Void> write(long slba, int blocks, ByteBuf src, int index) {
    return split(
        slba, blocks, index, (ns, part) -> ns.write(part.slba, part.blocks, src, part.index));
  }

  public CompletableFuture<Void> flush() {
    return new Attempt(ns -> ns.flush(), System.nanoTime() + ioTimeoutNanos).start();
  }

  public void writeBlocking(long slba, int blocks, ByteBuf src, int index) throws IOException {
    join(write(slba, blocks, src, index));
  }

  public void readBlocking(long slba, int blocks, ByteBuf dst, int index) throws IOException {
    join(read(slba, blocks, dst, index));
  }

  private record Part(long slba, int blocks, int index) {}

  private interface PartIo {
    CompletableFuture<Void> run(NvmeNamespace ns, Part part);
  }

  /** Splits at the smallest MDTS of the paths, so every command is retried on its own. */
  private CompletableFuture<Void> split(long slba, int blocks, int index, PartIo io) {
    int mdts = Integer.MAX_VALUE;
    for (Path p : paths) {
      mdts = Math.min(mdts, p.controller.maxTransferBytes());
    }
    int max = Math.max(1, mdts >>> blockShift);
    List<CompletableFuture<Void>> parts = new ArrayList<>();
    long deadline = System.nanoTime() + ioTimeoutNanos;
    for (int first = 0; first < blocks; first += max) {
      Part part =
          new Part(slba + first, Math.min(max, blocks - first), index + (first << blockShift));
      parts.add(new Attempt(ns -> io.run(ns, part), deadline).start());
    }
    return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new));
  }

  /** One command, sent to a usable path, retried elsewhere only when that is safe. */
  private final class Attempt {
    final Function<NvmeNamespace, CompletableFuture<Void>> io;
    final long deadline;
    final CompletableFuture<Void> result = new CompletableFuture<>();

    Attempt(Function<NvmeNamespace, CompletableFuture<Void>> io, long deadline) {
      this.io = io;
      this.deadline = deadline;
    }

    CompletableFuture<Void> start() {
      send();
      return result;
    }

    void send() {
      Path p = choose();
      if (p == null) {
        retryLater(new IOException("no usable path: " + pathStates()));
        return;
      }
      p.inFlight.incrementAndGet();
      CompletableFuture<Void> f;
      try {
        f = io.apply(p.ns);
      } catch (RuntimeException e) {
        f = CompletableFuture.failedFuture(e);
      }
      f.whenComplete(
          (ok, error) -> {
            p.inFlight.decrementAndGet();
            if (error == null) {
              result.complete(null);
              return;
            }
            Throwable cause =
                error instanceof java.util.concurrent.CompletionException
                    ? error.getCause()
                    : error;
            if (cause instanceof NvmeException e && pathFailure(e.status())) {
              // Not executed, or given up by the controller: safe to send again elsewhere.
              p.state = pathState(e.status(), p.state);
              timer.execute(() -> refresh(p));
              retryLater(e);
            } else {
              result.completeExceptionally(cause);
            }
          });
    }

    void retryLater(Throwable why) {
      if (System.nanoTime() > deadline) {
        result.completeExceptionally(
            why instanceof IOException ? why : new IOException("no path completed the I/O", why));
        return;
      }
      timer.schedule(this::send, 20, TimeUnit.MILLISECONDS);
    }
  }

  /** A failure after which the command can safely go to another path. */
  private static boolean pathFailure(int status) {
    if (status == HostStatus.FAST_IO_FAIL || status == HostStatus.CONTROLLER_LOST) {
      return true;
    }
    return !HostStatus.isHostStatus(status) && Status.sct(status) == Status.SCT_PATH;
  }

  /** What a failure says about the path until the ANA log is read again. */
  private static int pathState(int status, int current) {
    if (HostStatus.isHostStatus(status)) {
      return AnaLogPage.INACCESSIBLE;
    }
    return switch (status & 0x7FF) {
      case Status.ANA_TRANSITION & 0x7FF -> AnaLogPage.CHANGE;
      case Status.ANA_PERSISTENT_LOSS & 0x7FF -> AnaLogPage.PERSISTENT_LOSS;
      case Status.ANA_INACCESSIBLE & 0x7FF -> AnaLogPage.INACCESSIBLE;
      default -> current;
    };
  }

  private Path choose() {
    List<Path> optimized = new ArrayList<>(paths.size());
    Path nonOptimized = null;
    for (Path p : paths) {
      if (!p.controller.isLive()) {
        continue;
      }
      if (p.state == AnaLogPage.OPTIMIZED) {
        optimized.add(p);
      } else if (p.state == AnaLogPage.NON_OPTIMIZED && nonOptimized == null) {
        nonOptimized = p;
      }
    }
    if (optimized.isEmpty()) {
      return nonOptimized;
    }
    return switch (policy) {
      case FAILOVER -> optimized.get(0);
      case ROUND_ROBIN -> optimized.get(Math.floorMod(next.getAndIncrement(), optimized.size()));
      case QUEUE_DEPTH -> {
        Path best = optimized.get(0);
        for (Path p : optimized) {
          if (p.inFlight.get() < best.inFlight.get()) {
            best = p;
          }
        }
        yield best;
      }
    };
  }

  private void refreshAll() {
    for (Path p : paths) {
      refresh(p);
    }
  }

  /** Reads the path's ANA log page; a path that cannot answer is inaccessible meanwhile. */
  private void refresh(Path p) {
    if (!p.controller.isLive()) {
      p.state = AnaLogPage.INACCESSIBLE;
      return;
    }
    try {
      byte[] page = p.controller.logPage(Opcodes.LOG_ANA, 0xFFFFFFFF, 4096);
      int state = AnaLogPage.decode(Unpooled.wrappedBuffer(page), 0).stateOf(anaGroup);
      int old = p.state;
      p.state = state < 0 ? AnaLogPage.INACCESSIBLE : state;
      if (old != p.state) {
        log.info("multipath: path {} is {}", p.name(), AnaLogPage.name(p.state));
      }
    } catch (IOException | RuntimeException e) {
      p.state = AnaLogPage.INACCESSIBLE;
    }
  }

  private static void join(CompletableFuture<Void> f) throws IOException {
    try {
      f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException(e.getCause());
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
    for (Path p : paths) {
      p.controller.close();
    }
  }
}
