package io.weft.cli;

import static io.weft.cli.CliRun.weft;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.node.StorageNode;
import io.weft.store.embedded.EmbeddedStore;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code weft snapshot ...} and {@code weft volume create --from-snapshot} against two nodes: on a
 * file system that shares extents (WEFT_REFLINK_DIR) they work; on one that does not, the snapshot
 * is refused with the reason.
 */
class SnapshotCommandsTest {
  @TempDir Path plain;
  private EmbeddedStore store;
  private StorageNode n1;
  private StorageNode n2;

  private String start(Path dir) throws Exception {
    store = EmbeddedStore.open(dir.resolve("store"));
    n1 = node(dir, "n1");
    n2 = node(dir, "n2");
    return "127.0.0.1:" + n1.target().adminAddress().getPort();
  }

  private StorageNode node(Path dir, String id) throws Exception {
    TargetConfig t =
        new TargetConfig(
            dir.resolve(id),
            List.of(ListenerConfig.of("127.0.0.1", 0)),
            List.of(),
            "127.0.0.1:0",
            TuningConfig.defaults().withSpinNanos(0));
    return StorageNode.start(
        new StorageNode.Config(
            id, Map.of("zone", "z-" + id), 1L << 30, null, Duration.ofSeconds(3), t),
        store);
  }

  @AfterEach
  void stop() {
    if (n2 != null) {
      n2.close();
    }
    if (n1 != null) {
      n1.close();
    }
    if (store != null) {
      store.close();
    }
  }

  @Test
  void snapshotsAreTakenListedClonedAndDeleted() throws Exception {
    Path dir = Files.createTempDirectory(ReflinkDirs.require(), "cli");
    String admin = start(dir);
    assertEquals(
        0,
        weft(
                "volume",
                "create",
                "--name",
                "src",
                "--size",
                "32M",
                "--replicas",
                "2",
                "--admin",
                admin)
            .code());
    long deadline = System.nanoTime() + 20_000_000_000L;
    CliRun taken;
    do {
      // the owner must be serving before it can hold writes for a snapshot
      taken = weft("snapshot", "create", "--volume", "src", "--name", "src-1", "--admin", admin);
      if (taken.code() == 0) {
        break;
      }
      weft("snapshot", "delete", "src-1", "--admin", admin);
      Thread.sleep(200);
    } while (System.nanoTime() < deadline);
    assertEquals(0, taken.code(), taken.err());
    assertTrue(
        taken.out().matches("snapshot src-1 of src \\(32 MiB\\) ready on n[12],n[12]\\s*"),
        taken.out());
    CliRun list = weft("snapshot", "list", "--admin", admin);
    assertTrue(
        list.out().lines().anyMatch(l -> l.matches("src-1\\s+src\\s+32 MiB\\s+ready\\s+.*")),
        list.out());
    CliRun clone =
        weft(
            "volume",
            "create",
            "--name",
            "copy",
            "--from-snapshot",
            "src-1",
            "--replicas",
            "2",
            "--admin",
            admin);
    assertEquals(0, clone.code(), clone.err());
    assertTrue(clone.out().startsWith("created volume copy (32 MiB, 2 replicas"), clone.out());
    CliRun deleted = weft("snapshot", "delete", "src-1", "--admin", admin);
    assertEquals("deleted snapshot src-1", deleted.out().strip());
    assertEquals("no snapshots", weft("snapshot", "list", "--admin", admin).out().strip());
    CliRun noSize = weft("volume", "create", "--name", "x", "--replicas", "1", "--admin", admin);
    assertEquals(ExitCodes.USAGE, noSize.code());
  }

  @Test
  void whereExtentsCannotBeSharedASnapshotIsRefusedWithTheReason() throws Exception {
    String admin = start(plain);
    assertEquals(
        0,
        weft(
                "volume",
                "create",
                "--name",
                "v",
                "--size",
                "16M",
                "--replicas",
                "1",
                "--admin",
                admin)
            .code());
    long deadline = System.nanoTime() + 20_000_000_000L;
    CliRun refused;
    do {
      refused = weft("snapshot", "create", "--volume", "v", "--name", "v-1", "--admin", admin);
      weft("snapshot", "delete", "v-1", "--admin", admin);
      if (refused.err().contains("reflink")) {
        break;
      }
      Thread.sleep(200);
    } while (System.nanoTime() < deadline);
    assertEquals(ExitCodes.FAILED, refused.code());
    assertTrue(refused.err().contains("reflink=1"), refused.err());
  }
}
