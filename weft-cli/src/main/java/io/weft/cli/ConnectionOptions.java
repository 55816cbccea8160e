package io.weft.cli;

import io.weft.cli.auth.DhchapOptions;
import io.weft.host.ConnectOptions;
import io.weft.host.HostIdentity;
import io.weft.protocol.auth.DhchapSecret;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.UUID;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * How a host command reaches a controller: nvme-cli's connect options, with their long names and
 * meanings. Short names are nvme-cli's too, except {@code -s}, {@code -n} and {@code -c}, which the
 * I/O commands use for {@code --start-block}, {@code --namespace-id} and {@code --block-count} (as
 * {@code nvme read} does): in weft {@code -n} always means the namespace, and {@code --trsvcid},
 * {@code --nqn} and {@code --reconnect-delay} are long only.
 */
final class ConnectionOptions {
  static final int DEFAULT_PORT = 4420;
  static final int DISCOVERY_PORT = 8009;
  static final int DEFAULT_QUEUE_SIZE = 128;

  /** NVMe Base 2.0, "NVMe Qualified Names": at most 223 bytes. */
  static final int MAX_NQN_BYTES = 223;

  /** The Linux host's I/O timeout (nvme_core.io_timeout); nvme-cli has no option for it. */
  static final int IO_TIMEOUT_SEC = 30;

  @Mixin TlsClientOptions tls = new TlsClientOptions();

  @Option(
      names = {"-t", "--transport"},
      paramLabel = "tcp",
      defaultValue = "tcp",
      description = "Transport type; only tcp. Default: ${DEFAULT-VALUE}.")
  String transport;

  @Option(
      names = {"-a", "--traddr"},
      paramLabel = "ADDR",
      description = "Target address (IPv4, IPv6 or host name). Required, but for discover --mdns.")
  String traddr;

  @Option(
      names = "--trsvcid",
      paramLabel = "PORT",
      description = "Target port. Default 4420; 8009 for discover.")
  Integer trsvcid;

  @Option(
      names = {"-q", "--hostnqn"},
      paramLabel = "NQN",
      description = "Host NQN. Default: this host's, kept in $WEFT_HOME/hostnqn (~/.weft).")
  String hostNqn;

  @Option(
      names = {"-S", "--dhchap-secret"},
      paramLabel = "KEY",
      description = {
        "This host's DH-HMAC-CHAP secret (DHHC-1:..., @FILE or env:VARIABLE):",
        "used when the controller asks the host to authenticate."
      })
  String dhchapSecret;

  @Option(
      names = {"-C", "--dhchap-ctrl-secret"},
      paramLabel = "KEY",
      description = {
        "The controller's DH-HMAC-CHAP secret: the controller must prove it holds it",
        "(bidirectional authentication). Needs --dhchap-secret."
      })
  String dhchapCtrlSecret;

  @Option(
      names = {"-I", "--hostid"},
      paramLabel = "UUID",
      description = "Host ID. Default: this host's, kept in $WEFT_HOME/hostid (~/.weft).")
  UUID hostId;

  @Option(
      names = {"-g", "--hdr-digest"},
      description = "Ask for header digests (CRC32C).")
  boolean headerDigest;

  @Option(
      names = {"-G", "--data-digest"},
      description = "Ask for data digests (CRC32C).")
  boolean dataDigest;

  @Option(
      names = "--disable-sqflow",
      description =
          "Ask the controller to turn SQ flow control off, so that it may complete reads with"
              + " their data alone (the C2HData SUCCESS flag).")
  boolean disableSqFlow;

  @Option(
      names = {"-i", "--nr-io-queues"},
      paramLabel = "N",
      description = "I/O queues (connections) to ask for. Default 1; perf: --queues.")
  Integer ioQueues;

  @Option(
      names = {"-Q", "--queue-size"},
      paramLabel = "N",
      description = "Entries per I/O queue (2-4096); the controller may grant fewer. Default 128.")
  Integer queueSize;

  @Option(
      names = {"-k", "--keep-alive-tmo"},
      paramLabel = "SEC",
      defaultValue = "5",
      description = "Keep-alive timeout; 0 disables keep-alive. Default: ${DEFAULT-VALUE}.")
  int keepAliveTmo;

  @Option(
      names = {"-l", "--ctrl-loss-tmo"},
      paramLabel = "SEC",
      defaultValue = "600",
      description =
          "After a connection loss, keep reconnecting this long; -1 forever. Default:"
              + " ${DEFAULT-VALUE}.")
  int ctrlLossTmo;

  @Option(
      names = "--reconnect-delay",
      paramLabel = "SEC",
      defaultValue = "10",
      description = "Delay between reconnect attempts. Default: ${DEFAULT-VALUE}.")
  int reconnectDelay;

  @Option(
      names = {"--fast_io_fail_tmo", "--fast-io-fail-tmo"},
      paramLabel = "SEC",
      defaultValue = "-1",
      description =
          "Fail pending I/O this long after a connection loss; -1: only when ctrl-loss-tmo"
              + " expires. Default: ${DEFAULT-VALUE}.")
  int fastIoFailTmo;

  /** {@code host:port} as people write it, IPv6 in brackets. */
  String address(int defaultPort) {
    return new HostPort(traddr, port(defaultPort)).toString();
  }

