package io.weft.interop;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The spdk-peer tool (../shared/tools/spdk-peer beside the repository): SPDK v23.05's
 * spdk_nvme_perf, spdk_nvme_identify, nvme_fuzz and nvmf_tgt, built once into a machine cache by
 * its {@code build} script. SPDK's user-space drivers need hugepages; {@link #prepare} reserves
 * them.
 */
final class SpdkPeer {
  /** 2 MiB hugepages the tools share: perf and fuzz each take 512 MiB (-s 512). */
  static final int HUGEPAGES = 1024;

  /** The first build compiles SPDK (~4 min on 2 cores); later calls return at once. */
  private static final long BUILD_TIMEOUT_SECONDS = 1200;

  private final Path dir;
  private Path bin;

  private SpdkPeer(Path dir) {
    this.dir = dir;
  }

  /** {@code -Dspdkpeer.dir}, env SPDK_PEER_DIR, or ../shared/tools/spdk-peer. */
  static SpdkPeer locate() {
    String configured = System.getProperty("spdkpeer.dir", System.getenv("SPDK_PEER_DIR"));
    Path dir =
        configured != null && !configured.isBlank()
            ? Path.of(configured)
            : Interop.repoRoot().resolve("../shared/tools/spdk-peer");
    return new SpdkPeer(dir.toAbsolutePath().normalize());
  }

  Path dir() {
    return dir;
  }

  /**
   * Builds (or finds) the tools and reserves hugepages; on failure the suite cannot run ({@link
   * Interop#cannotRun}: a failure under CI, a skip elsewhere).
   */
  void prepare() {
    Path build = dir.resolve("build");
    if (!Files.isExecutable(build)) {
      Interop.cannotRun("no spdk-peer build script at " + build);
    }
    Interop.CommandResult built = Interop.run(List.of(build.toString()), BUILD_TIMEOUT_SECONDS);
    String[] lines = built.output().strip().split("\n");
    Path candidate = Path.of(lines[lines.length - 1].strip());
    if (!built.ok() || !Files.isExecutable(candidate.resolve("spdk_nvme_perf"))) {
      Interop.cannotRun("spdk-peer build failed (exit " + built.exitCode() + "): " + tail(built));
    }
    bin = candidate;
    if (freeHugepages() < HUGEPAGES / 2) {
      Interop.CommandResult pages =
          Interop.run(List.of(tool("hugepages").toString(), String.valueOf(HUGEPAGES)), 60);
      if (!pages.ok() || freeHugepages() < HUGEPAGES / 2) {
        Interop.cannotRun("cannot reserve " + HUGEPAGES + " hugepages: " + pages.oneLine());
      }
    }
  }

  Path tool(String name) {
    if (bin == null) {
      throw new IllegalStateException("prepare() first");
    }
    return bin.resolve(name);
  }

  /** The transport ID string SPDK tools take with -r / -F. */
  static String trid(int port, String subnqn, String hostnqn) {
    String trid = "trtype:TCP adrfam:IPv4 traddr:127.0.0.1 trsvcid:" + port + " subnqn:" + subnqn;
    return hostnqn == null ? trid : trid + " hostnqn:" + hostnqn;
  }

  /** Runs a tool to completion and returns its merged output. */
  Interop.CommandResult run(long timeoutSeconds, String tool, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(tool(tool).toString());
    cmd.addAll(List.of(args));
    return Interop.run(cmd, timeoutSeconds);
  }

  /**
   * Runs a tool whose output is too large to keep (nvme_fuzz prints every command it sends: about
   * 30 MB/s), handing each line to {@code lines} as it comes.
   *
   * @return the exit status, or -1 if it was killed at the timeout
   */
  int stream(long timeoutSeconds, Consumer<String> lines, String tool, String... args)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(tool(tool).toString());
    cmd.addAll(List.of(args));
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .start();
    Thread reader =
        Thread.ofPlatform()
            .name("spdk-output")
            .start(
                () -> {
                  try (BufferedReader r =
                      new BufferedReader(
                          new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                      lines.accept(line);
                    }
                  } catch (IOException e) {
                    lines.accept("(output ended: " + e + ")");
                  }
                });
    boolean done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
    if (!done) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    reader.join(10_000);
    return done ? p.exitValue() : -1;
  }

  private static final Pattern HUGEPAGES_FREE = Pattern.compile("HugePages_Free:\\s+(\\d+)");

  static int freeHugepages() {
    try {
      Matcher m = HUGEPAGES_FREE.matcher(Files.readString(Path.of("/proc/meminfo")));
      return m.find() ? Integer.parseInt(m.group(1)) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  private static String tail(Interop.CommandResult r) {
    String out = r.output().strip();
    return out.length() <= 2000 ? out : "..." + out.substring(out.length() - 2000);
  }
}
