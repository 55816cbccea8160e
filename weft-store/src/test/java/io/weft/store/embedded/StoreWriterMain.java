package io.weft.store.embedded;

import io.weft.store.Compare;
import io.weft.store.KeyValue;
import io.weft.store.Op;
import java.nio.file.Path;
import java.util.List;

/**
 * A child process for the crash test: opens the store in {@code args[0]} and bumps a counter key
 * with compare-and-set transactions forever, printing each value once its transaction returned (was
 * acknowledged). The test kills it with SIGKILL at a random moment.
 */
public final class StoreWriterMain {
  private StoreWriterMain() {}

  public static void main(String[] args) {
    EmbeddedStore store = EmbeddedStore.open(Path.of(args[0]));
    long lease = store.grantLease(java.time.Duration.ofSeconds(3));
    store.create("crash/holder", "writer".getBytes(), lease);
    System.out.println("lease " + lease);
    System.out.flush();
    for (long i = 1; ; i++) {
      KeyValue kv = store.get("crash/counter").orElse(null);
      long expected = kv == null ? 0 : kv.modRevision();
      boolean ok =
          store
              .txn(
                  List.of(Compare.modRevision("crash/counter", expected)),
                  List.of(
                      Op.put("crash/counter", Long.toString(i)), Op.put("crash/k" + i, "v" + i)),
                  List.of())
              .succeeded();
      if (!ok) {
        throw new IllegalStateException("nobody else writes here");
      }
      store.keepAlive(lease);
      System.out.println("acked " + i);
      System.out.flush();
    }
  }
}
