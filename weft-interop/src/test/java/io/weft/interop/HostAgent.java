package io.weft.interop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The host half of the marker-file protocol of the guest scripts. The guest writes {@code
 * req.ACTION} (its content is the payload) into the share dir and waits; the agent runs the handler
 * for ACTION and answers with {@code ack.ACTION}, whose first word is OK or FAIL. Both files are
 * written under a temporary name and renamed, so neither side reads half a file.
 */
final class HostAgent {
  /** One host-side action; returns the answer text (starting with OK or FAIL). */
  @FunctionalInterface
  interface Handler {
    String handle(String payload, long seenNanos) throws Exception;
  }

  private final Path share;
  private final Path log;
  private final Map<String, Handler> handlers = new LinkedHashMap<>();

  HostAgent(Path share, Path log) {
    this.share = share;
    this.log = log;
  }

  HostAgent on(String action, Handler handler) {
    handlers.put(action, handler);
    return this;
  }

  /**
   * Serves requests until the guest powers off or {@code limit} passes.
   *
   * @return true if the guest ended by itself
   */
  boolean serve(LinuxPeer.Guest guest, Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    note("serving " + handlers.keySet() + " in " + share);
    while (guest.isAlive()) {
      if (System.nanoTime() > deadline) {
        note("guest still running after " + limit.toSeconds() + " s; giving up");
        return false;
      }
      serveOnce();
      Thread.sleep(50);
    }
    serveOnce(); // a request written just before the guest ended is answered for the record
    note("guest ended with " + guest.exitValue());
    return true;
  }

  private void serveOnce() {
    try (DirectoryStream<Path> requests = Files.newDirectoryStream(share, "req.*")) {
      for (Path request : requests) {
        long seen = System.nanoTime();
        String action = request.getFileName().toString().substring("req.".length());
        String payload = Files.readString(request, StandardCharsets.UTF_8).strip();
        Files.delete(request);
        note("request " + action + " [" + payload + "]");
        String answer = dispatch(action, payload, seen);
        note("answer  " + action + ": " + answer);
        answer(action, answer);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("share dir " + share, e);
    }
  }

  private String dispatch(String action, String payload, long seen) {
    Handler handler = handlers.get(action);
    if (handler == null) {
      return "FAIL no host handler for '" + action + "'";
    }
    try {
      String answer = handler.handle(payload, seen);
      return answer == null ? "OK" : answer.replace('\n', ' ');
    } catch (Exception | AssertionError e) {
      return "FAIL " + e.getClass().getSimpleName() + ": " + String.valueOf(e.getMessage());
    }
  }

  private void answer(String action, String answer) throws IOException {
    Path tmp = share.resolve(".ack." + action);
    Files.writeString(tmp, answer + "\n", StandardCharsets.UTF_8);
    try {
      Files.move(
          tmp,
          share.resolve("ack." + action),
          StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, share.resolve("ack." + action), StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** Appends a timestamped line to the agent log. */
  void note(String line) {
    try {
      Files.writeString(
          log,
          Instant.now() + " " + line + System.lineSeparator(),
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Parses a payload of {@code key=value} words. */
  static Map<String, String> params(String payload) {
    Map<String, String> params = new LinkedHashMap<>();
    for (String word : payload.trim().split("\\s+")) {
      int eq = word.indexOf('=');
      if (eq > 0) {
        params.put(word.substring(0, eq), word.substring(eq + 1));
      }
    }
    return params;
  }
}
