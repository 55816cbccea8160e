package io.weft.csi;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** The node's mount table and umount(8): what the Node service needs to take a volume away. */
final class Mounts {
  private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

  private Mounts() {}

  /** Whether something is mounted at {@code path} (field 5 of a mountinfo line, octal-escaped). */
  static boolean isMountPoint(Path path) throws IOException {
    String wanted = path.toAbsolutePath().normalize().toString();
    for (String line : Files.readAllLines(MOUNTINFO, StandardCharsets.UTF_8)) {
      String[] f = line.split(" ");
      if (f.length > 4 && unescape(f[4]).equals(wanted)) {
        return true;
      }
    }
    return false;
  }

  /** Unmounts {@code path}; the error names umount's own message. */
  static void unmount(Path path) throws IOException {
    Process p = new ProcessBuilder("umount", path.toString()).redirectErrorStream(true).start();
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("umount " + path + " did not finish in 60 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted unmounting " + path, e);
    }
    if (p.exitValue() != 0) {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      throw new IOException("umount " + path + " failed: " + out);
    }
  }

  /** mountinfo writes space, tab, newline and backslash as \040, \011, \012, \134. */
  private static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length()) {
        b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
