package io.weft.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * What every {@link ClusterStore} must do, run against each implementation (embedded, and a real
 * etcd with one member and with three): revisions, transactions, watches and leases as etcd v3
 * defines them. Each test works under its own key prefix, so a shared etcd needs no cleanup.
 */
public abstract class ClusterStoreContract {
  /** The store under test; the subclass decides its lifetime. */
  protected abstract ClusterStore store();

  protected String p;

  @BeforeEach
  void prefix(TestInfo info) {
    p = "t/" + info.getTestMethod().orElseThrow().getName() + "/" + UUID.randomUUID() + "/";
  }

  protected static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void putAndGetTrackRevisionsAndVersions() {
    ClusterStore s = store();
    assertEquals(Optional.empty(), s.get(p + "a"));
    long r1 = s.put(p + "a", "one");
    KeyValue first = s.get(p + "a").orElseThrow();
    assertEquals("one", first.valueAsString());
    assertEquals(r1, first.createRevision());
    assertEquals(r1, first.modRevision());
    assertEquals(1, first.version());
    long r2 = s.put(p + "a", "two");
    assertTrue(r2 > r1, "every write advances the revision");
    KeyValue second = s.get(p + "a").orElseThrow();
    assertEquals(r1, second.createRevision(), "create revision stays");
    assertEquals(r2, second.modRevision());
    assertEquals(2, second.version());
    assertTrue(s.revision() >= r2);
    assertArrayEquals(b("two"), second.value());
  }

  @Test
  void listReturnsThePrefixInKeyOrder() {
    ClusterStore s = store();
    s.put(p + "b", "2");
    s.put(p + "a", "1");
    s.put(p + "c/d", "3");
    s.put(p.substring(0, p.length() - 1) + "x", "outside");
    List<String> keys = s.list(p).stream().map(KeyValue::key).toList();
    assertEquals(List.of(p + "a", p + "b", p + "c/d"), keys);
    assertEquals(List.of(p + "c/d"), s.list(p + "c/").stream().map(KeyValue::key).toList());
  }

  @Test
  void deleteRemovesAndOnlyARealDeleteAdvancesTheRevision() {
    ClusterStore s = store();
    s.put(p + "a", "1");
    long before = s.revision();
    long after = s.delete(p + "a");
    assertTrue(after > before);
    assertEquals(Optional.empty(), s.get(p + "a"));
    // Recreated: version starts again at 1, with a new create revision.
    long r = s.put(p + "a", "again");
    KeyValue kv = s.get(p + "a").orElseThrow();
    assertEquals(1, kv.version());
    assertEquals(r, kv.createRevision());
    TxnResult nothing = s.txn(List.of(), List.of(Op.delete(p + "missing")), List.of());
    assertTrue(nothing.succeeded());
    assertEquals(s.get(p + "a").orElseThrow().modRevision(), r);
  }

  @Test
  void compareAndSetOnModRevision() {
    ClusterStore s = store();
    long r = s.put(p + "owner", "n1");
    TxnResult stale =
        s.txn(
            List.of(Compare.modRevision(p + "owner", r - 1)),
            List.of(Op.put(p + "owner", "n2")),
            List.of(Op.put(p + "lost", "yes")));
    assertFalse(stale.succeeded());
    assertEquals("n1", s.get(p + "owner").orElseThrow().valueAsString());
    assertEquals("yes", s.get(p + "lost").orElseThrow().valueAsString(), "else branch ran");
    TxnResult fresh =
        s.txn(
            List.of(Compare.modRevision(p + "owner", r)),
            List.of(Op.put(p + "owner", "n2"), Op.put(p + "generation", "2")),
            List.of());
    assertTrue(fresh.succeeded());
    KeyValue owner = s.get(p + "owner").orElseThrow();
    KeyValue generation = s.get(p + "generation").orElseThrow();
    assertEquals("n2", owner.valueAsString());
    assertEquals(fresh.revision(), owner.modRevision(), "one revision for the whole txn");
    assertEquals(fresh.revision(), generation.modRevision());
  }

  @Test
  void compareOnValueVersionAndAbsence() {
    ClusterStore s = store();
    assertTrue(s.create(p + "k", b("v1"), 0));
    assertFalse(s.create(p + "k", b("other"), 0), "exists already");
    assertTrue(s.txn(List.of(Compare.value(p + "k", "v1")), List.of(), List.of()).succeeded());
    assertFalse(s.txn(List.of(Compare.value(p + "k", "v2")), List.of(), List.of()).succeeded());
    assertFalse(
        s.txn(List.of(Compare.value(p + "missing", "v1")), List.of(), List.of()).succeeded(),
        "a value compare on a missing key fails");
    assertTrue(s.txn(List.of(Compare.version(p + "k", 1)), List.of(), List.of()).succeeded());
    assertTrue(s.txn(List.of(Compare.absent(p + "missing")), List.of(), List.of()).succeeded());
    assertTrue(
        s.txn(List.of(Compare.modRevision(p + "missing", 0)), List.of(), List.of()).succeeded());
    assertTrue(
        s.txn(
                List.of(Compare.value(p + "k", "v1"), Compare.absent(p + "missing")),
                List.of(),
                List.of())
            .succeeded());
    assertFalse(
        s.txn(List.of(Compare.value(p + "k", "v1"), Compare.absent(p + "k")), List.of(), List.of())
            .succeeded(),
        "every comparison must hold");
  }

