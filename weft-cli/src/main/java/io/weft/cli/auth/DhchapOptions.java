package io.weft.cli.auth;

import io.weft.protocol.auth.DhGroup;
import io.weft.protocol.auth.DhchapHash;
import io.weft.protocol.auth.DhchapSecret;
import io.weft.tgt.config.DhchapKeys;
import io.weft.tgt.config.DhchapPolicy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The DH-HMAC-CHAP settings as users write them: {@code DHHC-1:} secrets (or where to read them),
 * allowed hosts with their secrets, and hash and group names as nvme-cli and nvmet's configfs spell
 * them ({@code sha256} or {@code hmac(sha256)}, {@code ffdhe2048}, {@code null}).
 */
public final class DhchapOptions {
  private DhchapOptions() {}

  /** One {@code --allow-host NQN[,dhchap-secret=KEY][,dhchap-ctrl-secret=KEY]}. */
  public record AllowedHost(String nqn, DhchapKeys keys) {}

  /** Parses a secret given as {@code DHHC-1:...}, {@code @FILE} or {@code env:NAME}. */
  public static DhchapSecret secret(String spec, Path baseDir, String what) {
    String text = SecretText.resolve(spec, baseDir, what);
    try {
      return DhchapSecret.parse(text);
    } catch (IllegalArgumentException e) {
      // The message of a parse failure names the problem, not the key.
      throw new IllegalArgumentException(what + ": " + e.getMessage());
    }
  }

  public static AllowedHost allowedHost(String text, Path baseDir) {
    String[] parts = text.split(",");
    String nqn = parts[0].strip();
    if (nqn.isEmpty()) {
      throw new IllegalArgumentException("--allow-host: empty host NQN");
    }
    DhchapSecret host = null;
    DhchapSecret ctrl = null;
    for (int i = 1; i < parts.length; i++) {
      String part = parts[i].strip();
      if (part.startsWith("dhchap-secret=")) {
        host = secret(part.substring(14), baseDir, "dhchap-secret of " + nqn);
      } else if (part.startsWith("dhchap-ctrl-secret=")) {
        ctrl = secret(part.substring(19), baseDir, "dhchap-ctrl-secret of " + nqn);
      } else {
        throw new IllegalArgumentException(
            "--allow-host "
                + nqn
                + ": unknown setting '"
                + part.split("=")[0]
                + "' (dhchap-secret=KEY or dhchap-ctrl-secret=KEY)");
      }
    }
    if (ctrl != null && host == null) {
      throw new IllegalArgumentException(
          "--allow-host " + nqn + ": dhchap-ctrl-secret needs dhchap-secret too");
    }
    return new AllowedHost(nqn, host == null ? null : new DhchapKeys(host, ctrl));
  }

  /** The default preferences with the given hash and group lists (null: keep the default). */
  public static DhchapPolicy policy(List<String> hashes, List<String> groups) {
    DhchapPolicy d = DhchapPolicy.defaults();
    return new DhchapPolicy(
        hashes == null ? d.hashes() : hashes(hashes), groups == null ? d.groups() : groups(groups));
  }

  static List<DhchapHash> hashes(List<String> names) {
    List<DhchapHash> out = new ArrayList<>();
    for (String n : split(names)) {
      String k = n.toLowerCase(Locale.ROOT).replace("hmac(", "").replace(")", "").replace("-", "");
      out.add(
          switch (k) {
            case "sha256" -> DhchapHash.SHA_256;
            case "sha384" -> DhchapHash.SHA_384;
            case "sha512" -> DhchapHash.SHA_512;
            default ->
                throw new IllegalArgumentException(
                    "unknown DH-HMAC-CHAP hash '" + n + "' (sha256, sha384 or sha512)");
          });
    }
    return out;
  }

  static List<DhGroup> groups(List<String> names) {
    List<DhGroup> out = new ArrayList<>();
    for (String n : split(names)) {
      String k = n.toLowerCase(Locale.ROOT);
      DhGroup g =
          switch (k) {
            case "null", "none" -> DhGroup.NULL;
            default -> {
              try {
                yield DhGroup.valueOf(k.toUpperCase(Locale.ROOT));
              } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                    "unknown DH group '"
                        + n
                        + "' (null, ffdhe2048, ffdhe3072, ffdhe4096, ffdhe6144 or ffdhe8192)");
              }
            }
          };
      out.add(g);
    }
    return out;
  }

  /**
   * Accepts both repeated flags and comma lists. YAML reads a bare {@code null} in a list as no
   * value: that is the null DH group's name, so it stays "null".
   */
  private static List<String> split(List<String> values) {
    List<String> out = new ArrayList<>();
    for (String given : values) {
      String v = given == null ? "null" : given;
      for (String p : v.split(",")) {
        if (!p.isBlank()) {
          out.add(p.strip());
        }
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("an empty list");
    }
    return out;
  }
}
