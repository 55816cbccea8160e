package io.weft.csi;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The node's own tools (nvme-cli, mkfs, mount, blkid) run as child processes: the node plugin does
 * what an operator would type, so what it did can be read back and repeated by hand. Secrets among
 * the arguments ({@code --dhchap-...}) never appear in messages.
 */
final class Commands {
  private Commands() {}

  /** What a command printed and how it ended. */
  record Result(int exit, String out) {
    boolean ok() {
      return exit == 0;
    }
  }

  /**
   * Runs {@code cmd}, waiting at most {@code timeout}; output and errors together. The output goes
   * to a file, not a pipe, so a talkative command cannot stall on a full pipe.
   */
  static Result run(List<String> cmd, Duration timeout) throws IOException {
    File out = File.createTempFile("weft-csi-cmd", ".out");
    try {
      Process p =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(out)
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .start();
      try {
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          p.destroyForcibly();
          throw new IOException(describe(cmd) + " did not finish in " + timeout);
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new IOException("interrupted: " + describe(cmd), e);
      }
      return new Result(
          p.exitValue(), Files.readString(out.toPath(), StandardCharsets.UTF_8).trim());
    } finally {
      Files.deleteIfExists(out.toPath());
    }
  }

  /** Runs {@code cmd} and fails, with its own words, unless it succeeds. */
  static String check(List<String> cmd, Duration timeout) throws IOException {
    Result r = run(cmd, timeout);
    if (!r.ok()) {
      throw new IOException(describe(cmd) + " failed (exit " + r.exit() + "): " + r.out());
    }
    return r.out();
  }

  /** The command line for a message, with the values of secret arguments left out. */
  static String describe(List<String> cmd) {
    List<String> shown = new ArrayList<>();
    for (String arg : cmd) {
      int eq = arg.indexOf('=');
      shown.add(arg.startsWith("--dhchap-") && eq > 0 ? arg.substring(0, eq) + "=(secret)" : arg);
    }
    return String.join(" ", shown);
  }
}
