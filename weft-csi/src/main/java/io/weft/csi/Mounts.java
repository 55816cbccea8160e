package io.weft.csi;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The node's mount table and mount(8)/umount(8): what the Node service needs to put a volume at a
 * pod's path and take it away.
 */
final class Mounts {
  private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

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

  /** Mounts the file system on {@code device} at {@code path}. */
  static void mount(Path device, Path path, String fsType, List<String> options)
      throws IOException {
    List<String> cmd = new ArrayList<>(List.of("mount", "-t", fsType));
    if (!options.isEmpty()) {
      cmd.add("-o");
      cmd.add(String.join(",", options));
    }
    cmd.add(device.toString());
    cmd.add(path.toString());
    Commands.check(cmd, TIMEOUT);
  }

  /** Makes {@code source} (a directory or a device) visible at {@code path} too. */
  static void bind(Path source, Path path, boolean readOnly) throws IOException {
    Commands.check(List.of("mount", "--bind", source.toString(), path.toString()), TIMEOUT);
    if (readOnly) {
      // A bind mount takes ro only on a remount.
      Commands.check(List.of("mount", "-o", "remount,bind,ro", path.toString()), TIMEOUT);
    }
  }

  /** Unmounts {@code path}; the error names umount's own message. */
  static void unmount(Path path) throws IOException {
    Commands.check(List.of("umount", path.toString()), TIMEOUT);
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
