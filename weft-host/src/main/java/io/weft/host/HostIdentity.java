package io.weft.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * This host's NQN and host ID, generated once and kept (like /etc/nvme/hostnqn and
 * /etc/nvme/hostid) so that a target recognises the host across runs. Stored under {@code
 * $WEFT_HOME} (default {@code ~/.weft}) as {@code hostnqn} and {@code hostid}.
 */
public record HostIdentity(String hostNqn, UUID hostId) {

  public static Path home() {
    String env = System.getenv("WEFT_HOME");
    return env != null && !env.isBlank()
        ? Path.of(env)
        : Path.of(System.getProperty("user.home"), ".weft");
  }

  /** Loads the persisted identity, creating it on first use. */
  public static HostIdentity load() {
    return load(home());
  }

  public static synchronized HostIdentity load(Path dir) {
    Path nqnFile = dir.resolve("hostnqn");
    Path idFile = dir.resolve("hostid");
    try {
      if (Files.exists(nqnFile) && Files.exists(idFile)) {
        return new HostIdentity(
            Files.readString(nqnFile).strip(), UUID.fromString(Files.readString(idFile).strip()));
      }
      UUID id = UUID.randomUUID();
      HostIdentity created = new HostIdentity("nqn.2014-08.org.nvmexpress:uuid:" + id, id);
      Files.createDirectories(dir);
      Files.writeString(nqnFile, created.hostNqn() + "\n");
      Files.writeString(idFile, id + "\n");
      return created;
    } catch (IOException | IllegalArgumentException e) {
      // A read-only home must not stop a host from working: use a fresh identity for this run.
      UUID id = UUID.randomUUID();
      return new HostIdentity("nqn.2014-08.org.nvmexpress:uuid:" + id, id);
    }
  }
}
