package io.weft.store.embedded;

import io.weft.store.ClusterStore;
import io.weft.store.ClusterStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The contract on the embedded store. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EmbeddedStoreTest extends ClusterStoreContract {
  @TempDir static Path dir;
  private EmbeddedStore store;

  @BeforeAll
  void open() {
    store = EmbeddedStore.open(dir);
  }

  @AfterAll
  void close() {
    store.close();
  }

  @Override
  protected ClusterStore store() {
    return store;
  }
}
