package io.weft.interop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The linux-peer tool (../shared/tools/linux-peer beside the repository): boots Debian's kernel
 * under qemu/TCG and runs a script in it as root, with the host's userland (nvme-cli, fio, ...).
 */
final class LinuxPeer {
  /** Host tools the guest borrows from the host root filesystem, plus qemu/socat themselves. */
  private static final List<String> REQUIRED_TOOLS =
      List.of("qemu-system-x86_64", "socat", "busybox", "nvme", "fio", "jq", "mkfs.ext4", "e2fsck");

  private final Path dir;

  private LinuxPeer(Path dir) {
    this.dir = dir;
  }

  /**
   * Finds the tool: {@code -Dlinuxpeer.dir}, env LINUX_PEER_DIR, or ../shared/tools/linux-peer
   * relative to the repository root.
   */
  static LinuxPeer locate() {
    String configured = System.getProperty("linuxpeer.dir", System.getenv("LINUX_PEER_DIR"));
    Path dir =
        configured != null && !configured.isBlank()
            ? Path.of(configured)
            : Interop.repoRoot().resolve("../shared/tools/linux-peer");
    return new LinuxPeer(dir.toAbsolutePath().normalize());
  }

  Path dir() {
    return dir;
  }

  Path runGuest() {
    return dir.resolve("run-guest");
  }

  /** Why guests cannot be booted here, or empty if they can. */
  Optional<String> whyUnavailable() {
    List<String> problems = new ArrayList<>();
    if (!Files.isExecutable(runGuest())) {
      problems.add("no executable " + runGuest());
    }
    for (String tool : REQUIRED_TOOLS) {
      if (findOnPath(tool).isEmpty()) {
        problems.add(tool + " not installed (linux-peer/install)");
      }
    }
    if (!isRoot()) {
      problems.add("not running as root (run-guest exports / over 9p and reads /boot)");
    }
    if (!hasBootableKernel()) {
      problems.add(
          "no readable /boot/vmlinuz-* with /lib/modules (apt-get install linux-image-amd64)");
    }
    return problems.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", problems));
  }

