package io.weft.interop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/** Paths, ports and policies shared by the interop harness. */
final class Interop {
  private Interop() {}

  /** The weft-interop module directory (surefire sets {@code basedir}). */
  static Path moduleDir() {
    String basedir = System.getProperty("basedir");
    Path dir = Path.of(basedir != null ? basedir : System.getProperty("user.dir"));
    return dir.toAbsolutePath().normalize();
  }

  /** The repository root: the parent of this module. */
  static Path repoRoot() {
    return moduleDir().getParent();
  }

  /** Where guest, target and host-agent logs go: weft-interop/target/interop-logs/RUN. */
  static Path newRunLogDir(String name) {
    Path root =
        Path.of(
            System.getProperty(
                "weft.interop.logs", moduleDir().resolve("target/interop-logs").toString()));
    String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    return createDirectories(root.resolve(name + "-" + stamp));
  }

  /** Scratch space for namespace files and data dirs (large, not kept as logs). */
  /**
   * A work directory on the file system that shares extents (WEFT_REFLINK_DIR, made by
   * bin/lib/reflink-fs.sh), for nodes whose volumes are snapshotted and cloned.
   */
  static Path newReflinkWorkDir(String name) {
    String dir = System.getenv("WEFT_REFLINK_DIR");
    if (dir == null || !Files.isDirectory(Path.of(dir))) {
      cannotRun("no reflink file system (bin/lib/reflink-fs.sh makes one as root)");
    }
    try {
      return Files.createTempDirectory(Path.of(dir), name + "-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path newWorkDir(String name) {
    Path root =
        Path.of(
            System.getProperty(
                "weft.interop.work", moduleDir().resolve("target/interop-work").toString()));
    createDirectories(root);
    try {
      return Files.createTempDirectory(root, name + "-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The executable Weft jar ({@code -Dweft.jar}, env WEFT_JAR, or ../weft-cli/target/weft.jar). */
  static Path weftJar() {
    String configured = System.getProperty("weft.jar", System.getenv("WEFT_JAR"));
    Path jar =
        configured != null && !configured.isBlank()
            ? Path.of(configured)
            : repoRoot().resolve("weft-cli/target/weft.jar");
    return jar.toAbsolutePath().normalize();
  }

  /** The java launcher of the JVM running the tests; the target runs on the same one. */
  static Path javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java");
  }

  /** Ports handed out in this JVM: the kernel may offer a just-closed port again. */
  private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

  /**
   * A TCP port that was free on 127.0.0.1 a moment ago and that no other caller in this JVM was
   * given. Without the second condition two calls may return the same port (etcd's client and peer
   * ports, say): etcd then exits at once with "address already in use".
   */
  static int freePort() {
    while (true) {
      try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        if (HANDED_OUT.add(socket.getLocalPort())) {
          return socket.getLocalPort();
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** {@code count} distinct free ports. */
  static int[] freePorts(int count) {
    int[] ports = new int[count];
    for (int i = 0; i < count; i++) {
      ports[i] = freePort();
    }
    return ports;
  }

  /**
   * The environment cannot run the suite: in CI (env CI set) that is a failure, elsewhere the tests
   * are skipped.
   */
  static void cannotRun(String reason) {
    if (System.getenv("CI") != null) {
      Assertions.fail("interop suite cannot run in CI: " + reason);
    }
    Assumptions.abort("interop suite skipped: " + reason + " (set CI to make this a failure)");
  }

  /** The last {@code lines} lines of a text file, or a note why there are none. */
  static String tail(Path file, int lines) {
    if (file == null || !Files.isRegularFile(file)) {
      return "(no file " + file + ")";
    }
    try {
      List<String> all = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
      List<String> last = all.subList(Math.max(0, all.size() - lines), all.size());
      return String.join(System.lineSeparator(), last);
    } catch (IOException e) {
      return "(cannot read " + file + ": " + e + ")";
    }
  }

  /** A titled tail block for failure output. */
  static String tailBlock(String title, Path file, int lines) {
    return "----- "
        + title
        + " ("
        + file
        + ", last "
        + lines
        + " lines) -----"
        + System.lineSeparator()
        + tail(file, lines)
        + System.lineSeparator();
  }

  static Path createDirectories(Path dir) {
    try {
      return Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs a short host command and returns its exit status and merged output. */
  static CommandResult run(List<String> command, long timeoutSeconds) {
    Path out = null;
    try {
      out = Files.createTempFile("weft-interop-cmd", ".out");
      Process p =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(out.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .start();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new CommandResult(
            -1, "timed out after " + timeoutSeconds + " s: " + String.join(" ", command));
      }
      return new CommandResult(
          p.exitValue(), new String(Files.readAllBytes(out), StandardCharsets.UTF_8));
    } catch (IOException e) {
      return new CommandResult(-1, "cannot run " + command + ": " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new CommandResult(-1, "interrupted: " + command);
    } finally {
      if (out != null) {
        try {
          Files.deleteIfExists(out);
        } catch (IOException ignored) {
          // a temp file left behind
        }
      }
    }
  }

  /** A condition that may fail to be checked (an admin API call, a file read). */
  interface Check {
    boolean holds() throws Exception;
  }

  /** Polls {@code check} every 100 ms until it holds; fails the test after {@code limit}. */
  static void waitFor(String what, java.time.Duration limit, Check check) throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!check.holds()) {
      if (System.nanoTime() > deadline) {
        Assertions.fail("timed out after " + limit.toMillis() + " ms waiting for " + what);
      }
      Thread.sleep(100);
    }
  }

  static List<String> list(String... items) {
    return new ArrayList<>(List.of(items));
  }

  /** Exit status and merged stdout/stderr of a finished command. */
  record CommandResult(int exitCode, String output) {
    boolean ok() {
      return exitCode == 0;
    }

    String oneLine() {
      return output.strip().replaceAll("\\s+", " ");
    }
  }
}
