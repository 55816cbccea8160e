package io.weft.node.discovery;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.weft.host.ConnectOptions;
import io.weft.host.HostController;
import io.weft.protocol.discovery.DiscoveryLogEntry;
import io.weft.protocol.discovery.DiscoveryLogPage;
import io.weft.protocol.nvme.Opcodes;
import io.weft.protocol.tcp.EventLoops;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * The simulated hosts of {@link DiscoveryStormBenchmark}, in a process of their own so that what
 * the service's JVM holds is the service's. It takes one command a line on stdin and answers one
 * line on stdout; times are {@link System#nanoTime} values, which on Linux read the system-wide
 * monotonic clock, so the two processes can compare them.
 *
 * <ul>
 *   <li>{@code now}: this process's clock.
 *   <li>{@code hosts N PORTS PREFIX}: N hosts (NQN {@code PREFIX<i>}; host i on port i mod k of the
 *       k comma-separated PORTS) start together; each connects a persistent discovery controller
 *       (keep-alive 30 s) with the Java host library, reads its log (header, then the whole page)
 *       and listens for asynchronous events. Answers the start and when each host had its log, and
 *       the CPU time this process used meanwhile.
 *   <li>{@code aens SECONDS}: waits until every host heard a discovery-log-change notice and read
 *       its log again; answers when each heard it and when each had read it again.
 *   <li>{@code floor N PORT EXCHANGES}: the floor: N plain TCP connections start together, each
 *       sends the requests of EXCHANGES ({@code request:response} byte counts, comma-separated) one
 *       after the other to {@link FloorServer}, waiting for each answer, and stays connected.
 *       Answers as {@code hosts} does.
 *   <li>{@code pushes SECONDS}: waits until every floor connection received one unsolicited message
 *       (the floor of a notice sent to every host).
 *   <li>{@code close}: closes every host and connection; {@code exit} ends the process.
 * </ul>
 */
final class HostFleet {
  private final EventLoopGroup loops = EventLoops.group(2, "fleet", 0);
  private final List<HostController> hosts = new ArrayList<>();
  private final List<Channel> floorChannels = new ArrayList<>();
  private long[] heard = new long[0];
  private long[] reread = new long[0];
  private int[] rereadEntries = new int[0];
  private CountDownLatch rereads = new CountDownLatch(0);
  private long[] pushed = new long[0];
  private CountDownLatch pushes = new CountDownLatch(0);
  private final AtomicReference<Throwable> failure = new AtomicReference<>();

  public static void main(String[] args) throws Exception {
    HostFleet fleet = new HostFleet();
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    PrintStream out = System.out;
    String line;
    while ((line = in.readLine()) != null) {
      String[] w = line.trim().split(" ");
      try {
        String answer =
            switch (w[0]) {
              case "now" -> "now " + System.nanoTime();
              case "hosts" -> fleet.hosts(Integer.parseInt(w[1]), w[2], w[3]);
              case "aens" -> fleet.aens(Integer.parseInt(w[1]));
              case "floor" -> fleet.floor(Integer.parseInt(w[1]), Integer.parseInt(w[2]), w[3]);
              case "pushes" -> fleet.pushes(Integer.parseInt(w[1]));
              case "close" -> fleet.close();
              case "exit" -> null;
              default -> "error unknown command " + w[0];
            };
        if (answer == null) {
          break;
        }
        out.println(answer);
      } catch (Exception e) {
        e.printStackTrace();
        out.println("error " + e.toString().replace('\n', ' '));
      }
      out.flush();
    }
    fleet.loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }

  /** One task per host or connection, all released at once; the start and each one's end. */
  private String together(int n, Task task) throws Exception {
    CountDownLatch go = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(n);
    long[] ends = new long[n];
    failure.set(null);
    for (int i = 0; i < n; i++) {
      int index = i;
      Thread.ofVirtual()
          .start(
              () -> {
                try {
                  go.await();
                  task.run(index);
                  ends[index] = System.nanoTime();
                } catch (Throwable t) {
                  failure.compareAndSet(null, t);
                } finally {
                  done.countDown();
                }
              });
    }
    Thread.sleep(200); // every thread waits at the latch
    long cpu = cpuNanos();
    long start = System.nanoTime();
    go.countDown();
    if (!done.await(120, TimeUnit.SECONDS)) {
      throw new IOException("not every host finished within 120 s");
    }
    cpu = cpuNanos() - cpu;
    if (failure.get() != null) {
      throw new IOException("a host failed: " + failure.get(), failure.get());
    }
    return start + " " + csv(ends) + " " + cpu;
  }

  /** CPU time this process has used, all threads. */
  static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private interface Task {
    void run(int index) throws Exception;
  }

  private String hosts(int n, String portList, String prefix) throws Exception {
    ConnectOptions[] services =
        Arrays.stream(portList.split(","))
            .map(
                p ->
                    ConnectOptions.defaults(
                            "127.0.0.1", Integer.parseInt(p), DiscoveryLogPage.DISCOVERY_NQN)
                        .withQueues(0, 32)
                        // Persistent, as a Linux host's discovery controller: 30 s keep-alive.
                        .withTimeouts(30, 0, 1, -1))
            .toArray(ConnectOptions[]::new);
    HostController[] connected = new HostController[n];
    int[] entries = new int[n];
    heard = new long[n];
    reread = new long[n];
    rereadEntries = new int[n];
    rereads = new CountDownLatch(n);
    String times =
        together(
            n,
            i -> {
              String nqn = prefix + i;
              HostController c =
                  HostController.connect(
                      services[i % services.length].withHost(
                          nqn, UUID.nameUUIDFromBytes(nqn.getBytes(StandardCharsets.UTF_8))),
                      loops);
              connected[i] = c;
              entries[i] = readLog(c).entries().size();
              c.onAsyncEvent(result -> heard(i, c));
            });
    synchronized (hosts) {
      hosts.addAll(Arrays.asList(connected));
    }
    return "hosts " + times + " " + csv(entries);
  }

  /**
   * On the host's control thread: note the time, then read the log again on a thread of its own.
   */
  private void heard(int i, HostController c) {
    if (heard[i] != 0) {
      return;
    }
    heard[i] = System.nanoTime();
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                rereadEntries[i] = readLog(c).entries().size();
                reread[i] = System.nanoTime();
              } catch (Exception e) {
                failure.compareAndSet(null, e);
              } finally {
                rereads.countDown();
              }
            });
  }

  private String aens(int seconds) throws Exception {
    failure.set(null);
    if (!rereads.await(seconds, TimeUnit.SECONDS)) {
      long missing = Arrays.stream(reread).filter(t -> t == 0).count();
      throw new IOException(missing + " host(s) did not hear the change within " + seconds + " s");
    }
    if (failure.get() != null) {
      throw new IOException("a host failed to read again: " + failure.get(), failure.get());
    }
    return "aens " + csv(heard) + " " + csv(reread) + " " + csv(rereadEntries);
  }

  /** The host's discovery log as nvme-cli reads it: the header for the count, then the page. */
  static DiscoveryLogPage readLog(HostController c) throws IOException {
    byte[] head = c.logPage(Opcodes.LOG_DISCOVERY, 0, DiscoveryLogPage.HEADER_SIZE);
    long records = Unpooled.wrappedBuffer(head).getLongLE(DiscoveryLogPage.NUMREC);
    int size = DiscoveryLogPage.HEADER_SIZE + (int) records * DiscoveryLogEntry.SIZE;
    byte[] all = c.logPage(Opcodes.LOG_DISCOVERY, 0, size);
    return DiscoveryLogPage.decode(Unpooled.wrappedBuffer(all), 0, size);
  }

  // ---- the floor: plain TCP, the same threads, nothing parsed ----

  private String floor(int n, int port, String exchangeList) throws Exception {
    int[][] exchanges =
        Arrays.stream(exchangeList.split(","))
            .map(e -> Arrays.stream(e.split(":")).mapToInt(Integer::parseInt).toArray())
            .toArray(int[][]::new);
    pushed = new long[n];
    pushes = new CountDownLatch(n);
    Channel[] channels = new Channel[n];
    String times =
        together(
            n,
            i -> {
              FloorClient client = new FloorClient(i);
              Channel ch = connect(port, client);
              channels[i] = ch;
              for (int[] x : exchanges) {
                client.exchange(ch, x[0], x[1]);
              }
            });
    synchronized (floorChannels) {
      floorChannels.addAll(Arrays.asList(channels));
    }
    return "floor " + times;
  }

  private Channel connect(int port, FloorClient client) throws Exception {
    CompletableFuture<Channel> connected = new CompletableFuture<>();
    new Bootstrap()
        .group(loops)
        .channel(EventLoops.clientChannel())
        .option(ChannelOption.TCP_NODELAY, true)
        .handler(
            new ChannelInitializer<SocketChannel>() {
              @Override
              protected void initChannel(SocketChannel ch) {
                ch.pipeline()
                    .addLast(new LengthFieldBasedFrameDecoder(1 << 24, 0, 4, 0, 4))
                    .addLast(client);
              }
            })
        .connect("127.0.0.1", port)
        .addListener(
            f -> {
              if (f.isSuccess()) {
                connected.complete(((io.netty.channel.ChannelFuture) f).channel());
              } else {
                connected.completeExceptionally(f.cause());
              }
            });
    return connected.get(30, TimeUnit.SECONDS);
  }

  /** One floor connection: answers complete the exchange waiting; anything else is a push. */
  private final class FloorClient extends SimpleChannelInboundHandler<ByteBuf> {
    private final int index;
    private volatile CompletableFuture<Void> waiting;

    FloorClient(int index) {
      this.index = index;
    }

    void exchange(Channel ch, int request, int response) throws Exception {
      CompletableFuture<Void> answered = new CompletableFuture<>();
      waiting = answered;
      ByteBuf b = ch.alloc().buffer(4 + request);
      b.writeInt(request).writeInt(response).writeZero(request - 4);
      ch.writeAndFlush(b);
      answered.get(30, TimeUnit.SECONDS);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
      CompletableFuture<Void> w = waiting;
      if (w != null) {
        waiting = null;
        w.complete(null);
      } else if (pushed[index] == 0) {
        pushed[index] = System.nanoTime();
        pushes.countDown();
      }
    }
  }

  private String pushes(int seconds) throws Exception {
    if (!pushes.await(seconds, TimeUnit.SECONDS)) {
      throw new IOException(pushes.getCount() + " connection(s) got no push in " + seconds + " s");
    }
    return "pushes " + csv(pushed);
  }

  private String close() throws Exception {
    List<HostController> toClose;
    synchronized (hosts) {
      toClose = new ArrayList<>(hosts);
      hosts.clear();
    }
    CountDownLatch closed = new CountDownLatch(toClose.size());
    for (HostController c : toClose) {
      Thread.ofVirtual()
          .start(
              () -> {
                try {
                  c.close();
                } finally {
                  closed.countDown();
                }
              });
    }
    synchronized (floorChannels) {
      floorChannels.forEach(Channel::close);
      floorChannels.clear();
    }
    if (!closed.await(60, TimeUnit.SECONDS)) {
      throw new IOException("hosts did not close within 60 s");
    }
    return "close";
  }

  private static String csv(long[] values) {
    return Arrays.stream(values).mapToObj(Long::toString).collect(Collectors.joining(","));
  }

  private static String csv(int[] values) {
    return Arrays.stream(values).mapToObj(Integer::toString).collect(Collectors.joining(","));
  }
}
