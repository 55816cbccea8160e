package io.weft.store.embedded;

import io.weft.store.ClusterStore;
import io.weft.store.StoreException;
import io.weft.store.WatchEvent;
import io.weft.store.WatchListener;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded store's watches: a bounded history of recent revisions (so a watch may start in the
 * past), the open registrations, and one delivery thread, which keeps every listener's events in
 * revision order and runs them outside the store's lock. Callers hold the store's lock when they
 * call {@link #publish} and {@link #register}, which is what orders history and new events.
 */
final class WatchHub implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WatchHub.class);

  private final int historyLimit;
  private final Deque<List<WatchEvent>> history = new ArrayDeque<>();
  private final List<Registration> registrations = new CopyOnWriteArrayList<>();
  private final ExecutorService delivery =
      Executors.newSingleThreadExecutor(
          r -> Thread.ofPlatform().daemon().name("store-watch").unstarted(r));

  /** Revisions at or below this are no longer in the history. */
  private long compacted;

  WatchHub(int historyLimit, long compacted) {
    this.historyLimit = historyLimit;
    this.compacted = compacted;
  }

  /** Records one revision's events and hands them to the watches they concern. */
  void publish(List<WatchEvent> events) {
    history.addLast(events);
    while (history.size() > historyLimit) {
      compacted = history.removeFirst().get(0).revision();
    }
    for (Registration r : registrations) {
      r.offer(events);
    }
  }

  /** Replays history from {@code from}, then follows new revisions. */
  ClusterStore.Watch register(String prefix, long from, WatchListener listener) {
    Registration r = new Registration(prefix, listener);
    if (from <= compacted) {
      delivery.execute(
          () ->
              listener.onError(
                  new StoreException(
                      StoreException.Kind.COMPACTED,
                      "revision "
                          + from
                          + " is compacted (the store remembers revisions after "
                          + compacted
                          + ")")));
      return () -> {};
    }
    for (List<WatchEvent> events : history) {
      if (events.get(0).revision() >= from) {
        r.offer(events);
      }
    }
    registrations.add(r);
    return r;
  }

  @Override
  public void close() {
    for (Registration r : registrations) {
      r.closed = true;
      delivery.execute(
          () ->
              r.listener.onError(
                  new StoreException(StoreException.Kind.CLOSED, "the store was closed")));
    }
    registrations.clear();
    delivery.shutdown();
  }

  private final class Registration implements ClusterStore.Watch {
    final String prefix;
    final WatchListener listener;
    volatile boolean closed;

    Registration(String prefix, WatchListener listener) {
      this.prefix = prefix;
      this.listener = listener;
    }

    void offer(List<WatchEvent> events) {
      List<WatchEvent> mine = new ArrayList<>();
      for (WatchEvent e : events) {
        if (e.kv().key().startsWith(prefix)) {
          mine.add(e);
        }
      }
      if (mine.isEmpty()) {
        return;
      }
      List<WatchEvent> batch = List.copyOf(mine);
      delivery.execute(
          () -> {
            if (!closed) {
              try {
                listener.onEvents(batch);
              } catch (RuntimeException e) {
                log.warn("a watch listener on '{}' failed", prefix, e);
              }
            }
          });
    }

    @Override
    public void close() {
      closed = true;
      registrations.remove(this);
    }
  }
}
