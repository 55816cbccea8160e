package io.weft.cli;

import io.weft.csi.CsiDriver;
import io.weft.csi.CsiEndpoint;
import io.weft.store.ClusterStore;
import io.weft.store.ClusterStores;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code weft csi}: the Kubernetes CSI driver as its own process, the way the controller and node
 * plugins run in a cluster: beside their sidecars, on a unix socket, as clients of the cluster's
 * etcd store. (A single node with the embedded store serves the controller itself: {@code weft node
 * --csi-endpoint}.)
 */
@Command(
    name = "csi",
    sortOptions = false,
    usageHelpAutoWidth = true,
    mixinStandardHelpOptions = true,
    description = {
      "Run Weft's Kubernetes CSI driver until SIGTERM or Ctrl-C.",
      "",
      "The controller (--controller) creates, places, publishes and deletes volumes",
      "in the cluster store. The node plugin (--node) registers its consumer node",
      "there and answers for it. One process may serve both.",
      ""
    })
final class CsiCommand implements Callable<Integer> {
  private static final Path HOST_NQN_FILE = Path.of("/etc/nvme/hostnqn");

  @Spec CommandSpec spec;

  @Option(
      names = "--endpoint",
      required = true,
      paramLabel = "unix:///PATH",
      description = "The unix socket the CSI sidecars connect to.")
  String endpoint;

  @Option(
      names = "--store",
      required = true,
      paramLabel = "etcd://HOST:PORT[,...]",
      description = "The cluster's etcd store.")
  String store;

  @Mixin StoreAccessOptions storeAccess;

  @Option(names = "--controller", description = "Serve the Controller service.")
  boolean controller;

  @Option(
      names = "--node-id",
      paramLabel = "HOST-NQN",
      description = {
        "The consumer node's host NQN (implies --node).",
        "Default with --node: the contents of /etc/nvme/hostnqn."
      })
  String nodeId;

  @Option(names = "--node", description = "Serve the Node service (node id from --node-id).")
  boolean node;

  @Option(
      names = "--zone",
      paramLabel = "ZONE|@FILE",
      description = "The consumer node's zone, or @FILE: read from a file (written at start).")
  String zone;

  @Override
  public Integer call() {
    if (!store.startsWith("etcd://")) {
      throw new CliException(
          ExitCodes.USAGE,
          "--store must name etcd (etcd://HOST:PORT[,...]); with the embedded store, run the"
              + " controller inside the node: weft node --csi-endpoint");
    }
    if (!controller && !node && nodeId == null) {
      throw new CliException(ExitCodes.USAGE, "serve --controller, --node, or both");
    }
    String self = nodeId;
    if (self == null && node) {
      try {
        self = Files.readString(HOST_NQN_FILE, StandardCharsets.UTF_8).trim();
      } catch (IOException e) {
        throw new CliException(
            ExitCodes.USAGE, "--node without --node-id reads " + HOST_NQN_FILE + ": " + e, e);
      }
    }
    if (zone != null && zone.startsWith("@")) {
      try {
        zone = Files.readString(Path.of(zone.substring(1)), StandardCharsets.UTF_8).trim();
      } catch (IOException e) {
        throw new CliException(ExitCodes.USAGE, "--zone " + zone + ": " + e, e);
      }
    }
    CsiDriver.Config config;
    try {
      config = new CsiDriver.Config(CsiEndpoint.parse(endpoint), controller, self, zone);
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCodes.USAGE, e.getMessage(), e);
    }
    ClusterStore s = ClusterStores.open(store, null, storeAccess.access(System::getenv));
    CsiDriver driver;
    try {
      driver = CsiDriver.start(s, config);
    } catch (IOException | RuntimeException e) {
      s.close();
      throw new CliException(
          ExitCodes.FAILED, "cannot start the CSI driver: " + Errors.describe(e), e);
    }
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  driver.close();
                  s.close();
                  stop.countDown();
                },
                "weft-csi-shutdown"));
    spec.commandLine()
        .getOut()
        .printf(
            "csi         %s (%s)%nstore       %s%n",
            driver.endpoint(),
            (controller ? "controller" : "")
                + (controller && self != null ? ", " : "")
                + (self != null ? "node " + self + (zone == null ? "" : " in zone " + zone) : ""),
            store);
    spec.commandLine().getOut().flush();
    try {
      stop.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return ExitCodes.OK;
  }
}
