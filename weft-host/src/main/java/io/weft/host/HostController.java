package io.weft.host;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.weft.host.tcp.HostQueue;
import io.weft.host.tcp.QueueConnector;
import io.weft.protocol.auth.AuthProtocol;
import io.weft.protocol.auth.DhchapSecret;
import io.weft.protocol.auth.FailureReason;
import io.weft.protocol.discovery.DiscoveryInformation;
import io.weft.protocol.fabrics.ConnectCommand;
import io.weft.protocol.nvme.ControllerRegisters;
import io.weft.protocol.nvme.IdentifyController;
import io.weft.protocol.nvme.IdentifyNamespace;
import io.weft.protocol.nvme.Opcodes;
import io.weft.protocol.nvme.Status;
import io.weft.protocol.tcp.EventLoops;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection to one NVMe controller over NVMe/TCP: the admin queue, N I/O queues on their own
 * connections, keep-alive, and recovery. When a connection is lost the controller reconnects every
 * reconnect-delay until ctrl-loss-tmo; I/O submitted or unfinished meanwhile waits and is resent,
 * or fails once fast-io-fail-tmo or ctrl-loss-tmo expires, so every command ends in a completion or
 * a clear error.
 *
 * <p>Hot path: {@link #submit} picks a queue without locks (the caller's own event loop if it is
 * one of ours, else by thread) and hands the reusable {@link Command} over; the callback runs on
 * that queue's event loop.
 */
