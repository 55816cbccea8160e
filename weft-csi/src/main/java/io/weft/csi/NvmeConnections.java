package io.weft.csi;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The node's NVMe/TCP connections to volumes, through the kernel initiator: nvme-cli connects and
 * disconnects, and sysfs tells which controllers and block devices a subsystem has. With the
 * kernel's native multipath every path of a replicated volume joins one block device.
 */
final class NvmeConnections {
  private static final Path SUBSYSTEMS = Path.of("/sys/class/nvme-subsystem");
  private static final Pattern NAMESPACE = Pattern.compile("nvme\\d+n\\d+");
  private static final Pattern CONTROLLER = Pattern.compile("nvme\\d+");
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);

  /** How to connect: the CSI node's host NQN and the options a StorageClass may set. */
  record Options(
      String hostNqn,
      Integer ctrlLossTmo,
      Integer keepAliveTmo,
      Integer nrIoQueues,
      String dhchapSecret,
      String dhchapCtrlSecret) {}

  private NvmeConnections() {}

  /**
   * Connects every path of {@code nqn} that is not connected yet. A path the target refuses for now
   * (the volume's allow-list has not reached that node yet) is retried until {@code patience} runs
   * out; the owner's path must connect, the others (replicas, inaccessible until a failover) may
   * fail and are reported only.
   */
  static List<String> connect(String nqn, List<String> targets, Options o, Duration patience)
      throws IOException, InterruptedException {
    List<String> problems = new ArrayList<>();
    long deadline = System.nanoTime() + patience.toNanos();
    for (int i = 0; i < targets.size(); i++) {
      String target = targets.get(i);
      int colon = target.lastIndexOf(':');
      String addr = target.substring(0, colon).replace("[", "").replace("]", "");
      String port = target.substring(colon + 1);
      while (true) {
        if (connected(nqn, addr, port)) {
          break;
        }
        List<String> cmd = new ArrayList<>();
        cmd.addAll(List.of("nvme", "connect", "-t", "tcp", "-a", addr, "-s", port, "-n", nqn));
        cmd.add("--hostnqn=" + o.hostNqn());
        if (o.ctrlLossTmo() != null) {
          cmd.add("--ctrl-loss-tmo=" + o.ctrlLossTmo());
        }
        if (o.keepAliveTmo() != null) {
          cmd.add("--keep-alive-tmo=" + o.keepAliveTmo());
        }
        if (o.nrIoQueues() != null) {
          cmd.add("--nr-io-queues=" + o.nrIoQueues());
        }
        if (o.dhchapSecret() != null) {
          cmd.add("--dhchap-secret=" + o.dhchapSecret());
        }
        if (o.dhchapCtrlSecret() != null) {
          cmd.add("--dhchap-ctrl-secret=" + o.dhchapCtrlSecret());
        }
        Commands.Result r = Commands.run(cmd, COMMAND_TIMEOUT);
        if (r.ok() || connected(nqn, addr, port)) {
          break;
        }
        if (System.nanoTime() > deadline) {
          String problem = "nvme connect to " + target + " failed: " + r.out();
          if (i == 0) {
            throw new IOException(problem);
          }
          problems.add(problem);
          break;
        }
        Thread.sleep(500);
      }
    }
    return problems;
  }

  /** Whether a live controller of {@code nqn} goes to {@code addr}:{@code port}. */
  static boolean connected(String nqn, String addr, String port) throws IOException {
    Optional<Path> s = subsystem(nqn);
    if (s.isEmpty()) {
      return false;
    }
    for (Path c : children(s.get(), CONTROLLER)) {
      String address = read(c.resolve("address"));
      if (address.contains("traddr=" + addr + ",") && address.contains("trsvcid=" + port)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The block device of {@code nqn}'s namespace 1, once the kernel has made it (waiting up to
   * {@code patience}): the multipath head if the kernel merges paths, else the one controller's.
   */
  static Path device(String nqn, Duration patience) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + patience.toNanos();
    while (true) {
      Optional<Path> s = subsystem(nqn);
      if (s.isPresent()) {
        List<Path> heads = children(s.get(), NAMESPACE);
        if (heads.isEmpty()) {
          for (Path c : children(s.get(), CONTROLLER)) {
            heads.addAll(children(c, NAMESPACE));
          }
        }
        for (Path ns : heads) {
          Path dev = Path.of("/dev").resolve(ns.getFileName().toString());
          if (Files.exists(dev)) {
            return dev;
          }
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IOException("no block device for " + nqn + " appeared within " + patience);
      }
      Thread.sleep(200);
    }
  }

  /** The size of a block device as the kernel has it now (sysfs, in 512-byte sectors). */
  static long sizeBytes(Path device) throws IOException {
    Path sectors = Path.of("/sys/class/block", device.getFileName().toString(), "size");
    String text = read(sectors);
    if (text.isEmpty()) {
      throw new IOException("no size for " + device + " in " + sectors);
    }
    return Long.parseLong(text) * 512;
  }

  /**
   * Asks every controller of {@code nqn} to identify its namespaces again (nvme ns-rescan): the
   * target's Namespace Attribute Changed event does the same, this is for a host that missed it.
   */
  static void rescan(String nqn) throws IOException {
    Optional<Path> s = subsystem(nqn);
    if (s.isEmpty()) {
      return;
    }
    for (Path c : children(s.get(), CONTROLLER)) {
      Commands.run(List.of("nvme", "ns-rescan", "/dev/" + c.getFileName()), COMMAND_TIMEOUT);
    }
  }

  /** Disconnects every controller of {@code nqn}; nothing connected is success. */
  static void disconnect(String nqn) throws IOException {
    if (subsystem(nqn).isEmpty()) {
      return;
    }
    Commands.check(List.of("nvme", "disconnect", "-n", nqn), COMMAND_TIMEOUT);
  }

  /** The sysfs directory of the subsystem whose NQN is {@code nqn}, if the node has it. */
  static Optional<Path> subsystem(String nqn) throws IOException {
    if (!Files.isDirectory(SUBSYSTEMS)) {
      return Optional.empty();
    }
    try (DirectoryStream<Path> all = Files.newDirectoryStream(SUBSYSTEMS)) {
      for (Path s : all) {
        if (read(s.resolve("subsysnqn")).equals(nqn)) {
          return Optional.of(s);
        }
      }
    }
    return Optional.empty();
  }

  private static List<Path> children(Path dir, Pattern name) throws IOException {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> all = Files.newDirectoryStream(dir)) {
      for (Path p : all) {
        if (name.matcher(p.getFileName().toString()).matches()) {
          out.add(p);
        }
      }
    }
    out.sort(null);
    return out;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      return ""; // a controller going away while we look
    }
  }
}
