package io.weft.tgt;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.protocol.auth.DhchapSecret;
import io.weft.tgt.config.DhchapKeys;
import io.weft.tgt.core.HostKeyring;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The DH-HMAC-CHAP keys set through the management API, kept in {@code dhchap-keys.json} in the
 * data directory so that a rotation or a new host survives a restart. The file is written whole,
 * readable by its owner only (0600), and replaced atomically. At start it is laid over the
 * configuration: per subsystem and host, a saved keyring replaces the configured keys, and a saved
 * removal ({@code null}) takes the host off again.
 */
final class HostKeyFile {
  static final String NAME = "dhchap-keys.json";

  private static final ObjectMapper JSON =
      new ObjectMapper().setSerializationInclusion(JsonInclude.Include.NON_NULL);

  /**
   * One host's saved keys: DHHC-1 text, and the previous pair while a grace window runs; or that
   * the host was removed.
   */
  record Saved(
      String secret,
      String ctrlSecret,
      String previousSecret,
      String previousCtrlSecret,
      Long previousUntilMillis,
      Boolean removed) {

    static final Saved REMOVED = new Saved(null, null, null, null, null, true);

    static Saved of(HostKeyring ring) {
      if (ring == null) {
        return REMOVED;
      }
      DhchapKeys c = ring.current();
      DhchapKeys p = ring.previous();
      return new Saved(
          c.host().format(),
          c.controller() == null ? null : c.controller().format(),
          p == null ? null : p.host().format(),
          p == null || p.controller() == null ? null : p.controller().format(),
          p == null ? null : ring.previousUntilMillis(),
          null);
    }

    /** The keyring, or null for a removed host. */
    HostKeyring ring() {
      if (Boolean.TRUE.equals(removed)) {
        return null;
      }
      DhchapKeys current = keys(secret, ctrlSecret);
      if (previousSecret == null) {
        return HostKeyring.of(current);
      }
      return new HostKeyring(
          current, keys(previousSecret, previousCtrlSecret), previousUntilMillis);
    }

    private static DhchapKeys keys(String host, String ctrl) {
      return new DhchapKeys(
          DhchapSecret.parse(host), ctrl == null ? null : DhchapSecret.parse(ctrl));
    }
  }

  private final Path file;

  /** Subsystem NQN → host NQN → keys. */
  private final Map<String, Map<String, Saved>> saved = new TreeMap<>();

  HostKeyFile(Path dataDir) {
    this.file = dataDir.resolve(NAME);
  }

  /** Reads the file if there is one. */
  synchronized void load() throws IOException {
    saved.clear();
    if (Files.exists(file)) {
      saved.putAll(
          JSON.readValue(file.toFile(), new TypeReference<Map<String, Map<String, Saved>>>() {}));
    }
  }

  /** What was saved for a subsystem: host NQN → keyring, or null for a removed host. */
  synchronized Map<String, HostKeyring> forSubsystem(String nqn) {
    Map<String, HostKeyring> out = new LinkedHashMap<>();
    saved.getOrDefault(nqn, Map.of()).forEach((h, s) -> out.put(h, s.ring()));
    return out;
  }

  /** Records a host's keys (null: removed) and writes the file. */
  synchronized void put(String subsystem, String host, HostKeyring ring) throws IOException {
    saved.computeIfAbsent(subsystem, k -> new TreeMap<>()).put(host, Saved.of(ring));
    write();
  }

  private void write() throws IOException {
    Files.createDirectories(file.getParent());
    Path tmp = file.resolveSibling(NAME + ".tmp");
    Files.deleteIfExists(tmp);
    Files.createFile(
        tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(saved));
    try {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
