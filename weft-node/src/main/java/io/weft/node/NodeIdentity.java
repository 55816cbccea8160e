package io.weft.node;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Who a node is, kept in its data directory: {@code node.json} holds its id and a random
 * incarnation-independent UUID, created on first start; {@code node.lock} is held while the node
 * runs, so one data directory is never served by two processes. The UUID is how the cluster tells
 * "the same node restarted" (it may take over its old registration at once) from "another node
 * claims this id" (refused).
 */
public final class NodeIdentity implements AutoCloseable {
  /** Node ids: what fits a store key, a file name and a command line without quoting. */
  static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String id;
  private final UUID uuid;
  private final FileChannel lockChannel;
  private final FileLock lock;

  private NodeIdentity(String id, UUID uuid, FileChannel lockChannel, FileLock lock) {
    this.id = id;
    this.uuid = uuid;
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /**
   * Opens the identity in {@code dataDir}, creating it for {@code id} on first start.
   *
   * @throws NodeException if the id is malformed, the directory belongs to another node id, or
   *     another process runs this node
   */
  public static NodeIdentity open(Path dataDir, String id) throws IOException {
    if (id == null || !ID.matcher(id).matches()) {
      throw new NodeException(
          "invalid node id '" + id + "': letters, digits, '.', '_' and '-', at most 63");
    }
    Files.createDirectories(dataDir);
    FileChannel channel =
        FileChannel.open(
            dataDir.resolve("node.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      channel.close();
      throw new NodeException("another process is running the node in " + dataDir);
    }
    try {
      Path file = dataDir.resolve("node.json");
      UUID uuid;
      if (Files.exists(file)) {
        Map<?, ?> stored = JSON.readValue(file.toFile(), Map.class);
        String storedId = String.valueOf(stored.get("id"));
        if (!storedId.equals(id)) {
          throw new NodeException(
              dataDir + " belongs to node '" + storedId + "', not '" + id + "'");
        }
        uuid = UUID.fromString(String.valueOf(stored.get("uuid")));
      } else {
        uuid = UUID.randomUUID();
        Path tmp = dataDir.resolve("node.json.tmp");
        JSON.writeValue(tmp.toFile(), Map.of("id", id, "uuid", uuid.toString()));
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      }
      return new NodeIdentity(id, uuid, channel, lock);
    } catch (IOException | RuntimeException e) {
      lock.release();
      channel.close();
      throw e;
    }
  }

  public String id() {
    return id;
  }

  public UUID uuid() {
    return uuid;
  }

  @Override
  public void close() {
    try {
      lock.release();
      lockChannel.close();
    } catch (IOException e) {
      // the lock goes with the process anyway
    }
  }
}
