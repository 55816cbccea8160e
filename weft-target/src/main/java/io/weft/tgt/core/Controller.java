package io.weft.tgt.core;

import io.weft.protocol.nvme.AsyncEvent;
import io.weft.protocol.nvme.ControllerRegisters;
import io.weft.protocol.nvme.Opcodes;
import io.weft.protocol.nvme.Status;
import java.util.ArrayDeque;
import java.util.List;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One dynamically allocated controller: the association of a host with a subsystem, made by an
 * admin-queue Connect and ended by the admin connection closing, a keep-alive timeout or target
 * shutdown.
 *
 * <p>Threading: the admin queue's event loop owns the register, feature and asynchronous event
 * state; other threads reach it through {@link QueueContext#execute} on the admin queue. The queue
 * table and the keep-alive timer are safe from any thread.
 */
public final class Controller {
  private static final Logger log = LoggerFactory.getLogger(Controller.class);

  /** Outstanding Asynchronous Event Requests accepted (Identify AERL + 1). */
  static final int MAX_AERS = 4;

  /** Async event configuration bits Weft can raise: namespace attribute and ANA notices. */
  static final int SUPPORTED_AEC = 0x100 | 0x800 | 0xFF;

  private final TargetCore core;
  private final Subsystem subsystem;
  private final int cntlid;
  private final String hostNqn;
  private final UUID hostId;
  private final QueueContext admin;
  private final QueueContext[] ioQueues;
  private final ErrorLog errorLog = new ErrorLog();
  private final AtomicBoolean destroyed = new AtomicBoolean();
  private volatile long katoMillis;

  /** This host may only read: every namespace is write-protected for it (see Subsystem). */
  private volatile boolean readOnly;

  private ScheduledFuture<?> keepAliveTimer;

  // Owned by the admin queue's event loop.
  private int cc;
  private int csts;
  private int grantedIoQueues;
  private int asyncEventConfig;
  private boolean writeCacheEnabled = true;
  private final int[] plainFeatures = new int[256];
  private final ArrayDeque<Request> aers = new ArrayDeque<>();
  private final TreeSet<Integer> changedNamespaces = new TreeSet<>();
  private boolean changedNamespacesOverflow;
  private boolean namespaceEventPending;
  private boolean namespaceEventMasked;
  private boolean anaEventPending;
  private boolean anaEventMasked;
  private boolean discoveryEventPending;
  private boolean discoveryEventMasked;
  private final int portId;

  /** Each queue's DH-HMAC-CHAP state by QID, or null when the host has no secret here. */
  private final QueueAuthentication[] authentication;

  Controller(
      TargetCore core,
      Subsystem subsystem,
      int cntlid,
      String hostNqn,
      UUID hostId,
      QueueContext admin,
      long katoMillis) {
    this.core = core;
    this.subsystem = subsystem;
    this.cntlid = cntlid;
    this.hostNqn = hostNqn;
    this.hostId = hostId;
    this.admin = admin;
    this.portId = admin.port() == null ? 0 : admin.port().portId();
    this.ioQueues = new QueueContext[core.tuning().maxIoQueues() + 1];
    this.katoMillis = katoMillis;
    this.authentication =
        subsystem.keyring(hostNqn) == null ? null : new QueueAuthentication[ioQueues.length];
    if (authentication != null) {
      authentication[0] = newAuthentication(admin, 0);
    }
  }

  /**
   * The DH-HMAC-CHAP state of a queue, or null when the host needs none. Read on the queue's loop.
   */
  QueueAuthentication authentication(int qid) {
    return authentication == null ? null : authentication[qid];
  }

  /** Whether a queue may run commands other than Connect and authentication: hot path. */
  boolean queueAuthenticated(int qid) {
    return authentication == null || authentication[qid].authenticated();
  }

  private QueueAuthentication newAuthentication(QueueContext q, int qid) {
    return new QueueAuthentication(
        new QueueAuthentication.Context() {
          @Override
          public HostKeyring keyring() {
            return subsystem.keyring(hostNqn);
          }

          @Override
          public io.weft.tgt.config.DhchapPolicy policy() {
            return core.dhchapPolicy();
          }

          @Override
          public int nextSequenceNumber() {
            return core.nextAuthSequenceNumber();
          }

          @Override
          public java.security.SecureRandom random() {
            return core.random();
          }

          @Override
          public String subsystemNqn() {
            return subsystem.nqn();
          }

          @Override
          public void failed() {
            subsystem.fabric().authenticationFailed();
          }

          @Override
          public String hostNqn() {
            return hostNqn;
          }

          @Override
          public String describeQueue() {
            return "cntlid " + cntlid + " queue " + qid + " from " + q.remoteAddress();
          }
        });
  }

  public int cntlid() {
    return cntlid;
  }

  public Subsystem subsystem() {
    return subsystem;
  }

  public String hostNqn() {
    return hostNqn;
  }

  public UUID hostId() {
    return hostId;
  }

  public QueueContext adminQueue() {
    return admin;
  }

  public long katoMillis() {
    return katoMillis;
  }

  public boolean isDiscovery() {
    return subsystem.isDiscovery();
  }

  /** Commands in flight on every queue of this controller (a sample, for the metrics endpoint). */
  public long inFlight() {
    long n = admin.inFlight();
    for (QueueContext q : ioQueueList()) {
      n += q.inFlight();
    }
    return n;
  }

  /** Submission queue entries of every connected queue: the depth the host may use. */
  public long queueSlots() {
    long n = admin.queueSize();
    for (QueueContext q : ioQueueList()) {
      n += q.queueSize();
    }
    return n;
  }

  private synchronized List<QueueContext> ioQueueList() {
    List<QueueContext> list = new java.util.ArrayList<>();
    for (int i = 1; i < ioQueues.length; i++) {
      if (ioQueues[i] != null) {
        list.add(ioQueues[i]);
      }
    }
    return list;
  }

  public synchronized int connectedIoQueues() {
    int n = 0;
    for (int i = 1; i < ioQueues.length; i++) {
      if (ioQueues[i] != null) {
        n++;
      }
    }
    return n;
  }

  TargetCore core() {
    return core;
  }

  // ---- registers (admin loop) ----

  int cc() {
    return cc;
  }

  int csts() {
    return csts;
  }

  boolean ready() {
    return (csts & ControllerRegisters.CSTS_RDY) != 0;
  }

  /** Applies a host write of CC: enable, reset and shutdown handshakes. */
  void writeCc(int value) {
    int old = cc;
    cc = value;
    boolean wasEnabled = (old & ControllerRegisters.CC_EN) != 0;
    boolean enable = (value & ControllerRegisters.CC_EN) != 0;
    if (!wasEnabled && enable) {
      if (validEnable(value)) {
        csts = ControllerRegisters.CSTS_RDY;
      } else {
        csts = ControllerRegisters.CSTS_CFS;
      }
    } else if (wasEnabled && !enable) {
      reset();
    }
    if (ControllerRegisters.ccShn(value) != 0 && ControllerRegisters.ccShn(old) == 0) {
      shutdown();
    }
  }

  private boolean validEnable(int value) {
    if (ControllerRegisters.ccMps(value) != 0
        || ControllerRegisters.ccAms(value) != 0
        || ControllerRegisters.ccCss(value) != 0) {
      return false;
    }
    return isDiscovery()
        || (ControllerRegisters.ccIosqes(value) == 6 && ControllerRegisters.ccIocqes(value) == 4);
  }

  /** CC.EN 1 to 0: the controller resets; I/O queues go and outstanding events are aborted. */
  private void reset() {
    csts = 0;
    closeIoQueues("controller reset");
    grantedIoQueues = 0;
    abortAsyncEvents();
  }

  /**
   * Normal shutdown: report processing (SHST 01b) until every namespace has flushed its volatile
   * data, then complete (10b). The flush runs off the event loop.
   */
  private void shutdown() {
    csts = (csts & ~0xC) | (1 << 2);
    core.flushAll(subsystem)
        .whenComplete(
            (ok, err) ->
                admin.execute(
                    () -> {
                      csts =
                          (csts & ~(0xC | ControllerRegisters.CSTS_RDY))
                              | ControllerRegisters.CSTS_SHST_COMPLETE;
                    }));
  }

  // ---- features (admin loop) ----

  int grantedIoQueues() {
    return grantedIoQueues;
  }

  void grantIoQueues(int n) {
    grantedIoQueues = n;
  }

  int asyncEventConfig() {
    return asyncEventConfig;
  }

  void setAsyncEventConfig(int value) {
    asyncEventConfig = value;
    deliverEvents();
  }

  /** Whether the volatile write cache is on; off means every write is made durable. */
  boolean writeCacheEnabled() {
    return writeCacheEnabled;
  }

  void setWriteCacheEnabled(boolean on) {
    writeCacheEnabled = on;
  }

  int plainFeature(int fid) {
    return plainFeatures[fid];
  }

  void setPlainFeature(int fid, int value) {
    plainFeatures[fid] = value;
  }

  void setKatoMillis(long kato) {
    katoMillis = kato;
    startKeepAlive();
  }

  // ---- queues ----

  /** Attaches an I/O queue; false if that QID is out of range or taken. */
  synchronized boolean attachIoQueue(int qid, QueueContext q) {
    if (qid < 1 || qid >= ioQueues.length || ioQueues[qid] != null || destroyed.get()) {
      return false;
    }
    ioQueues[qid] = q;
    if (authentication != null) {
      // A new connection for this QID authenticates afresh.
      authentication[qid] = newAuthentication(q, qid);
    }
    return true;
  }

  /** Called by the transport when a queue's connection ends. */
  public void queueClosed(QueueContext q) {
    if (q == admin) {
      destroy("admin connection closed");
      return;
    }
    synchronized (this) {
      for (int i = 1; i < ioQueues.length; i++) {
        if (ioQueues[i] == q) {
          ioQueues[i] = null;
        }
      }
    }
  }

  private void closeIoQueues(String reason) {
    List<QueueContext> toClose = new java.util.ArrayList<>();
    synchronized (this) {
      for (int i = 1; i < ioQueues.length; i++) {
        if (ioQueues[i] != null) {
          toClose.add(ioQueues[i]);
          ioQueues[i] = null;
        }
      }
    }
    toClose.forEach(q -> q.close(reason));
  }

  /** Ends the controller: every connection closed, controller ID freed. Idempotent. */
  public void destroy(String reason) {
    if (!destroyed.compareAndSet(false, true)) {
      return;
    }
    synchronized (this) {
      if (keepAliveTimer != null) {
        keepAliveTimer.cancel(false);
      }
    }
    subsystem.unregister(this);
    closeIoQueues(reason);
    admin.close(reason);
    log.info(
        "disconnect: host {} from {} subsystem {} cntlid {} ({})",
        hostNqn,
        admin.remoteAddress(),
        subsystem.nqn(),
        cntlid,
        reason);
  }

  public boolean isDestroyed() {
    return destroyed.get();
  }

  // ---- keep alive ----

  /** (Re)arms the keep-alive timer; KATO 0 disables it. */
  synchronized void startKeepAlive() {
    if (keepAliveTimer != null) {
      keepAliveTimer.cancel(false);
      keepAliveTimer = null;
    }
    if (katoMillis > 0 && !destroyed.get()) {
      keepAliveTimer =
          core.scheduler().schedule(this::checkKeepAlive, katoMillis, TimeUnit.MILLISECONDS);
    }
  }

  /**
   * Any command on any of the controller's queues counts as keep-alive traffic (we advertise
   * TBKAS), so the deadline is the newest activity plus KATO.
   */
  private void checkKeepAlive() {
    long kato = TimeUnit.MILLISECONDS.toNanos(katoMillis);
    if (kato == 0 || destroyed.get()) {
      return;
    }
    long last = admin.lastActivityNanos();
    synchronized (this) {
      for (int i = 1; i < ioQueues.length; i++) {
        if (ioQueues[i] != null) {
          last = Math.max(last, ioQueues[i].lastActivityNanos());
        }
      }
    }
    long remaining = last + kato - System.nanoTime();
    if (remaining <= 0) {
      subsystem.fabric().keepAliveExpired();
      destroy("keep alive timeout (" + katoMillis + " ms)");
      return;
    }
    synchronized (this) {
      if (!destroyed.get()) {
        keepAliveTimer =
            core.scheduler().schedule(this::checkKeepAlive, remaining, TimeUnit.NANOSECONDS);
      }
    }
  }

  // ---- asynchronous events (admin loop) ----

  /** Queues an Asynchronous Event Request; answers at once if an event is waiting. */
  void submitAsyncEventRequest(Request r) {
    if (aers.size() >= MAX_AERS) {
      r.complete(Status.ASYNC_EVENT_LIMIT_EXCEEDED | Status.DNR, 0);
      return;
    }
    aers.add(r);
    deliverEvents();
  }

  /** A namespace was added or removed: remember it and tell the host. Any thread. */
  /** The subsystem port this controller was created on (its admin queue's). */
  public int portId() {
    return portId;
  }

  /** An ANA group's state changed on this controller's port: tell the host. Any thread. */
  void anaChanged() {
    admin.execute(
        () -> {
          anaEventPending = true;
          deliverEvents();
        });
  }

  /** The discovery log this host sees changed: tell it (discovery controllers). Any thread. */
  void discoveryChanged() {
    admin.execute(
        () -> {
          discoveryEventPending = true;
          deliverEvents();
        });
  }

  /** Reading the discovery log without RAE re-arms the discovery change notice (admin loop). */
  void discoveryLogRead(boolean retainEvent) {
    if (!retainEvent) {
      discoveryEventPending = false;
      discoveryEventMasked = false;
    }
  }

  /** Reading the ANA log without RAE re-arms the ANA change notice (admin loop). */
  void anaLogRead(boolean retainEvent) {
    if (!retainEvent) {
      anaEventPending = false;
      anaEventMasked = false;
      deliverEvents();
    }
  }

  boolean readOnly() {
    return readOnly;
  }

  void readOnly(boolean readOnly) {
    this.readOnly = readOnly;
  }

  void namespaceChanged(int nsid) {
    admin.execute(
        () -> {
          if (changedNamespaces.size() < 1024) {
            changedNamespaces.add(nsid);
          } else {
            changedNamespacesOverflow = true;
          }
          namespaceEventPending = true;
          deliverEvents();
        });
  }

  /** Answers waiting event requests with the pending notices the host enabled (admin loop). */
  private void deliverEvents() {
    if (discoveryEventPending
        && !discoveryEventMasked
        && (asyncEventConfig & (1 << 31)) != 0
        && !aers.isEmpty()) {
      discoveryEventPending = false;
      // Masked until the host reads the discovery log page.
      discoveryEventMasked = true;
      sendEvent(AsyncEvent.DISCOVERY_LOG_CHANGED);
    }
    if (anaEventPending && !anaEventMasked && (asyncEventConfig & 0x800) != 0 && !aers.isEmpty()) {
      anaEventPending = false;
      // Masked until the host reads the ANA log page.
      anaEventMasked = true;
      sendEvent(AsyncEvent.ANA_CHANGE);
    }
    if (!namespaceEventPending
        || namespaceEventMasked
        || (asyncEventConfig & 0x100) == 0
        || aers.isEmpty()) {
      return;
    }
    namespaceEventPending = false;
    // Masked until the host reads the Changed Namespace List, as the spec asks.
    namespaceEventMasked = true;
    sendEvent(AsyncEvent.NAMESPACE_ATTRIBUTE_CHANGED);
  }

  private void sendEvent(long event) {
    aers.poll().complete(Status.SUCCESS, event);
    subsystem.fabric().asyncEventSent();
  }

  /** The Changed Namespace List; reading it without RAE clears it and unmasks the event. */
  int[] changedNamespaces(boolean retainEvent) {
    int[] list;
    if (changedNamespacesOverflow) {
      list = new int[] {0xFFFFFFFF};
    } else {
      list = changedNamespaces.stream().mapToInt(Integer::intValue).toArray();
    }
    if (!retainEvent) {
      changedNamespaces.clear();
      changedNamespacesOverflow = false;
      // The host now has every change so far: nothing is left to announce for them.
      namespaceEventPending = false;
      namespaceEventMasked = false;
      deliverEvents();
    }
    return list;
  }

  private void abortAsyncEvents() {
    while (!aers.isEmpty()) {
      aers.poll().complete(Status.ABORT_SQ_DELETED, 0);
    }
  }

  // ---- errors ----

  /** Records a failed command in the error log. Any thread. */
  public void recordError(int sqid, Request r) {
    long lba = r.opcode == Opcodes.NVM_READ || r.opcode == Opcodes.NVM_WRITE ? r.slba() : 0;
    errorLog.add(sqid, r.cid, r.status, r.errorLocation, lba, r.nsid);
    subsystem.counters().errorLogged();
  }

  ErrorLog errorLog() {
    return errorLog;
  }
}
