package io.weft.host.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs {@link TargetMain} as a child JVM on a fixed port: start, kill -9, SIGSTOP/SIGCONT. */
public final class TargetProcess implements AutoCloseable {
  private final int port;
  private final String nqn;
  private final Path file;
  private final long size;
  private Process process;

  public TargetProcess(String nqn, Path file, long size) throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      this.port = s.getLocalPort();
    }
    this.nqn = nqn;
    this.file = file;
    this.size = size;
  }

  public int port() {
    return port;
  }

  public void start() throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    process =
        new ProcessBuilder(
                List.of(
                    java,
                    "--enable-native-access=ALL-UNNAMED",
                    "-cp",
                    System.getProperty("java.class.path"),
                    TargetMain.class.getName(),
                    Integer.toString(port),
                    nqn,
                    file.toString(),
                    Long.toString(size)))
            .redirectErrorStream(true)
            .start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<Void> ready = new CompletableFuture<>();
    Thread pump =
        new Thread(
            () -> {
              try {
                String line;
                while ((line = out.readLine()) != null) {
                  if (line.equals("READY")) {
                    ready.complete(null);
                  }
                }
              } catch (IOException e) {
                // the process ended
              }
              ready.completeExceptionally(new IOException("target process exited before READY"));
            });
    pump.setDaemon(true);
    pump.start();
    ready.get(60, TimeUnit.SECONDS);
  }

  /** SIGKILL: no shutdown hook, no FIN handshake beyond what the kernel does for a dead process. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  public void signal(String sig) throws Exception {
    new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid())).start().waitFor();
  }

  @Override
  public void close() throws Exception {
    if (process != null && process.isAlive()) {
      signal("CONT");
      kill();
    }
  }
}
