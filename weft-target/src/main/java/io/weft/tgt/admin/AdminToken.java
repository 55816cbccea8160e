package io.weft.tgt.admin;

import io.weft.tgt.config.SecretSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The management API's bearer token. It is read from a file ({@code @FILE}) or an environment
 * variable ({@code env:VAR}), never from a literal on a command line (where {@code ps} shows it to
 * everyone), or generated once into the data directory with owner-only permissions. Only its
 * SHA-256 is kept; a presented token is compared by its hash in constant time.
 */
public final class AdminToken {
  private static final Logger log = LoggerFactory.getLogger(AdminToken.class);

  /** Where a generated token is kept, in the data directory. */
  public static final String GENERATED_FILE = "admin.token";

  private final byte[] hash;
  private final String source;

  private AdminToken(String token, String source) {
    this.hash = sha256(token);
    this.source = source;
  }

  /**
   * Reads a token from {@code @FILE} (its first line) or {@code env:VAR}.
   *
   * @param env how environment variables are read (System::getenv outside tests)
   * @throws IOException if the source is not one of those forms, missing or empty
   */
  public static AdminToken read(String source, Function<String, String> env) throws IOException {
    return new AdminToken(SecretSource.read(source, "token", env), source);
  }

  /**
   * The token kept in {@code dataDir}/{@value #GENERATED_FILE}, generated (256 random bits,
   * owner-only permissions) the first time.
   */
  public static AdminToken generated(Path dataDir) throws IOException {
    Path file = dataDir.resolve(GENERATED_FILE);
    if (!Files.exists(file)) {
      Files.createDirectories(dataDir);
      byte[] random = new byte[32];
      new SecureRandom().nextBytes(random);
      String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
      try {
        Files.createFile(
            file,
            PosixFilePermissions.asFileAttribute(
                Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE)));
        Files.writeString(file, token + "\n", StandardCharsets.UTF_8);
        log.info("admin API: generated a bearer token in {} (readable by its owner only)", file);
      } catch (FileAlreadyExistsException raced) {
        // another process made one first: use theirs
      }
    }
    return read("@" + file, System::getenv);
  }

  /** Whether {@code presented} is the token: compared by hash, in constant time. */
  public boolean matches(String presented) {
    return presented != null && MessageDigest.isEqual(hash, sha256(presented));
  }

  /** What logs and the audit trail say instead of the token: the start of its SHA-256. */
  public String fingerprint() {
    return fingerprintOf(hash);
  }

  /** Where the token comes from ({@code @FILE} or {@code env:VAR}). */
  public String source() {
    return source;
  }

  private static String fingerprintOf(byte[] hash) {
    return "sha256:" + HexFormat.of().formatHex(hash, 0, 8);
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
