package io.weft.csi;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The node's own tools (nvme-cli, mkfs, mount, blkid) run as child processes: the node plugin does
 * what an operator would type, so what it did can be read back and repeated by hand.
 */
final class Commands {
  private Commands() {}

  /** What a command printed and how it ended. */
  record Result(int exit, String out) {
    boolean ok() {
      return exit == 0;
    }
  }

  /** Runs {@code cmd}, waiting at most {@code timeout}; output and errors together. */
  static Result run(List<String> cmd, Duration timeout) throws IOException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try {
      p.getOutputStream().close();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", cmd) + " did not finish in " + timeout);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted: " + String.join(" ", cmd), e);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    return new Result(p.exitValue(), out);
  }

  /** Runs {@code cmd} and fails, with its own words, unless it succeeds. */
  static String check(List<String> cmd, Duration timeout) throws IOException {
    Result r = run(cmd, timeout);
    if (!r.ok()) {
      throw new IOException(String.join(" ", cmd) + " failed (exit " + r.exit() + "): " + r.out());
    }
    return r.out();
  }
}