  int port(int defaultPort) {
    return trsvcid != null ? trsvcid : defaultPort;
  }

  /**
   * The library's options, checked; a bad value is a usage error of {@code spec}'s command.
   *
   * @param subsystemNqn the subsystem, or null for discovery (the library fills it in)
   * @param defaultIoQueues I/O queues when {@code --nr-io-queues} is not given
   * @param defaultQueueSize entries per I/O queue when {@code --queue-size} is not given
   * @param spinMicros host event loop spin before parking
   */
  ConnectOptions toConnectOptions(
      CommandSpec spec,
      String subsystemNqn,
      int defaultPort,
      int defaultIoQueues,
      int defaultQueueSize,
      long spinMicros) {
    checkTransport(spec);
    if (traddr == null) {
      throw usage(spec, "Missing required option: '--traddr=ADDR'");
    }
    if (traddr.isBlank()) {
      throw usage(spec, "--traddr must not be empty");
    }
    int port = port(defaultPort);
    if (port < 1 || port > 65535) {
      throw usage(spec, "--trsvcid must be a port from 1 to 65535, not " + port);
    }
    return toConnectOptions(
        spec, traddr.strip(), port, subsystemNqn, defaultIoQueues, defaultQueueSize, spinMicros);
  }

  /**
   * The library's options for a controller found some other way than {@code --traddr} (over mDNS),
   * checked as {@link #toConnectOptions(CommandSpec, String, int, int, int, long)} checks them.
   */
  ConnectOptions toConnectOptions(
      CommandSpec spec,
      String address,
      int port,
      String subsystemNqn,
      int defaultIoQueues,
      int defaultQueueSize,
      long spinMicros) {
    checkTransport(spec);
    if (subsystemNqn != null) {
      checkNqn(spec, "--nqn", subsystemNqn);
    }
    if (hostNqn != null) {
      checkNqn(spec, "--hostnqn", hostNqn);
    }
    int queues = ioQueues != null ? ioQueues : defaultIoQueues;
    if (queues < 1) {
      throw usage(spec, "--nr-io-queues must be at least 1, not " + queues);
    }
    int size = queueSize != null ? queueSize : defaultQueueSize;
    if (size < 2 || size > 4096) {
      throw usage(spec, "--queue-size must be from 2 to 4096, not " + size);
    }
    if (keepAliveTmo < 0 || keepAliveTmo > 65535) {
      throw usage(spec, "--keep-alive-tmo must be from 0 to 65535 seconds, not " + keepAliveTmo);
    }
    if (ctrlLossTmo < -1) {
      throw usage(spec, "--ctrl-loss-tmo must be -1 (forever) or more, not " + ctrlLossTmo);
    }
    if (reconnectDelay < 1) {
      throw usage(spec, "--reconnect-delay must be at least 1 second, not " + reconnectDelay);
    }
    if (fastIoFailTmo < -1) {
      throw usage(spec, "--fast_io_fail_tmo must be -1 (off) or more, not " + fastIoFailTmo);
    }
    String nqn = hostNqn;
    UUID id = hostId;
    if (nqn == null || id == null) {
      HostIdentity persisted = HostIdentity.load();
      nqn = nqn != null ? nqn : persisted.hostNqn();
      id = id != null ? id : persisted.hostId();
    }
    DhchapSecret secret = null;
    DhchapSecret ctrlSecret = null;
    try {
      Path here = Path.of("").toAbsolutePath();
      if (dhchapSecret != null) {
        secret = DhchapOptions.secret(dhchapSecret, here, "--dhchap-secret");
      }
      if (dhchapCtrlSecret != null) {
        if (secret == null) {
          throw usage(spec, "--dhchap-ctrl-secret needs --dhchap-secret too");
        }
        ctrlSecret = DhchapOptions.secret(dhchapCtrlSecret, here, "--dhchap-ctrl-secret");
      }
    } catch (IllegalArgumentException e) {
      throw usage(spec, e.getMessage());
    }
    return new ConnectOptions(
        address,
        port,
        subsystemNqn,
        nqn,
        id,
        headerDigest,
        dataDigest,
        queues,
        size,
        keepAliveTmo,
        ctrlLossTmo,
        reconnectDelay,
        fastIoFailTmo,
        IO_TIMEOUT_SEC,
        spinMicros,
        secret,
        ctrlSecret,
        tls.clientTls(spec),
        disableSqFlow);
  }

  private void checkTransport(CommandSpec spec) {
    if (!"tcp".equalsIgnoreCase(transport.strip())) {
      throw usage(
          spec,
          "--transport '" + transport + "' is not supported: weft speaks NVMe/TCP only (tcp)");
    }
  }

  private static void checkNqn(CommandSpec spec, String option, String nqn) {
    if (nqn.isBlank()) {
      throw usage(spec, option + " must not be empty");
    }
    if (nqn.getBytes(StandardCharsets.UTF_8).length > MAX_NQN_BYTES) {
      throw usage(spec, option + " is longer than an NQN may be (" + MAX_NQN_BYTES + " bytes)");
    }
  }

  static CommandLine.ParameterException usage(CommandSpec spec, String message) {
    return new CommandLine.ParameterException(spec.commandLine(), message);
  }
}
