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
      // Keep whichever half the user already has (e.g. an NQN put there to match an allow-list).
      UUID id =
          Files.exists(idFile)
              ? UUID.fromString(Files.readString(idFile).strip())
              : UUID.randomUUID();
      String nqn =
          Files.exists(nqnFile)
              ? Files.readString(nqnFile).strip()
              : "nqn.2014-08.org.nvmexpress:uuid:" + id;
      Files.createDirectories(dir);
      if (!Files.exists(idFile)) {
        Files.writeString(idFile, id + "\n");
      }
      if (!Files.exists(nqnFile)) {
        Files.writeString(nqnFile, nqn + "\n");
      }
      return new HostIdentity(nqn, id);
    } catch (IOException | IllegalArgumentException e) {
      // A read-only or damaged home must not stop a host from working: use a fresh identity for
      // this run, and say so, since targets with allow-lists will not know it.
      UUID id = UUID.randomUUID();
      System.getLogger(HostIdentity.class.getName())
          .log(
              System.Logger.Level.WARNING,
              "cannot keep a host identity in " + dir + " (" + e.getMessage() + "); using " + id);
      return new HostIdentity("nqn.2014-08.org.nvmexpress:uuid:" + id, id);
    }
  }
}