  @Test
  void exactlyOneOfManyConcurrentCreatesWins() throws Exception {
    ClusterStore s = store();
    int contenders = 8;
    ExecutorService pool = Executors.newFixedThreadPool(contenders);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < contenders; i++) {
        String me = "node-" + i;
        results.add(
            pool.submit(
                () -> {
                  go.await();
                  return s.create(p + "leader", b(me), 0);
                }));
      }
      go.countDown();
      int winners = 0;
      for (Future<Boolean> f : results) {
        winners += f.get(30, TimeUnit.SECONDS) ? 1 : 0;
      }
      assertEquals(1, winners);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void compareAndSetLosesNoUpdateUnderContention() throws Exception {
    ClusterStore s = store();
    s.put(p + "counter", "0");
    int threads = 4;
    int each = 20;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    AtomicInteger retries = new AtomicInteger();
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        done.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < each; i++) {
                    while (true) {
                      KeyValue kv = s.get(p + "counter").orElseThrow();
                      long next = Long.parseLong(kv.valueAsString()) + 1;
                      if (s.txn(
                              List.of(Compare.modRevision(p + "counter", kv.modRevision())),
                              List.of(Op.put(p + "counter", Long.toString(next))),
                              List.of())
                          .succeeded()) {
                        break;
                      }
                      retries.incrementAndGet();
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    KeyValue counter = s.get(p + "counter").orElseThrow();
    assertEquals(threads * each, Long.parseLong(counter.valueAsString()));
    assertEquals(threads * each + 1, counter.version());
  }

  /** Collects watch batches for assertions. */
  protected static final class Collector implements WatchListener {
    public Collector() {}

    public final BlockingQueue<List<WatchEvent>> batches = new LinkedBlockingQueue<>();
    public final BlockingQueue<StoreException> errors = new LinkedBlockingQueue<>();

    @Override
    public void onEvents(List<WatchEvent> events) {
      batches.add(events);
    }

    @Override
    public void onError(StoreException error) {
      errors.add(error);
    }

    /** The next {@code n} events, failing after 10 s. */
    public List<WatchEvent> next(int n) throws InterruptedException {
      List<WatchEvent> events = new ArrayList<>();
      while (events.size() < n) {
        List<WatchEvent> batch = batches.poll(10, TimeUnit.SECONDS);
        if (batch == null) {
          throw new AssertionError("only " + events.size() + " of " + n + " events: " + events);
        }
        events.addAll(batch);
      }
      return events;
    }
  }

  @Test
  void watchDeliversEveryChangeUnderItsPrefixInOrder() throws Exception {
    ClusterStore s = store();
    Collector c = new Collector();
    try (ClusterStore.Watch w = s.watch(p, s.revision() + 1, c)) {
      long r1 = s.put(p + "a", "1");
      s.put(p.substring(0, p.length() - 1) + "-sibling", "x");
      s.put("u/" + p, "not under the prefix");
      long r2 = s.put(p + "b", "2");
      long r3 = s.delete(p + "a");
      TxnResult both =
          s.txn(List.of(), List.of(Op.put(p + "c", "3"), Op.put(p + "d", "4")), List.of());
      List<WatchEvent> events = c.next(5);
      assertEquals(5, events.size(), events.toString());
      assertEquals(WatchEvent.Type.PUT, events.get(0).type());
      assertEquals(p + "a", events.get(0).kv().key());
      assertEquals(r1, events.get(0).revision());
      assertEquals(r2, events.get(1).revision());
      assertEquals(WatchEvent.Type.DELETE, events.get(2).type());
      assertEquals(p + "a", events.get(2).kv().key());
      assertEquals(r3, events.get(2).revision());
      assertEquals(both.revision(), events.get(3).revision());
      assertEquals(both.revision(), events.get(4).revision());
      assertEquals("4", events.get(4).kv().valueAsString());
      assertTrue(c.errors.isEmpty(), c.errors.toString());
    }
  }

  @Test
  void watchFromAPastRevisionReplaysFromThere() throws Exception {
    ClusterStore s = store();
    long r1 = s.put(p + "a", "1");
    long r2 = s.put(p + "a", "2");
    s.put(p + "a", "3");
    Collector c = new Collector();
    try (ClusterStore.Watch w = s.watch(p, r2, c)) {
      List<WatchEvent> events = c.next(2);
      assertEquals(List.of("2", "3"), events.stream().map(e -> e.kv().valueAsString()).toList());
      assertTrue(events.get(0).revision() == r2 && r2 > r1);
      s.put(p + "a", "4");
      assertEquals("4", c.next(1).get(0).kv().valueAsString(), "then follows new changes");
    }
  }

  @Test
  void aClosedWatchDeliversNothingMore() throws Exception {
    ClusterStore s = store();
    Collector c = new Collector();
    ClusterStore.Watch w = s.watch(p, s.revision() + 1, c);
    s.put(p + "a", "1");
    c.next(1);
    w.close();
    s.put(p + "a", "2");
    assertEquals(null, c.batches.poll(1, TimeUnit.SECONDS));
  }

  @Test
  void anExpiredLeaseDeletesItsKeysTogether() throws Exception {
    ClusterStore s = store();
    long lease = s.grantLease(Duration.ofSeconds(1));
    s.txn(
        List.of(),
        List.of(Op.put(p + "a", b("1"), lease), Op.put(p + "b", b("2"), lease)),
        List.of());
    s.put(p + "kept", "no lease");
    assertEquals(lease, s.get(p + "a").orElseThrow().lease());
    Collector c = new Collector();
    try (ClusterStore.Watch w = s.watch(p, s.revision() + 1, c)) {
      // etcd checks expiry on its own schedule; allow it a few seconds past the TTL.
      List<WatchEvent> gone = c.next(2);
      assertTrue(gone.stream().allMatch(e -> e.type() == WatchEvent.Type.DELETE), gone.toString());
      assertEquals(gone.get(0).revision(), gone.get(1).revision(), "one revision for both");
    }
    assertEquals(Optional.empty(), s.get(p + "a"));
    assertEquals(Optional.empty(), s.get(p + "b"));
    assertTrue(s.get(p + "kept").isPresent());
    assertEquals(Optional.empty(), s.leaseTimeToLive(lease));
    StoreException e = assertThrows(StoreException.class, () -> s.keepAlive(lease));
    assertEquals(StoreException.Kind.LEASE_NOT_FOUND, e.kind());
  }

  @Test
  void keepAliveHoldsALeasePastItsTtl() throws Exception {
    ClusterStore s = store();
    long lease = s.grantLease(Duration.ofSeconds(2));
    s.txn(List.of(), List.of(Op.put(p + "held", b("x"), lease)), List.of());
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < end) {
      assertEquals(Duration.ofSeconds(2), s.keepAlive(lease));
      Thread.sleep(400);
    }
    assertTrue(s.get(p + "held").isPresent());
    assertTrue(s.leaseTimeToLive(lease).orElseThrow().compareTo(Duration.ofSeconds(2)) <= 0);
    s.revokeLease(lease);
  }

