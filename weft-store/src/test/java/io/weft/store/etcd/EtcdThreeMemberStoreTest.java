package io.weft.store.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.store.ClusterStore;
import io.weft.store.ClusterStoreContract;
import io.weft.store.Compare;
import io.weft.store.KeyValue;
import io.weft.store.Op;
import io.weft.store.StoreException;
import io.weft.store.TxnResult;
import io.weft.store.WatchEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The contract on a real 3-member etcd cluster, with one member killed (SIGKILL) halfway through
 * the suite: the tests after it must pass unchanged, since a quorum of two still stands and the
 * client fails over. The first member is the one killed, as it is the one the client tries first.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EtcdThreeMemberStoreTest extends ClusterStoreContract {
  private static final Logger log = LoggerFactory.getLogger(EtcdThreeMemberStoreTest.class);

  /** Contract tests run before the kill; the rest run with two members. */
  private static final int KILL_AFTER = 7;

  @TempDir static Path dir;
  private EtcdCluster etcd;
  private EtcdStore store;
  private final AtomicInteger started = new AtomicInteger();

  @BeforeAll
  void start() throws Exception {
    etcd = EtcdCluster.start(dir, 3);
    store = EtcdStore.connect(etcd.endpoints(), "/weft-test/");
  }

  @AfterAll
  void stop() throws Exception {
    if (store != null) {
      store.close();
    }
    if (etcd != null) {
      etcd.close();
    }
  }

  @BeforeEach
  void killOneMemberMidSuite() throws Exception {
    if (started.incrementAndGet() == KILL_AFTER + 1) {
      etcd.kill(0);
      // While the two left elect a leader (about a second), a request may fail as UNAVAILABLE
      // with its outcome unknown, which the contract allows; once there is a leader, nothing
      // the suite does may notice the missing member.
      etcd.awaitHealthy(1, Duration.ofSeconds(30));
      etcd.awaitHealthy(2, Duration.ofSeconds(30));
      // The client may not yet have read the dead member's closed connection, and a write sent on
      // it fails with its outcome unknown. Reads are retried by jetcd, so a few of them, spread
      // over the members round-robin, let the client notice before the contract's writes start.
      for (int i = 0; i < 6; i++) {
        store.revision();
      }
    }
  }

  @Override
  protected ClusterStore store() {
    return store;
  }

  /**
   * A watch opened with every member up goes on while each member in turn is killed and restarted,
   * so whichever member carries its stream dies once: every write is delivered, each event once and
   * in revision order, and no error is reported, since the watch never ended.
   */
  @Test
  void aWatchGoesOnWhileEachMemberInTurnIsKilled() throws Exception {
    startEveryMember();
    Collector c = new Collector();
    List<String> written = new ArrayList<>();
    try (ClusterStore.Watch w = store.watch(p, store.revision() + 1, c)) {
      for (int m = 0; m < 3; m++) {
        etcd.kill(m);
        for (int other = 0; other < 3; other++) {
          if (other != m) {
            etcd.awaitHealthy(other, Duration.ofSeconds(30));
          }
        }
        for (int i = 0; i < 3; i++) {
          String value = "m" + m + "-" + i;
          putOnce(Compare.version(p + value, 0), p + value, value);
          written.add(value);
        }
        etcd.startMember(m);
        etcd.awaitHealthy(m, Duration.ofSeconds(30));
      }
      List<WatchEvent> events = c.next(written.size());
      assertNull(c.batches.poll(500, TimeUnit.MILLISECONDS), "no event delivered twice");
      for (int i = 1; i < events.size(); i++) {
        assertTrue(
            events.get(i).revision() > events.get(i - 1).revision(),
            "each revision once, in order: " + events);
      }
      assertEquals(written, events.stream().map(e -> e.kv().valueAsString()).toList());
      assertTrue(c.errors.isEmpty(), "errors from a watch that went on: " + c.errors);
    }
  }

  /**
   * Reads made the moment a member dies, before anyone has waited for the cluster to settle, are
   * answered by the members left: a read can be sent again safely, so the store does, where jetcd
   * alone fails one sent on the dead member's connection (UNKNOWN "channel closed").
   */
  @Test
  void readsGoOnTheMomentAMemberIsKilled() throws Exception {
    startEveryMember();
    String key = p + "read";
    for (int m = 0; m < 3; m++) {
      long written = store.put(key, "before-kill-" + m);
      etcd.kill(m);
      for (int i = 0; i < 6; i++) {
        KeyValue kv = store.get(key).orElseThrow();
        assertEquals("before-kill-" + m, kv.valueAsString());
        assertEquals(written, kv.modRevision());
        assertTrue(store.revision() >= written);
      }
      etcd.startMember(m);
      etcd.awaitHealthy(m, Duration.ofSeconds(30));
    }
  }

  /** Restarts the members an earlier test killed, so that a test starts with all three. */
  private void startEveryMember() throws Exception {
    for (int m = 0; m < 3; m++) {
      if (!etcd.isAlive(m)) {
        etcd.startMember(m);
        etcd.awaitHealthy(m, Duration.ofSeconds(30));
      }
    }
  }

  /**
   * Puts {@code value} at {@code key} if {@code when} holds, exactly once, as a caller must when a
   * write fails UNAVAILABLE: the client may have sent it on its connection to the member just
   * killed, before it noticed the member was gone, so whether it landed is unknown. Sending the
   * same compare-and-set again cannot write twice; a retry whose comparison fails must find the
   * first try's value. Returns the revision of the write.
   */
  private long putOnce(Compare when, String key, String value) throws InterruptedException {
    for (int attempt = 1; ; attempt++) {
      try {
        TxnResult r = store.txn(List.of(when), List.of(Op.put(key, value)), List.of());
        if (r.succeeded()) {
          return r.revision();
        }
        KeyValue now = store.get(key).orElseThrow();
        assertTrue(attempt > 1, "the comparison failed on the first try: " + now);
        assertEquals(value, now.valueAsString(), "the first try's write");
        return now.modRevision();
      } catch (StoreException e) {
        if (e.kind() != StoreException.Kind.UNAVAILABLE || attempt == 5) {
          throw e;
        }
        log.info("put {}: outcome unknown, sending it again ({})", key, e.getMessage());
        Thread.sleep(200);
      }
    }
  }

  /** Writes go on while a member is down, and after it restarts and rejoins. */
  @Test
  void writesGoOnWithAMemberDownAndAfterItRejoins() throws Exception {
    String key = p + "owner";
    long r = store.put(key, "n1");
    if (etcd.isAlive(0)) {
      etcd.kill(0);
    }
    long moved = putOnce(Compare.modRevision(key, r), key, "n2");
    etcd.startMember(0);
    etcd.awaitHealthy(0, Duration.ofSeconds(30));
    putOnce(Compare.modRevision(key, moved), key, "n3");
    assertEquals("n3", store.get(key).orElseThrow().valueAsString());
  }
}
