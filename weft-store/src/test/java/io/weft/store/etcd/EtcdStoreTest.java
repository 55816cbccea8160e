package io.weft.store.etcd;

import io.weft.store.ClusterStore;
import io.weft.store.ClusterStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The contract on one real etcd member. */
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
}