  @Test
  void revokingALeaseDeletesItsKeysAtOnce() {
    ClusterStore s = store();
    long lease = s.grantLease(Duration.ofSeconds(30));
    assertTrue(s.create(p + "member", b("n1"), lease));
    s.revokeLease(lease);
    assertEquals(Optional.empty(), s.get(p + "member"));
    s.revokeLease(lease); // already gone: not an error
    assertEquals(Optional.empty(), s.leaseTimeToLive(lease));
  }

  @Test
  void writingWithAnUnknownLeaseFailsAndChangesNothing() {
    ClusterStore s = store();
    long lease = s.grantLease(Duration.ofSeconds(30));
    s.revokeLease(lease);
    long before = s.revision();
    StoreException e =
        assertThrows(
            StoreException.class,
            () -> s.txn(List.of(), List.of(Op.put(p + "x", b("1"), lease)), List.of()));
    assertEquals(StoreException.Kind.LEASE_NOT_FOUND, e.kind(), e.getMessage());
    assertEquals(Optional.empty(), s.get(p + "x"));
    assertEquals(before, s.revision());
  }

  @Test
  void leaseKeeperHoldsALeaseAndReportsItsLoss() throws Exception {
    ClusterStore s = store();
    CountDownLatch lost = new CountDownLatch(1);
    try (LeaseKeeper keeper = LeaseKeeper.start(s, Duration.ofSeconds(1), lost::countDown)) {
      assertTrue(s.create(p + "node", b("alive"), keeper.lease()));
      Thread.sleep(3000);
      assertTrue(s.get(p + "node").isPresent(), "kept past three TTLs");
      assertFalse(keeper.isLost());
      // Someone else ends the lease (an operator, or the store after a partition).
      s.revokeLease(keeper.lease());
      assertTrue(lost.await(5, TimeUnit.SECONDS), "the keeper noticed");
      assertTrue(keeper.isLost());
    }
  }
}
