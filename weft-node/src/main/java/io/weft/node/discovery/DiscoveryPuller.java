package io.weft.node.discovery;

import io.weft.host.ConnectOptions;
import io.weft.host.Discovery;
import io.weft.host.HostController;
import io.weft.protocol.discovery.DiscoveryLogEntry;
import io.weft.protocol.discovery.DiscoveryLogPage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TP8010's pull model: for each registered direct discovery controller (a target's own, such as
 * Linux nvmet's or SPDK's), the service keeps a persistent discovery connection, as a host named by
 * the service's own NQN; it reads the controller's log, reads it again after each change notice and
 * each reconnect, and serves the NVM subsystems it lists while that connection is live. All
 * connecting and reading happens on one thread of its own.
 */
final class DiscoveryPuller implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DiscoveryPuller.class);

  /** Keep-alive on the pull connections: a silent controller is noticed within this. */
  private static final int KATO_SECONDS = 5;

  /** One pulled controller and what it lists. */
  private static final class Source {
    final ForeignTarget from;
    volatile HostController controller;
    volatile List<DiscoveryLogEntry> entries = List.of();
    volatile boolean live;

    Source(ForeignTarget from) {
      this.from = from;
    }
  }

  private final String hostNqn;
  private final Runnable changed;
  private final Map<String, Source> sources = new ConcurrentHashMap<>();
  private final ExecutorService worker =
      Executors.newSingleThreadExecutor(
          r -> Thread.ofPlatform().daemon().name("discovery-pull").unstarted(r));

  /**
   * @param hostNqn the NQN the service connects as
   * @param changed called when what some controller lists, or whether it answers, changed
   */
  DiscoveryPuller(String hostNqn, Runnable changed) {
    this.hostNqn = hostNqn;
    this.changed = changed;
  }

  /** The pull registrations now: new ones are connected, removed ones closed. Any thread. */
  void update(List<ForeignTarget> pulls) {
    Set<String> now = new HashSet<>();
    for (ForeignTarget f : pulls) {
      now.add(f.id());
      sources.computeIfAbsent(
          f.id(),
          id -> {
            Source s = new Source(f);
            run(() -> connect(s));
            return s;
          });
    }
    for (String id : Set.copyOf(sources.keySet())) {
      if (!now.contains(id)) {
        Source s = sources.remove(id);
        run(() -> close(s));
      }
    }
  }

  /** Connects those not connected yet and notices connections lost or back. The health prober. */
  void check() {
    for (Source s : sources.values()) {
      HostController c = s.controller;
      if (c == null) {
        run(() -> connect(s));
        continue;
      }
      boolean live = c.isLive();
      if (live != s.live) {
        s.live = live;
        log.info("discovery: {} {}", s.from.id(), live ? "answers again" : "stopped answering");
        changed.run();
      }
    }
  }

  /** True while the pull connection to {@code id} is live. */
  boolean live(String id) {
    Source s = sources.get(id);
    return s != null && s.live;
  }

  /** The NVM subsystems {@code f} lists, while its connection is live; else none. */
  List<DiscoveryLogEntry> entries(ForeignTarget f) {
    Source s = sources.get(f.id());
    return s != null && s.live ? s.entries : List.of();
  }

  private void connect(Source s) {
    if (s.controller != null || sources.get(s.from.id()) != s) {
      return;
    }
    ForeignTarget f = s.from;
    try {
      HostController c =
          HostController.connect(
              ConnectOptions.defaults(f.traddr(), f.trsvcid(), f.nqn())
                  .withHost(
                      hostNqn, UUID.nameUUIDFromBytes(hostNqn.getBytes(StandardCharsets.UTF_8)))
                  .withQueues(0, 32)
                  // Persistent, and reconnecting for as long as it is registered.
                  .withTimeouts(KATO_SECONDS, -1, 1, -1));
      s.controller = c;
      c.onAsyncEvent(
          new HostController.EventListener() {
            @Override
            public void asyncEvent(int result) {
              run(() -> read(s));
            }

            @Override
            public void reconnected() {
              run(() -> read(s));
            }
          });
      read(s);
    } catch (IOException | RuntimeException e) {
      log.debug("discovery: pulling from {} failed: {}", f.id(), e.getMessage());
    }
  }

  private void read(Source s) {
    HostController c = s.controller;
    if (c == null || !c.isLive()) {
      return;
    }
    try {
      DiscoveryLogPage page = Discovery.readLog(c);
      List<DiscoveryLogEntry> nvm =
          page.entries().stream()
              .filter(e -> e.subtype() == DiscoveryLogEntry.SUBTYPE_NVM)
              // Served as our own entries: the remote controller's flags are about its own log.
              .map(e -> e.withEflags(0))
              .toList();
      boolean differ = !nvm.equals(s.entries) || !s.live;
      s.entries = nvm;
      s.live = true;
      if (differ) {
        log.info("discovery: {} lists {} subsystem(s)", s.from.id(), nvm.size());
        changed.run();
      }
    } catch (IOException | RuntimeException e) {
      log.info("discovery: reading the log of {} failed: {}", s.from.id(), e.getMessage());
    }
  }

  private static void close(Source s) {
    HostController c = s.controller;
    if (c != null) {
      c.close();
    }
  }

  private void run(Runnable task) {
    try {
      worker.execute(task);
    } catch (RejectedExecutionException e) {
      // closed
    }
  }

  @Override
  public void close() {
    worker.shutdownNow();
    sources.values().forEach(DiscoveryPuller::close);
    sources.clear();
  }
}