public final class HostController implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HostController.class);

  /** Cap when a controller reports MDTS 0 (no limit): the Linux host's default, 1280 KiB. */
  public static final int NO_MDTS_CAP = 1280 * 1024;

  private static final int ADMIN_SQSIZE = 31;

  private enum State {
    CONNECTING,
    LIVE,
    DELETED
  }

  private final ConnectOptions options;
  private final EventLoopGroup group;

  /** False when the caller lent its event loops: they stay running after this controller. */
  private final boolean ownsGroup;

  private final QueueConnector connector;
  private final QueueCommands commands;
  private final DhchapAuthenticator authenticator;

  /** DH-HMAC-CHAP secrets: from the options, replaced by {@link #reauthenticate}. */
  private volatile DhchapSecret dhchapSecret;

  private volatile DhchapSecret dhchapCtrlSecret;
  private final ScheduledExecutorService control;
  private final ConcurrentLinkedQueue<Command> pending = new ConcurrentLinkedQueue<>();
  private final Object lock = new Object();

  private volatile State state = State.CONNECTING;
  private volatile HostQueue admin;
  private volatile HostQueue[] io = new HostQueue[0];
  private volatile boolean fastFailed;
  private final java.util.concurrent.atomic.AtomicInteger reconnects =
      new java.util.concurrent.atomic.AtomicInteger();
  private long lostSinceNanos;
  private ScheduledFuture<?> keepAlive;

  private int cntlid;
  private long cap;

  /**
   * Every queue's Connect was answered with SQHD FFFFh: the controller runs them without SQ flow
   * control.
   */
  private volatile boolean sqFlowControlOff;

  private IdentifyController identify;
  private int maxTransfer;
  private int ioInCapsule;
  private int ioQueueSize;

  private HostController(ConnectOptions options, EventLoopGroup lent) {
    this.options = options;
    int threads =
        Math.max(
            1,
            Math.min(Math.max(options.ioQueues(), 1), Runtime.getRuntime().availableProcessors()));
    this.ownsGroup = lent == null;
    this.group =
        lent != null
            ? lent
            : EventLoops.group(
                threads, "weft-host", TimeUnit.MICROSECONDS.toNanos(options.spinMicros()));
    this.connector =
        new QueueConnector(group).withTls(options.tls(), options.hostNqn(), options.subsystemNqn());
    this.commands = new QueueCommands(options);
    this.authenticator =
        new DhchapAuthenticator(commands, options.hostNqn(), options.subsystemNqn());
    this.dhchapSecret = options.dhchapSecret();
    this.dhchapCtrlSecret = options.dhchapCtrlSecret();
    // A virtual thread: a controller's control work (keep-alive every KATO/2, reconnects, event
    // delivery) is almost all waiting, and a platform thread per controller made a process with
    // a thousand of them (a discovery boot storm) pay a kernel thread start per connect and a
    // kernel wake-up per event.
    this.control =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofVirtual().name("weft-host-control").factory());
    this.events = new AsyncEvents(new EventPort(), control);
  }

  /** Connects (admin queue, enable, identify, I/O queues) and returns a live controller. */
  public static HostController connect(ConnectOptions options) throws IOException {
    return connect(options, null);
  }

  /**
   * As {@link #connect(ConnectOptions)}, on event loops the caller already runs (a target that is
   * also a host, as an owner is of its replicas): a command submitted from one of those loops goes
   * out on a queue of that loop and completes there, with no thread hop either way. The loops stay
   * the caller's; never call the blocking methods from them.
   */
  public static HostController connect(ConnectOptions options, EventLoopGroup loops)
      throws IOException {
    HostController c = new HostController(options, loops);
    try {
      c.establish();
    } catch (IOException | RuntimeException e) {
      c.shutdownResources();
      throw e;
    }
    c.state = State.LIVE;
    c.startKeepAlive();
    return c;
  }

  // ---- connection setup ----

  /** The whole connect sequence; on success the new queues are installed. */
  private void establish() throws IOException {
    HostQueue newAdmin = null;
    List<HostQueue> newIo = new ArrayList<>();
    try {
      newAdmin =
          commands.await(
              connector.connect(
                  options.address(),
                  options.port(),
                  options.headerDigest(),
                  options.dataDigest(),
                  ADMIN_SQSIZE),
              "connect to " + options.address() + ":" + options.port());
      newAdmin.configure(0, 0, adminTimeoutNanos(), SETUP_LOSS);
      Command conn =
          commands.fabricsConnect(
              newAdmin, 0, ADMIN_SQSIZE, 0xFFFF, options.keepAliveTimeoutSec() * 1000);
      cntlid = (int) (conn.result & 0xFFFF);
      boolean flowControlOff = conn.sqhd == ConnectCommand.SQHD_SQ_FLOW_DISABLED;
      authenticateIfAsked(newAdmin, 0, conn.result);
      cap = commands.property(newAdmin, ControllerRegisters.CAP, true);
      commands.propertySet(newAdmin, ControllerRegisters.CC, 0x00460000);
      commands.propertySet(newAdmin, ControllerRegisters.CC, 0x00460001);
      waitReady(newAdmin);
      identify =
          IdentifyController.decode(
              Unpooled.wrappedBuffer(commands.identifyBytes(newAdmin, Opcodes.CNS_CONTROLLER, 0)),
              0);
      if (identify.cntlid() != cntlid) {
        throw new IOException(
            "controller ID mismatch: Connect gave "
                + cntlid
                + ", Identify says "
                + identify.cntlid());
      }
      long mdtsBytes = IdentifyController.maxTransferBytes(identify.mdts());
      maxTransfer = (int) (mdtsBytes == 0 ? NO_MDTS_CAP : Math.min(mdtsBytes, 1 << 30));
      ioInCapsule = Math.max(0, identify.ioccsz() * 16 - 64);
      int queues = 0;
      if (options.ioQueues() > 0
          && identify.controllerType() != IdentifyController.CONTROLLER_TYPE_DISCOVERY) {
        int n = options.ioQueues() - 1;
        Command nq =
            commands.adminSync(
                newAdmin,
                new Command().reset(),
                Opcodes.ADMIN_SET_FEATURES,
                0,
                Opcodes.FEAT_NUMBER_OF_QUEUES,
                n | n << 16,
                null,
                0,
                "Set Features (number of queues)");
        queues =
            Math.min(
                options.ioQueues(),
                Math.min((int) (nq.result & 0xFFFF), (int) (nq.result >>> 16 & 0xFFFF)) + 1);
      }
      int mqes = ControllerRegisters.capMqes(cap) + 1;
      ioQueueSize =
          Math.min(
              options.queueSize(),
              Math.min(mqes, identify.maxcmd() > 0 ? identify.maxcmd() : mqes));
      for (int qid = 1; qid <= queues; qid++) {
        HostQueue q =
            commands.await(
                connector.connect(
                    options.address(),
                    options.port(),
                    options.headerDigest(),
                    options.dataDigest(),
                    ioQueueSize - 1),
                "connect I/O queue " + qid);
        newIo.add(q);
        q.configure(qid, ioInCapsule, TimeUnit.SECONDS.toNanos(options.ioTimeoutSec()), SETUP_LOSS);
        Command ioConn = commands.fabricsConnect(q, qid, ioQueueSize - 1, cntlid, 0);
        flowControlOff &= ioConn.sqhd == ConnectCommand.SQHD_SQ_FLOW_DISABLED;
        authenticateIfAsked(q, qid, ioConn.result);
      }
      sqFlowControlOff = flowControlOff;
    } catch (IOException | RuntimeException e) {
      for (HostQueue q : newIo) {
        q.close();
      }
      if (newAdmin != null) {
        newAdmin.close();
      }
      throw e;
    }
    admin = newAdmin;
    io = newIo.toArray(HostQueue[]::new);
    newAdmin.setLossListener(this::queueLost);
    for (HostQueue q : newIo) {
      q.setLossListener(this::queueLost);
    }
  }

  /**
   * DH-HMAC-CHAP after Connect: when the controller asks (ATR), or when this host wants the
   * controller to prove its key (a controller secret is set), as SPDK's host does, so a target
   * without the key cannot pass for the real one by not asking.
   */
  private void authenticateIfAsked(HostQueue q, int qid, long connectResult) throws IOException {
    boolean asked = (connectResult & AuthProtocol.CONNECT_ATR) != 0;
    DhchapSecret secret = dhchapSecret;
    DhchapSecret ctrlSecret = dhchapCtrlSecret;
    if (!asked && ctrlSecret == null) {
      return;
    }
    if (secret == null) {
      q.close();
      throw new AuthenticationException(
          AuthenticationException.Side.HOST,
          FailureReason.FAILED,
          "controller requires DH-HMAC-CHAP authentication of host "
              + options.hostNqn()
              + " on "
              + options.subsystemNqn()
              + ": give this host's secret (--dhchap-secret)");
    }
    authenticator.authenticate(q, qid, secret, ctrlSecret);
  }

  /**
   * Authenticates every queue again, with new secrets from now on (reconnects use them too): a key
   * rotation reaches a connected host this way without a reconnect. I/O keeps flowing meanwhile.
   *
   * @param ctrlSecret null for unidirectional authentication
   * @throws AuthenticationException if the controller refused; it then ends that connection and the
   *     controller recovers as from any connection loss (with the new secrets)
   */
  public void reauthenticate(DhchapSecret secret, DhchapSecret ctrlSecret) throws IOException {
    if (secret == null) {
      throw new IllegalArgumentException("a host secret is required");
    }
    dhchapSecret = secret;
    dhchapCtrlSecret = ctrlSecret;
    HostQueue a = admin;
    HostQueue[] queues = io;
    if (a == null) {
      throw new NvmeException(HostStatus.CONTROLLER_LOST, Opcodes.FABRICS, "re-authentication");
    }
    authenticator.authenticate(a, 0, secret, ctrlSecret);
    for (int i = 0; i < queues.length; i++) {
      authenticator.authenticate(queues[i], i + 1, secret, ctrlSecret);
    }
  }

  /** While a connection is being set up, a loss fails its commands: establish() reports it. */
  private static final HostQueue.LossListener SETUP_LOSS =
      (q, unfinished, cause) -> unfinished.forEach(c -> fail(c, HostStatus.CONTROLLER_LOST));

  private long adminTimeoutNanos() {
    // A keep-alive that is not answered within KATO means the controller is gone.
    int kato = options.keepAliveTimeoutSec();
    return TimeUnit.SECONDS.toNanos(
        kato > 0 ? Math.min(kato, options.ioTimeoutSec()) : options.ioTimeoutSec());
  }

  private void waitReady(HostQueue q) throws IOException {
    long timeout = (ControllerRegisters.capTimeout(cap) + 1) * 500L;
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeout);
    while (true) {
      long csts = commands.property(q, ControllerRegisters.CSTS, false);
      if ((csts & ControllerRegisters.CSTS_CFS) != 0) {
        throw new IOException(
            "controller fatal status while enabling (CSTS=0x" + Long.toHexString(csts) + ")");
      }
      if ((csts & ControllerRegisters.CSTS_RDY) != 0) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IOException("controller not ready within " + timeout + " ms");
      }
      sleep(2);
    }
  }

  // ---- keep alive and recovery ----

  private void startKeepAlive() {
    int kato = options.keepAliveTimeoutSec();
    if (kato <= 0) {
      return;
    }
    long periodMs = Math.max(kato * 1000L / 2, 100);
    keepAlive =
        control.scheduleAtFixedRate(this::sendKeepAlive, periodMs, periodMs, TimeUnit.MILLISECONDS);
  }

  private final Command keepAliveCommand = new Command();
  private volatile boolean keepAliveOutstanding;

  private void sendKeepAlive() {
    HostQueue q = admin;
    if (state != State.LIVE || q == null || keepAliveOutstanding) {
      // An unanswered keep-alive is caught by the admin queue's timeout (KATO).
      return;
    }
    keepAliveOutstanding = true;
    Command c = keepAliveCommand.reset();
    c.opcode = Opcodes.ADMIN_KEEP_ALIVE;
    c.callback = done -> keepAliveOutstanding = false;
    q.submit(c);
  }

  // ---- asynchronous events ----

  /** Hears a controller's asynchronous events; called on the controller's control thread. */
  public interface EventListener {
    /**
     * One event: the completion's dword 0 (type, information and log page, see {@code AsyncEvent}).
     * The listener reads the named log page to clear the event.
     */
    void asyncEvent(int result);

    /** Connected again after a loss: events of the gap were not reported; read state again. */
    default void reconnected() {}
  }

  private final AsyncEvents events;

  /** What {@link AsyncEvents} needs of this controller. */
  private final class EventPort implements AsyncEvents.Controller {
    @Override
    public HostQueue liveAdmin() {
      HostQueue q = admin;
      return state == State.LIVE ? q : null;
    }

    @Override
    public IdentifyController identify() {
      return identify;
    }

    @Override
    public int cntlid() {
      return cntlid;
    }
  }

  /**
   * Reports this controller's asynchronous events to {@code listener} (see {@link AsyncEvents}):
   * the first listener enables the notices the controller supports, and one Asynchronous Event
   * Request stays outstanding from then on, as the Linux host does.
   */
  public void onAsyncEvent(EventListener listener) {
    events.listen(listener);
  }

  /** A queue's connection ended: start recovery and keep its unfinished commands. */
  private void queueLost(HostQueue q, List<Command> unfinished, Throwable cause) {
    boolean adminQueue = q == admin;
    boolean startRecovery = false;
    synchronized (lock) {
      if (state == State.LIVE && (q == admin || contains(io, q))) {
        state = State.CONNECTING;
        lostSinceNanos = System.nanoTime();
        fastFailed = false;
        startRecovery = true;
        log.warn(
            "controller {} at {}:{} lost ({}); {}",
            cntlid,
            options.address(),
            options.port(),
            cause.getMessage(),
            options.ctrlLossTimeoutSec() == 0
                ? "no reconnect (ctrl-loss-tmo 0)"
                : "reconnecting every " + options.reconnectDelaySec() + " s");
      }
    }
    for (Command c : unfinished) {
      if (c == keepAliveCommand) {
        keepAliveOutstanding = false;
        continue;
      }
      if (events.dropIfRequest(c)) {
        continue;
      }
      if (adminQueue) {
        // An admin command belongs to the controller that is gone (the Linux host aborts them
        // too); sent again it would go out on an I/O queue, where its opcode means another
        // command altogether (Get Log Page's is Read's, Set Features' Dataset Management's).
        fail(c, HostStatus.CONTROLLER_LOST);
        continue;
      }
      requeue(c);
    }
    if (startRecovery) {
      closeQueues();
      if (options.ctrlLossTimeoutSec() == 0) {
        // ctrl-loss-tmo 0 allows no reconnect (the Linux host's budget is then 0 reconnects):
        // what waits fails now, not after a reconnect delay spent for nothing. A one-shot
        // discovery connects so, and its host can ask the next discovery controller at once.
        giveUp();
        return;
      }
      scheduleReconnect();
      scheduleFastIoFail();
    }
  }

  /** ctrl-loss-tmo expired: the controller is gone for good, and so is what waited for it. */
  private void giveUp() {
    state = State.DELETED;
    drainPending(HostStatus.CONTROLLER_LOST);
  }

  private void requeue(Command c) {
    if (state == State.DELETED) {
      fail(c, HostStatus.CONTROLLER_LOST);
    } else if (fastFailed) {
      fail(c, HostStatus.FAST_IO_FAIL);
    } else if (state == State.LIVE) {
      // Recovered meanwhile: send at once.
      submit(c);
    } else {
      park(c);
    }
  }

  /**
   * Holds a command until the controller is back, then looks at the state again: a reconnect, a
   * fast-io-fail or a ctrl-loss that emptied the pending queue just before the add would otherwise
   * leave the command there for good (each of them drains the queue once, after changing state).
   */
  private void park(Command c) {
    pending.add(c);
    if (state == State.DELETED) {
      drainPending(HostStatus.CONTROLLER_LOST);
    } else if (fastFailed) {
      drainPending(HostStatus.FAST_IO_FAIL);
    } else if (state == State.LIVE) {
      Command p;
      while ((p = pending.poll()) != null) {
        submit(p);
      }
    }
  }

  private static void fail(Command c, int status) {
    c.status = status;
    c.callback.completed(c);
  }

  private void closeQueues() {
    HostQueue a = admin;
    HostQueue[] ios = io;
    admin = null;
    io = new HostQueue[0];
    for (HostQueue q : ios) {
      q.close();
    }
    if (a != null) {
      a.close();
    }
  }

  private void scheduleReconnect() {
    control.schedule(this::reconnect, Math.max(options.reconnectDelaySec(), 0), TimeUnit.SECONDS);
  }

  private void scheduleFastIoFail() {
    int fast = options.fastIoFailTimeoutSec();
    if (fast >= 0) {
      control.schedule(
          () -> {
            if (state == State.CONNECTING) {
              fastFailed = true;
              drainPending(HostStatus.FAST_IO_FAIL);
            }
          },
          fast,
          TimeUnit.SECONDS);
    }
  }

  private void reconnect() {
    if (state != State.CONNECTING) {
      return;
    }
    try {
      establish();
    } catch (IOException | RuntimeException e) {
      long lostFor = System.nanoTime() - lostSinceNanos;
      int loss = options.ctrlLossTimeoutSec();
      if (loss >= 0 && lostFor >= TimeUnit.SECONDS.toNanos(loss)) {
        log.warn(
            "controller at {}:{}: ctrl-loss-tmo ({} s) expired, giving up",
            options.address(),
            options.port(),
            loss);
        giveUp();
        return;
      }
      if (e instanceof NvmeException refused
          && !HostStatus.isHostStatus(refused.status())
          && Status.dnr(refused.status())) {
        // The target answered and refuses this host with Do Not Retry (not allowed, fenced):
        // commands waiting for this connection would only wait out fast-io-fail for nothing.
        synchronized (lock) {
          fastFailed = true;
        }
        drainPending(HostStatus.FAST_IO_FAIL);
      }
      log.info("reconnect to {}:{} failed: {}", options.address(), options.port(), e.getMessage());
      long next = TimeUnit.SECONDS.toNanos(Math.max(options.reconnectDelaySec(), 0));
      if (loss >= 0) {
        next = Math.min(next, Math.max(0, TimeUnit.SECONDS.toNanos(loss) - lostFor));
      }
      control.schedule(this::reconnect, next, TimeUnit.NANOSECONDS);
      return;
    }
    synchronized (lock) {
      state = State.LIVE;
      fastFailed = false;
    }
    reconnects.incrementAndGet();
    log.info("controller {} at {}:{} reconnected", cntlid, options.address(), options.port());
    Command c;
    while ((c = pending.poll()) != null) {
      submit(c);
    }
    events.reconnected();
  }

  private void drainPending(int status) {
    Command c;
    while ((c = pending.poll()) != null) {
      fail(c, status);
    }
  }

  // ---- I/O ----

  /** Sends a command on an I/O queue (or parks it while reconnecting). Any thread. */
  public void submit(Command c) {
    State s = state;
    if (s == State.LIVE) {
      HostQueue[] queues = io;
      if (queues.length == 0) {
        fail(c, HostStatus.INVALID_REQUEST); // a discovery controller, or no queues granted
        return;
      }
      pick(queues).submit(c);
      return;
    }
    if (s == State.DELETED) {
      fail(c, HostStatus.CONTROLLER_LOST);
    } else if (fastFailed) {
      fail(c, HostStatus.FAST_IO_FAIL);
    } else {
      park(c);
    }
  }

  /**
   * Sends a command on I/O queue {@code index} (0-based) — for callers that spread load themselves,
   * like the perf tool. Falls back to {@link #submit(Command)} while not live.
   */
  public void submit(int index, Command c) {
    HostQueue[] queues = io;
    if (state == State.LIVE && index >= 0 && index < queues.length) {
      queues[index].submit(c);
    } else {
      submit(c);
    }
  }

  /** The caller's own loop if it runs one of our queues (no hop), else spread by thread. */
  private static HostQueue pick(HostQueue[] queues) {
    for (HostQueue q : queues) {
      if (q.inEventLoop()) {
        return q;
      }
    }
    return queues[(int) (Thread.currentThread().threadId() % queues.length)];
  }

  /** Sends an admin command and waits for it. */
  public Command admin(Command c, String what) throws IOException {
    HostQueue q = admin;
    if (q == null || state != State.LIVE) {
      throw new NvmeException(
          HostStatus.CONTROLLER_LOST, c.opcode, what + " (controller not connected)");
    }
    return commands.run(q, c, what);
  }

  /** Runs an I/O command and waits; throws {@link NvmeException} on failure. */
  public Command execute(Command c, String what) throws IOException {
    CompletableFuture<Command> f = new CompletableFuture<>();
    c.callback = f::complete;
    submit(c);
    Command done;
    try {
      done = f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(what + ": interrupted");
    } catch (ExecutionException e) {
      throw new IOException(what + ": " + e.getCause(), e.getCause());
    }
    if (!HostStatus.isSuccess(done.status)) {
      throw new NvmeException(done.status, done.opcode, what);
    }
    return done;
  }

  public IdentifyController identifyController() {
    return identify;
  }

  public IdentifyNamespace identifyNamespace(int nsid) throws IOException {
    return IdentifyNamespace.decode(
        Unpooled.wrappedBuffer(commands.identifyBytes(requireAdmin(), Opcodes.CNS_NAMESPACE, nsid)),
        0);
  }

  /** Active namespace IDs (Identify CNS 02h). */
  public List<Integer> activeNamespaces() throws IOException {
    ByteBuf b =
        Unpooled.wrappedBuffer(
            commands.identifyBytes(requireAdmin(), Opcodes.CNS_ACTIVE_NAMESPACES, 0));
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < 1024; i++) {
      int nsid = b.getIntLE(i * 4);
      if (nsid == 0) {
        break;
      }
      out.add(nsid);
    }
    return out;
  }

  /** Identify Controller as the controller answers it now, all 4096 bytes. */
  public byte[] identifyControllerBytes() throws IOException {
    return commands.identifyBytes(requireAdmin(), Opcodes.CNS_CONTROLLER, 0);
  }

  /** Reads a log page (whole, from offset 0). */
  public byte[] logPage(int lid, int nsid, int length) throws IOException {
    ByteBuf buf = Unpooled.buffer(length);
    int numd = length / 4 - 1;
    Command c = new Command();
    c.opcode = Opcodes.ADMIN_GET_LOG_PAGE;
    c.nsid = nsid;
    c.cdw10 = lid | (numd & 0xFFFF) << 16;
    c.cdw11 = numd >>> 16;
    c.data = buf;
    c.dataLength = length;
    admin(c, "Get Log Page 0x" + Integer.toHexString(lid));
    byte[] out = new byte[length];
    buf.getBytes(0, out);
    return out;
  }

  /**
   * Discovery Information Management (TP8010) on a centralized discovery controller: registers this
   * host (or what {@code info} names) with it, deregisters, or updates ({@code task}, one of {@code
   * DiscoveryInformation.TASK_*}). Throws {@link NvmeException} with the status it refused with.
   */
  public void manageDiscoveryInformation(int task, DiscoveryInformation info) throws IOException {
    ByteBuf data = Unpooled.buffer(info.size());
    info.encode(data);
    byte[] bytes = new byte[data.readableBytes()];
    data.getBytes(0, bytes);
    manageDiscoveryInformation(task, bytes);
  }

  /** As {@link #manageDiscoveryInformation(int, DiscoveryInformation)}, the data as given. */
  public void manageDiscoveryInformation(int task, byte[] data) throws IOException {
    Command c = new Command();
    c.opcode = Opcodes.ADMIN_DISCOVERY_INFO_MANAGEMENT;
    c.cdw10 = task;
    c.data = Unpooled.wrappedBuffer(data);
    c.dataLength = data.length;
    admin(c, "Discovery Information Management");
  }

  /** A handle for block I/O on one namespace (identifies it once). */
  public NvmeNamespace namespace(int nsid) throws IOException {
    IdentifyNamespace id = identifyNamespace(nsid);
    if (id.sizeBlocks() == 0) {
      throw new IOException("namespace " + nsid + " is not active on " + options.subsystemNqn());
    }
    return new NvmeNamespace(this, nsid, id.blockSizeShift(), id.sizeBlocks());
  }

  private HostQueue requireAdmin() throws IOException {
    HostQueue q = admin;
    if (q == null || state != State.LIVE) {
      throw new IOException("controller not connected");
    }
    return q;
  }

  public int cntlid() {
    return cntlid;
  }

  public int maxTransferBytes() {
    return maxTransfer;
  }

  /**
   * Whether the controller agreed to run every queue without SQ flow control ({@link
   * ConnectOptions#disableSqFlow()}): each Connect was answered with SQHD FFFFh.
   */
  public boolean sqFlowControlDisabled() {
    return sqFlowControlOff;
  }

  public int ioQueueCount() {
    return io.length;
  }

  public int ioQueueSize() {
    return ioQueueSize;
  }

  /** How many times the controller was lost and connected again. */
  public int reconnects() {
    return reconnects.get();
  }

  public boolean isLive() {
    return state == State.LIVE;
  }

  public ConnectOptions options() {
    return options;
  }

  public ByteBufAllocator alloc() {
    return PooledByteBufAllocator.DEFAULT;
  }

  /** Normal shutdown (CC.SHN, wait for SHST complete), then every connection closed. */
  @Override
  public void close() {
    State was;
    synchronized (lock) {
      was = state;
      state = State.DELETED;
    }
    if (keepAlive != null) {
      keepAlive.cancel(false);
    }
    HostQueue a = admin;
    if (was == State.LIVE && a != null) {
      for (HostQueue q : io) {
        q.close();
      }
      try {
        commands.propertySet(a, ControllerRegisters.CC, 0x00464001);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline
            && (commands.property(a, ControllerRegisters.CSTS, false) & 0xC)
                != ControllerRegisters.CSTS_SHST_COMPLETE) {
          sleep(10);
        }
      } catch (IOException e) {
        log.debug("shutdown handshake failed: {}", e.getMessage());
      }
    }
    drainPending(HostStatus.CONTROLLER_LOST);
    closeQueues();
    shutdownResources();
  }

  private void shutdownResources() {
    control.shutdownNow();
    if (ownsGroup) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  private static boolean contains(HostQueue[] queues, HostQueue q) {
    for (HostQueue x : queues) {
      if (x == q) {
        return true;
      }
    }
    return false;
  }

  private static void sleep(long ms) throws IOException {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    }
  }
}
