package io.weft.interop;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Weft processes inside the namespaces of a {@link NetnsLink}: servers started in the background
 * with their output in {@code logs/NAME.log}, one-shot CLI commands, and a clean stop of all of
 * them (SIGTERM, as Ctrl-C) on {@link #close}.
 */
final class NetnsWeft implements AutoCloseable {
  private final NetnsLink link;
  private final Path logs;
  private final Path work;
  private final Path jar;
  private final List<Process> running = new ArrayList<>();

  /**
   * @param work where the jar copy and the CLI's home live
   */
  NetnsWeft(NetnsLink link, Path logs, Path work, Path jar) {
    this.link = link;
    this.logs = logs;
    this.work = work;
    this.jar = jar;
  }

  /** {@code java -jar weft.jar ARGS} inside {@code ns}, output to {@code name}.log. */
  Process start(String ns, String name, String... args) throws IOException {
    Process p =
        new ProcessBuilder(link.inside(ns, java(args)))
            .redirectErrorStream(true)
            .redirectOutput(logs.resolve(name + ".log").toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .start();
    running.add(p);
    return p;
  }

  /** A command that ends by itself (a minute at most). */
  Interop.CommandResult cli(String ns, String... args) {
    return Interop.run(link.inside(ns, java(args)), 60);
  }

  private List<String> java(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add("env");
    cmd.add("WEFT_HOME=" + work.resolve("home")); // no host identity written to ~/.weft
    cmd.add(Interop.javaBinary().toString());
    cmd.add("--sun-misc-unsafe-memory-access=allow");
    cmd.add("-jar");
    cmd.add(jar.toString());
    cmd.addAll(List.of(args));
    return cmd;
  }

  /** Waits for the banner's first line ("... is running."); the process must not exit first. */
  void awaitRunning(Process p, String name) throws Exception {
    Interop.waitFor(
        name + " running",
        Duration.ofSeconds(60),
        () -> {
          if (!p.isAlive()) {
            throw new AssertionError(name + " exited with " + p.exitValue());
          }
          return log(name).contains(" is running.");
        });
  }

  /** Waits for a process that must not start to exit; its exit code. */
  int awaitExit(Process p, String name) throws Exception {
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      throw new AssertionError(name + " still runs after 60 s");
    }
    running.remove(p);
    return p.exitValue();
  }

  String log(String name) throws IOException {
    Path file = logs.resolve(name + ".log");
    return Files.exists(file) ? Files.readString(file, StandardCharsets.ISO_8859_1) : "";
  }

  /** SIGTERM, as Ctrl-C: the process closes what it runs. */
  void stop(Process p) throws InterruptedException {
    p.destroy();
    if (!p.waitFor(20, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    running.remove(p);
  }

  /** The last lines of each named log, for a failure message. */
  String tails(String... names) {
    StringBuilder s = new StringBuilder();
    for (String name : names) {
      s.append(Interop.tailBlock(name, logs.resolve(name + ".log"), 30));
    }
    return s.toString();
  }

  /** Stops every process still running. */
  @Override
  public void close() throws InterruptedException {
    for (Process p : List.copyOf(running)) {
      stop(p);
    }
  }
}
