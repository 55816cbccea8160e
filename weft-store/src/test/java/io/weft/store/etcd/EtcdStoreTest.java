package io.weft.store.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.etcd.jetcd.Client;
import io.weft.store.ClusterStore;
import io.weft.store.ClusterStoreContract;
import io.weft.store.StoreException;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The contract on one real etcd member, and how a watch on etcd ends. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EtcdStoreTest extends ClusterStoreContract {
  @TempDir static Path dir;
  private EtcdCluster etcd;
  private EtcdStore store;

  @BeforeAll
  void start() throws Exception {
    etcd = EtcdCluster.start(dir, 1);
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

  @Override
  protected ClusterStore store() {
    return store;
  }

  /** etcd ends a watch from a compacted revision: the listener hears it once, as COMPACTED. */
  @Test
  void aWatchFromACompactedRevisionEndsWithCompacted() throws Exception {
    long old = store.put(p + "a", "1");
    long now = store.put(p + "a", "2");
    try (Client admin = Client.builder().endpoints(etcd.endpoints().toArray(URI[]::new)).build()) {
      admin.getKVClient().compact(now).get(10, TimeUnit.SECONDS);
    }
    Collector c = new Collector();
    try (ClusterStore.Watch w = store.watch(p, old, c)) {
      StoreException error = c.errors.poll(10, TimeUnit.SECONDS);
      assertNotNull(error, "the watch ended without a word");
      assertEquals(StoreException.Kind.COMPACTED, error.kind(), error.getMessage());
      assertNull(c.errors.poll(500, TimeUnit.MILLISECONDS), "reported once");
      assertNull(c.batches.poll(), "nothing delivered");
    }
  }

  /** Closing the store ends its open watches with CLOSED; a watch closed first hears nothing. */
  @Test
  void closingTheStoreEndsItsWatchesWithClosed() throws Exception {
    EtcdStore other = EtcdStore.connect(etcd.endpoints(), "/weft-test/");
    Collector open = new Collector();
    Collector closedFirst = new Collector();
    other.watch(p, other.revision() + 1, open);
    other.watch(p, other.revision() + 1, closedFirst).close();
    other.close();
    StoreException error = open.errors.poll(10, TimeUnit.SECONDS);
    assertNotNull(error, "the watch ended without a word");
    assertEquals(StoreException.Kind.CLOSED, error.kind(), error.getMessage());
    assertNull(closedFirst.errors.poll(500, TimeUnit.MILLISECONDS));
  }
}
