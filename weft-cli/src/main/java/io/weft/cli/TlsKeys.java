package io.weft.cli;

import io.weft.protocol.tls.ConfiguredPsk;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** TLS PSKs as options and config files give them: the key itself or {@code @FILE}. */
public final class TlsKeys {
  private TlsKeys() {}

  /** {@code NVMeTLSkey-1:...} or {@code @FILE} holding one (so keys stay out of ps listings). */
  public static ConfiguredPsk key(String text, Path baseDir) {
    String value = text.strip();
    if (value.startsWith("@")) {
      Path file = baseDir.resolve(value.substring(1));
      try {
        value = Files.readString(file).strip();
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "cannot read TLS key file " + file + ": " + e.getMessage());
      }
    }
    return ConfiguredPsk.parse(value);
  }

  /** {@code HOSTNQN=KEY|@FILE}. */
  public static Map.Entry<String, ConfiguredPsk> hostKey(String text, Path baseDir) {
    int eq = text.indexOf('=');
    if (eq <= 0) {
      throw new IllegalArgumentException(
          "--tls-key wants HOSTNQN=NVMeTLSkey-1:...: or HOSTNQN=@FILE, not '" + redact(text) + "'");
    }
    return Map.entry(text.substring(0, eq).strip(), key(text.substring(eq + 1), baseDir));
  }

  /** What an error may quote of a value that may hold a key. */
  private static String redact(String text) {
    return text.contains("NVMeTLSkey") ? "NVMeTLSkey-1:..." : text;
  }
}
