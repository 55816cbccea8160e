package io.weft.interop;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Replicas of the cluster's discovery service as real processes ({@code java -jar weft.jar
 * discovery --listen ... --admin ... --store etcd://...}), all on one store. Each has its own
 * NVMe/TCP port and admin API on loopback and logs to {@code discovery-N.log}; any can be killed
 * with SIGKILL.
 */
final class DiscoveryInstances implements AutoCloseable {
  private final Path jar;
  private final Path work;
  private final Path logs;
  private final String storeSpec;
  private final int[] ports;
  private final int[] adminPorts;
  private final Process[] processes;

  private DiscoveryInstances(Path jar, Path work, Path logs, String storeSpec, int count) {
    this.jar = jar;
    this.work = work;
    this.logs = logs;
    this.storeSpec = storeSpec;
    int[] free = Interop.freePorts(2 * count);
    this.ports = Arrays.copyOfRange(free, 0, count);
    this.adminPorts = Arrays.copyOfRange(free, count, 2 * count);
    this.processes = new Process[count];
  }

  /**
   * Starts {@code count} instances on the store of {@code cluster}, all at once, and waits until
   * each listens on both its ports.
   */
  static DiscoveryInstances start(ClusterProcesses cluster, Path logs, int count) throws Exception {
    DiscoveryInstances d =
        new DiscoveryInstances(cluster.jar(), cluster.workDir(), logs, cluster.storeSpec(), count);
    try {
      for (int i = 0; i < count; i++) {
        d.launch(i);
      }
      for (int i = 0; i < count; i++) {
        ClusterProcesses.awaitPort(d.ports[i], Duration.ofSeconds(60), d.processes[i], name(i));
        ClusterProcesses.awaitPort(
            d.adminPorts[i], Duration.ofSeconds(60), d.processes[i], name(i));
      }
    } catch (Exception | Error e) {
      d.close();
      throw e;
    }
    return d;
  }

  private static String name(int i) {
    return "discovery-" + i;
  }

  private void launch(int i) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Interop.javaBinary().toString());
    cmd.add("--sun-misc-unsafe-memory-access=allow");
    cmd.add("-jar");
    cmd.add(jar.toString());
    cmd.addAll(
        List.of(
            "discovery",
            "--listen",
            "127.0.0.1:" + ports[i],
            "--admin",
            admin(i),
            "--store",
            storeSpec,
            "--data-dir",
            work.resolve(name(i)).toString(),
            "--spin-us",
            "0"));
    processes[i] =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(
                ProcessBuilder.Redirect.appendTo(logs.resolve(name(i) + ".log").toFile()))
            .start();
  }

  int count() {
    return processes.length;
  }

  /** The NVMe/TCP port hosts discover at. */
  int port(int i) {
    return ports[i];
  }

  /** Its management API, where {@code weft discovery register --admin} goes. */
  String admin(int i) {
    return "127.0.0.1:" + adminPorts[i];
  }

  boolean isAlive(int i) {
    return processes[i].isAlive();
  }

  /** SIGKILL: connections drop mid-command, nothing is closed cleanly. */
  void kill(int i) throws InterruptedException {
    processes[i].destroyForcibly();
    processes[i].waitFor(10, TimeUnit.SECONDS);
  }

  Path log(int i) {
    return logs.resolve(name(i) + ".log");
  }

  @Override
  public void close() throws InterruptedException {
    for (Process p : processes) {
      if (p != null) {
        p.destroy();
      }
    }
    for (Process p : processes) {
      if (p != null && !p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }
}
