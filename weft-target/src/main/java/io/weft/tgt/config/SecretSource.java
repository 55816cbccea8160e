package io.weft.tgt.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a secret (a token, a password) is read from: {@code @FILE} (the file's first line) or
 * {@code env:VAR}. Never a literal on a command line or in a config file: {@code ps} shows command
 * lines to every user, and config files get copied around.
 */
public final class SecretSource {
  private static final Logger log = LoggerFactory.getLogger(SecretSource.class);

  private SecretSource() {}

  /**
   * The secret {@code source} names.
   *
   * @param what what the secret is, for messages (never the secret itself)
   * @param env how environment variables are read ({@code System::getenv} outside tests)
   * @throws IOException if the source is not one of the two forms, missing, or empty
   */
  public static String read(String source, String what, Function<String, String> env)
      throws IOException {
    String secret;
    if (source.startsWith("@")) {
      Path file = Path.of(source.substring(1));
      if (!Files.isReadable(file)) {
        throw new IOException(what + " file " + file + " does not exist or is not readable");
      }
      warnIfOthersCanRead(file, what);
      secret = Files.readString(file, StandardCharsets.UTF_8).lines().findFirst().orElse("");
    } else if (source.startsWith("env:")) {
      String name = source.substring(4);
      secret = env.apply(name);
      if (secret == null) {
        throw new IOException("environment variable " + name + " (the " + what + ") is not set");
      }
    } else {
      throw new IOException(
          "a "
              + what
              + " is read from @FILE or env:VAR, never given literally (a command line is"
              + " visible to every user of the machine)");
    }
    secret = secret.strip();
    if (secret.isEmpty()) {
      throw new IOException("the " + what + " from " + source + " is empty");
    }
    return secret;
  }

  private static void warnIfOthersCanRead(Path file, String what) {
    try {
      Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
      if (p.contains(PosixFilePermission.OTHERS_READ)
          || p.contains(PosixFilePermission.GROUP_READ)) {
        log.warn("{} file {} is readable by others than its owner (chmod 600 it)", what, file);
      }
    } catch (IOException | UnsupportedOperationException e) {
      // not a POSIX file system: nothing to say
    }
  }
}
