package io.weft.node.volume;

import io.weft.block.atrest.VolumeKeyFile;
import io.weft.node.Failpoints;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's replica files on disk ({@code <data-dir>/volumes}): per volume the replica itself
 * ({@code <name>.img}), its wrapped at-rest key when encrypted, and a marker naming the volume's
 * UUID ({@code <name>.img.uuid}). Files no volume of the node wants wait in {@code orphans/} for
 * {@link #ORPHAN_GRACE} before they are deleted, so a node started against a wrong or empty store
 * by mistake loses nothing it cannot get back.
 */
final class ReplicaFiles {
  private static final Logger log = LoggerFactory.getLogger(ReplicaFiles.class);

  /** Where replica files no volume wants wait before they are deleted. */
  static final String ORPHANS = "orphans";

  static final String SNAPSHOTS = "snapshots";

  static final Duration ORPHAN_GRACE = Duration.ofDays(7);

  private final Path dir;

  ReplicaFiles(Path dir) {
    this.dir = dir;
  }

  /** The replica file of volume {@code name}. */
  Path replica(String name) {
    return dir.resolve(name + ".img");
  }

  /**
   * Makes the replica file of {@code name} this volume's ({@code uuid}) before it is opened: a file
   * whose marker names another UUID (a volume deleted and created again under the same name while
   * this node was away) goes to {@code orphans/}, so the new volume never reads the old data. A
   * file from before markers existed, or whose marker is unreadable, is adopted.
   */
  void claim(String name, String uuid) throws IOException {
    Files.createDirectories(dir);
    Path marker = marker(name);
    String recorded = recordedIdentity(marker);
    if (recorded != null && !recorded.equals(uuid)) {
      Path moved = quarantine(name);
      log.warn("volume {}: replica of an earlier volume of this name moved to {}", name, moved);
      recorded = null;
    }
    if (recorded == null) {
      writeIdentity(marker, uuid);
    }
  }

  /** Deletes the replica file, its wrapped key and its marker (the volume was deleted). */
  void delete(String name) throws IOException {
    // The wrapped key first: without it an encrypted replica's blocks are noise, wherever the
    // file system leaves them.
    Files.deleteIfExists(VolumeKeyFile.pathFor(replica(name)));
    Files.deleteIfExists(replica(name));
    Failpoints.reach("remove.replica-deleted");
    Files.deleteIfExists(marker(name));
  }

  /**
   * Moves aside the replica files of volumes not in {@code keep}: a volume deleted while this node
   * was down or cut off leaves its replica behind, and nothing else would ever remove it. Deletes
   * what has waited in {@code orphans/} longer than {@link #ORPHAN_GRACE}.
   */
  void sweep(Set<String> keep) {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.img")) {
      for (Path f : files) {
        String name = f.getFileName().toString();
        name = name.substring(0, name.length() - ".img".length());
        if (!keep.contains(name)) {
          Path moved = quarantine(name);
          log.warn(
              "volume {}: no volume of this node has this replica (deleted while the node was"
                  + " away?); moved to {}, deleted after {} days",
              name,
              moved,
              ORPHAN_GRACE.toDays());
        }
      }
    } catch (IOException e) {
      log.warn("volume agent: cannot look for orphan replicas in {}: {}", dir, e.toString());
    }
    // A marker or wrapped key whose replica file is gone (a delete or a create cut short by a
    // crash) holds no data: it goes at once.
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.img.*")) {
      for (Path f : files) {
        String n = f.getFileName().toString();
        String name = n.substring(0, n.indexOf(".img."));
        if (!keep.contains(name) && !Files.exists(replica(name))) {
          Files.deleteIfExists(f);
          log.info("volume {}: {} left without its replica file, deleted", name, f.getFileName());
        }
      }
    } catch (IOException e) {
      log.warn("volume agent: cannot look for leftover markers in {}: {}", dir, e.toString());
    }
    Path orphans = dir.resolve(ORPHANS);
    if (!Files.isDirectory(orphans)) {
      return;
    }
    long cutoff = System.currentTimeMillis() - ORPHAN_GRACE.toMillis();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(orphans)) {
      for (Path f : files) {
        String n = f.getFileName().toString();
        int dash = n.indexOf('-');
        try {
          if (dash > 0 && Long.parseLong(n.substring(0, dash)) < cutoff) {
            Files.deleteIfExists(f);
            log.info("orphan replica file {} deleted after {} days", f, ORPHAN_GRACE.toDays());
          }
        } catch (NumberFormatException notOurs) {
          // left alone: not a file this class put there
        }
      }
    } catch (IOException e) {
      log.warn("volume agent: cannot clean {}: {}", orphans, e.toString());
    }
  }

  /**
   * Moves a replica file, its wrapped key and its marker into {@code orphans/}, named with the time
   * they were moved.
   *
   * @return where the replica file went
   */
  private Path quarantine(String name) throws IOException {
    Path orphans = Files.createDirectories(dir.resolve(ORPHANS));
    String stamp = System.currentTimeMillis() + "-";
    Path replica = replica(name);
    for (Path p : List.of(VolumeKeyFile.pathFor(replica), marker(name), replica)) {
      if (Files.exists(p)) {
        Files.move(p, orphans.resolve(stamp + p.getFileName()));
      }
    }
    return orphans.resolve(stamp + replica.getFileName());
  }

  /** A snapshot's copy of this node's replica. */
  Path snapshot(String uuid) {
    return dir.resolve(SNAPSHOTS).resolve(uuid + ".img");
  }

  Path snapshotsDir() throws IOException {
    return Files.createDirectories(dir.resolve(SNAPSHOTS));
  }

  /** Deletes snapshot copies (and copies cut short) no live snapshot of this node names. */
  void sweepSnapshots(Set<String> keepUuids) {
    Path snaps = dir.resolve(SNAPSHOTS);
    if (!Files.isDirectory(snaps)) {
      return;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(snaps)) {
      for (Path f : files) {
        String n = f.getFileName().toString();
        String uuid = n.substring(0, n.indexOf('.') < 0 ? n.length() : n.indexOf('.'));
        if (!keepUuids.contains(uuid) || n.endsWith(".tmp")) {
          Files.deleteIfExists(f);
          log.info("snapshot copy {} deleted: no live snapshot names it", n);
        }
      }
    } catch (IOException e) {
      log.warn("volume agent: cannot sweep snapshots in {}: {}", snaps, e.toString());
    }
  }

  /** Which volume a replica file belongs to (its UUID). */
  private Path marker(String name) {
    return dir.resolve(name + ".img.uuid");
  }

  /** The UUID a marker names; null if there is none or it is unreadable. */
  private static String recordedIdentity(Path marker) {
    try {
      return UUID.fromString(Files.readString(marker, StandardCharsets.UTF_8).trim()).toString();
    } catch (IOException | IllegalArgumentException e) {
      return null; // missing, empty (a crash while it was first written) or damaged: unknown
    }
  }

  /** Writes a marker so that a crash leaves either the old one or the whole new one. */
  private static void writeIdentity(Path marker, String uuid) throws IOException {
    Path tmp = marker.resolveSibling(marker.getFileName() + ".tmp");
    try (FileChannel ch =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap((uuid + "\n").getBytes(StandardCharsets.UTF_8)));
      ch.force(true);
    }
    Files.move(tmp, marker, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
