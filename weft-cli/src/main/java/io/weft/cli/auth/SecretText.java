package io.weft.cli.auth;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a secret's text comes from: {@code @FILE} (the file's content, trimmed), {@code env:NAME}
 * (an environment variable), or the text itself. A file that others can read is used, with a
 * warning: secrets belong in files only their owner reads (chmod 600).
 */
public final class SecretText {
  private static final Logger log = LoggerFactory.getLogger(SecretText.class);

  private SecretText() {}

  /**
   * @param baseDir where a relative {@code @FILE} is looked up
   * @param what what the secret is, for errors ("--dhchap-secret")
   * @throws IllegalArgumentException with a message naming {@code what}, never the secret
   */
  public static String resolve(String spec, Path baseDir, String what) {
    if (spec == null || spec.isBlank()) {
      throw new IllegalArgumentException(what + ": empty");
    }
    if (spec.startsWith("@")) {
      Path file = baseDir.resolve(spec.substring(1));
      try {
        warnIfShared(file, what);
        return Files.readString(file).strip();
      } catch (IOException e) {
        throw new IllegalArgumentException(what + ": cannot read " + file + ": " + e.getMessage());
      }
    }
    if (spec.startsWith("env:")) {
      String name = spec.substring(4);
      String value = System.getenv(name);
      if (value == null || value.isBlank()) {
        throw new IllegalArgumentException(what + ": environment variable " + name + " is not set");
      }
      return value.strip();
    }
    return spec;
  }

  private static void warnIfShared(Path file, String what) {
    try {
      Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
      if (p.contains(PosixFilePermission.GROUP_READ)
          || p.contains(PosixFilePermission.OTHERS_READ)) {
        log.warn("{}: {} can be read by other users; chmod 600 it", what, file);
      }
    } catch (IOException | UnsupportedOperationException ignored) {
      // Not a POSIX file system: nothing to check.
    }
  }
}