  private static Optional<Path> findOnPath(String tool) {
    String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin:/usr/bin:/bin";
    for (String entry : path.split(":")) {
      if (entry.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(entry, tool);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  private static boolean isRoot() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          String[] ids = line.substring(4).trim().split("\\s+");
          return ids.length > 1 && ids[1].equals("0");
        }
      }
    } catch (IOException e) {
      return false;
    }
    return false;
  }

  private static boolean hasBootableKernel() {
    try (Stream<Path> boot = Files.list(Path.of("/boot"))) {
      return boot.anyMatch(
          k -> {
            String name = k.getFileName().toString();
            return name.startsWith("vmlinuz-")
                && Files.isReadable(k)
                && Files.isDirectory(Path.of("/lib/modules", name.substring("vmlinuz-".length())));
          });
    } catch (IOException e) {
      return false;
    }
  }

  /** What to boot: a guest script, its share dir, forwards and environment. */
  static final class GuestSpec {
    final Path script;
    Path share;
    final List<String> guestForwards = new ArrayList<>();
    final List<String> hostForwards = new ArrayList<>();
    final Map<String, String> env = new LinkedHashMap<>();
    int memoryMib = 1024;
    int cpus = 2;
    Duration timeout = Duration.ofMinutes(15);
    Path log;
    Path kernel;

    GuestSpec(Path script) {
      this.script = script;
    }

    GuestSpec share(Path dir) {
      this.share = dir;
      return this;
    }

    /** Guest connections to {@code guestIp:guestPort} reach host 127.0.0.1:{@code hostPort}. */
    GuestSpec guestForward(String guestIp, int guestPort, int hostPort) {
      guestForwards.add(guestIp + ":" + guestPort + ":" + hostPort);
      return this;
    }

    /** Host connections to 127.0.0.1:{@code hostPort} reach the guest's {@code guestPort}. */
    GuestSpec hostForward(int hostPort, int guestPort) {
      hostForwards.add(hostPort + ":" + guestPort);
      return this;
    }

    GuestSpec env(String name, String value) {
      env.put(name, value);
      return this;
    }

    GuestSpec memoryMib(int mib) {
      this.memoryMib = mib;
      return this;
    }

    GuestSpec timeout(Duration limit) {
      this.timeout = limit;
      return this;
    }

    GuestSpec log(Path file) {
      this.log = file;
      return this;
    }

    /** Boots this kernel image instead of the newest one in /boot. */
    GuestSpec kernel(Path image) {
      this.kernel = image;
      return this;
    }
  }

  /**
   * The guest kernel with NVMe in-band authentication (DH-HMAC-CHAP) that {@code auth-kernel/build}
   * makes from Debian's linux-source-6.1: built once (about 8 minutes), then cached in
   * ~/.cache/linux-peer/kbuild, where CI finds it.
   *
   * @return the image, or why there is none
   */
  Interop.CommandResult authKernel() {
    return Interop.run(List.of(dir.resolve("auth-kernel/build").toString()), 1800);
  }

  /** Starts run-guest; its stdout and stderr (guest console + harness messages) go to the log. */
  Guest boot(GuestSpec spec) {
    List<String> cmd = new ArrayList<>();
    cmd.add(runGuest().toString());
    cmd.add("--mem");
    cmd.add(Integer.toString(spec.memoryMib));
    cmd.add("--cpus");
    cmd.add(Integer.toString(spec.cpus));
    cmd.add("--timeout");
    cmd.add(Long.toString(spec.timeout.toSeconds()));
    if (spec.kernel != null) {
      cmd.add("--kernel");
      cmd.add(spec.kernel.toString());
    }
    if (spec.share != null) {
      cmd.add("--share");
      cmd.add(spec.share.toString());
    }
    for (String forward : spec.guestForwards) {
      cmd.add("--guestfwd");
      cmd.add(forward);
    }
    for (String forward : spec.hostForwards) {
      cmd.add("--hostfwd");
      cmd.add(forward);
    }
    spec.env.forEach(
        (name, value) -> {
          cmd.add("--env");
          cmd.add(name + "=" + value);
        });
    cmd.add(spec.script.toString());
    try {
      Files.createDirectories(spec.log.getParent());
      Files.writeString(spec.log, "# " + String.join(" ", cmd) + System.lineSeparator());
      Process process =
          new ProcessBuilder(cmd)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(spec.log.toFile()))
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .start();
      return new Guest(process, spec.log);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + runGuest(), e);
    }
  }

  /** A running (or finished) run-guest process. */
  static final class Guest implements AutoCloseable {
    private final Process process;
    private final Path log;

    Guest(Process process, Path log) {
      this.process = process;
      this.log = log;
    }

    Path log() {
      return log;
    }

    boolean isAlive() {
      return process.isAlive();
    }

    /** Waits for the guest to power off; false if it is still running after {@code limit}. */
    boolean waitFor(Duration limit) throws InterruptedException {
      return process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** run-guest's exit status: the script's, 124 on timeout, 125 on a harness failure. */
    int exitValue() {
      return process.exitValue();
    }

    /** The qemu process among run-guest's descendants. */
    Optional<ProcessHandle> qemu() {
      return process
          .descendants()
          .filter(p -> p.info().command().map(c -> c.contains("qemu-system")).orElse(false))
          .findFirst();
    }

    /**
     * Freezes the whole guest (vCPUs, timers, its network stack) with SIGSTOP to qemu and waits (up
     * to 5 s) until the kernel shows qemu as stopped.
     *
     * @return qemu's pid
     */
    long freeze() {
      long pid = signalQemu("STOP");
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (!processState(pid).equals("T") && System.nanoTime() < end) {
        Thread.onSpinWait();
      }
      return pid;
    }

    /** Lets a frozen guest run again. */
    long thaw() {
      return signalQemu("CONT");
    }

    private long signalQemu(String signal) {
      ProcessHandle qemu =
          qemu()
              .orElseThrow(
                  () -> new IllegalStateException("no qemu-system process under run-guest"));
      Interop.CommandResult r =
          Interop.run(List.of("kill", "-" + signal, Long.toString(qemu.pid())), 10);
      if (!r.ok()) {
        throw new IllegalStateException("kill -" + signal + " " + qemu.pid() + ": " + r.output());
      }
      return qemu.pid();
    }

    /** The scheduler state letter of a process (T = stopped), from /proc. */
    static String processState(long pid) {
      try {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      } catch (IOException | RuntimeException e) {
        return "?";
      }
    }

    /** Stops the guest: SIGTERM to run-guest (which kills qemu), SIGKILL if it lingers. */
    @Override
    public void close() {
      if (!process.isAlive()) {
        return;
      }
      qemu().ifPresent(q -> Interop.run(List.of("kill", "-CONT", Long.toString(q.pid())), 10));
      process.destroy();
      try {
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          process.waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
    }
  }
}
