package io.weft.node.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the start-up sweep does with what a node's volumes directory holds. */
class ReplicaFilesTest {
  @TempDir Path dir;

  @Test
  void replicasNoVolumeWantsAreQuarantinedAndMarkersWithoutAReplicaDeleted() throws Exception {
    ReplicaFiles files = new ReplicaFiles(dir);
    files.claim("kept", "11111111-1111-1111-1111-111111111111");
    Files.write(files.replica("kept"), new byte[4096]);
    files.claim("gone", "22222222-2222-2222-2222-222222222222");
    Files.write(files.replica("gone"), new byte[4096]);
    // a delete cut short after the replica file went: only its marker is left
    files.claim("half", "33333333-3333-3333-3333-333333333333");

    files.sweep(Set.of("kept"));

    assertTrue(Files.exists(files.replica("kept")));
    assertTrue(Files.exists(dir.resolve("kept.img.uuid")));
    assertFalse(Files.exists(files.replica("gone")), "moved aside");
    assertFalse(
        Files.exists(dir.resolve("half.img.uuid")), "a marker alone holds no data: deleted");
    try (Stream<Path> orphans = Files.list(dir.resolve(ReplicaFiles.ORPHANS))) {
      assertEquals(
          Set.of("gone.img", "gone.img.uuid"),
          Set.copyOf(
              orphans.map(p -> p.getFileName().toString().replaceFirst("^\\d+-", "")).toList()),
          "the replica of a volume nobody wants waits in orphans/ with its marker");
    }
  }
}
