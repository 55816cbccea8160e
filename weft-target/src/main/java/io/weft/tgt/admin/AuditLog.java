package io.weft.tgt.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The management API's audit trail: one JSON line per mutating call (POST, PUT, DELETE, PATCH),
 * refused ones included: when, who (the caller's certificate subject, token fingerprint, or {@code
 * loopback} where the API is open), from where, what (method and path), and the answer's status.
 * Request bodies are never written: some carry secrets. The file is appended to and readable by its
 * owner only.
 */
public final class AuditLog implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AuditLog.class);

  /** The audit log's name in the data directory. */
  public static final String FILE = "audit.log";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;
  private final FileChannel channel;

  private AuditLog(Path file, FileChannel channel) {
    this.file = file;
    this.channel = channel;
  }

  /** Opens (creating with owner-only permissions) {@code file} for appending. */
  public static AuditLog open(Path file) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    FileChannel channel =
        FileChannel.open(
            file,
            Set.of(StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE),
            PosixFilePermissions.asFileAttribute(
                Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE)));
    return new AuditLog(file, channel);
  }

  /** Whether calls with this method change something, and so are audited. */
  public static boolean audited(String method) {
    return switch (method) {
      case "POST", "PUT", "DELETE", "PATCH" -> true;
      default -> false;
    };
  }

  public Path file() {
    return file;
  }

  /** Appends one line; a failure to write is logged, never thrown at the caller. */
  void record(String who, InetSocketAddress remote, String method, String path, int status) {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("time", Instant.now().toString());
    line.put("who", who);
    line.put("remote", remote == null ? null : remote.getAddress().getHostAddress());
    line.put("method", method);
    line.put("path", path);
    line.put("status", status);
    try {
      byte[] bytes = (JSON.writeValueAsString(line) + "\n").getBytes();
      synchronized (this) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
      }
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    } catch (IOException e) {
      log.error("audit log {}: cannot append {} {}: {}", file, method, path, e.toString());
    }
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      log.warn("audit log {}: {}", file, e.toString());
    }
  }
}
