package io.weft.cli.auth;

import io.weft.tgt.config.SecretSource;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A key as users give it: {@code @FILE} or {@code env:NAME}, read by {@link SecretSource} (with a
 * warning for a file others can read), or the key text itself, which DH-HMAC-CHAP keys may be as
 * nvme-cli's {@code --dhchap-secret} takes them.
 */
public final class SecretText {
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
    if (!spec.startsWith("@") && !spec.startsWith("env:")) {
      return spec;
    }
    String source = spec.startsWith("@") ? "@" + baseDir.resolve(spec.substring(1)) : spec;
    try {
      return SecretSource.read(source, what, System::getenv);
    } catch (IOException e) {
      throw new IllegalArgumentException(e.getMessage());
    }
  }
}
