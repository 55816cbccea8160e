package io.weft.cli;

import io.weft.block.BlockDevices;
import io.weft.cli.auth.DhchapOptions;
import io.weft.cli.config.ConfigCheck;
import io.weft.cli.config.ConfigException;
import io.weft.cli.config.ConfigLoader;
import io.weft.cli.config.Defaults;
import io.weft.protocol.tls.TlsMode;
import io.weft.tgt.NamespaceInfo;
import io.weft.tgt.SubsystemInfo;
import io.weft.tgt.Target;
import io.weft.tgt.config.AdminSecurityConfig;
import io.weft.tgt.config.DhchapKeys;
import io.weft.tgt.config.DhchapPolicy;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.NamespaceConfig;
import io.weft.tgt.config.SecurityConfig;
import io.weft.tgt.config.SubsystemConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code weft target}: runs a target until SIGTERM or Ctrl-C.
 *
 * <p>The configuration is the config file ({@code --config}) or, without one, the embedded defaults
 * of {@link Defaults}; flags then override it: {@code --data-dir}, {@code --admin}, {@code
 * --spin-us}, {@code --io-threads}, {@code --io-engine} and {@code --c2h-success-always} replace
 * single values, any {@code --listen} replaces all listeners, and the subsystem flags ({@code
 * --nqn}, {@code --serial}, {@code --model}, {@code --allow-host}, {@code --file}/{@code --size},
 * {@code --memory}, {@code --block-size}) edit the one subsystem, so they need a configuration with
 * exactly one. {@code --file} or {@code --memory} replaces that subsystem's namespaces with a
 * single namespace 1; {@code --block-size} applies to it, or without either, to every namespace of
 * the subsystem.
 */
@Command(
    name = "target",
    sortOptions = false,
    usageHelpAutoWidth = true,
    mixinStandardHelpOptions = true,
    description = {
      "Run an NVMe/TCP target until SIGTERM or Ctrl-C.",
      "",
      "Without --config and flags it listens on 127.0.0.1:4420 and exports",
      "subsystem " + Defaults.NQN + " with one sparse 1 GiB file namespace,",
      "./weft-data/ns1.img; the admin API is on 127.0.0.1:9420.",
      ""
    },
    footer = {
      "",
      "Flags override the config file:",
      "  --data-dir, --admin, --spin-us, --io-threads, --io-engine, --c2h-success-always",
      "  replace the file's value;",
      "  any --listen replaces all of the file's listeners;",
      "  --nqn, --serial, --model, --allow-host, --file/--size, --memory and",
      "  --block-size edit the file's subsystem (an error if it has several);",
      "  --file or --memory replaces its namespaces with one namespace, NSID 1;",
      "  --block-size alone applies to all of its namespaces;",
      "  --encrypt applies to every file namespace, --at-rest-key replaces atRestKey.",
      "Beyond loopback (any --listen that is not 127.0.0.0/8, ::1 or localhost) every",
      "subsystem needs --allow-host, and an --admin API needs --admin-tls-cert/-key;",
      "callers then authenticate with a token or a client certificate.",
      "Relative paths: --data-dir is relative to the current directory, dataDir in",
      "the file to the file's directory, namespace files to the data dir."
    })
class TargetCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "YAML configuration (see docs/weft-target.example.yaml).")
  Path config;

  @Option(
      names = "--listen",
      paramLabel = "HOST:PORT[,advertise=HOST[:PORT]][,tls=psk|cert|none]",
      converter = ListenerConverter.class,
      description = {
        "NVMe/TCP listener; repeatable. Default 127.0.0.1:4420.",
        "advertise= is the address discovery tells hosts (NAT, VMs).",
        "tls=psk takes only TLS 1.3 with a PSK (--tls-key), tls=cert only TLS with certificates"
            + " (--tls-cert, --tls-private-key, --tls-ca)."
      })
  List<ListenerConfig> listen = new ArrayList<>();

  @Mixin TlsServerOptions tls = new TlsServerOptions();

  @Option(
      names = "--nqn",
      paramLabel = "NQN",
      description = "Subsystem NQN. Default " + Defaults.NQN + ".")
  String nqn;

  @Option(
      names = "--file",
      paramLabel = "PATH",
      description = "File namespace (sparse; relative to the data dir); needs --size.")
  String file;

  @Option(
      names = "--size",
      paramLabel = "SIZE",
      converter = SizeConverter.class,
      description = "Size of the --file namespace: 4096, 512M, 1G, ... (binary units).")
  Long size;

  @Option(
      names = "--memory",
      paramLabel = "SIZE",
      converter = SizeConverter.class,
      description = "Memory namespace of this size instead of a file (lost on exit).")
  Long memory;

  @Option(
      names = "--block-size",
      paramLabel = "512|4096",
      description = "Logical block size. Default 512.")
  Integer blockSize;

  @Option(
      names = "--encrypt",
      description = {
        "Encrypt file namespaces at rest (XTS-AES-256): the --file namespace, or",
        "without --file every file namespace of the configuration."
      })
  boolean encrypt;

  @Option(
      names = "--at-rest-key",
      paramLabel = "@FILE|env:VAR|node",
      description = {
        "Key that wraps the data keys of encrypted namespaces. Default node:",
        "DATA_DIR/at-rest.key, made on first use (0600). See weft at-rest-key."
      })
  String atRestKey;

  @Option(
      names = "--allow-host",
      paramLabel = "NQN[,dhchap-secret=KEY][,dhchap-ctrl-secret=KEY]",
      description = {
        "Host NQN allowed to connect; repeatable. None: any host.",
        "With dhchap-secret the host must authenticate (DH-HMAC-CHAP) on every queue;",
        "dhchap-ctrl-secret lets it make the target authenticate too. KEY is a",
        "DHHC-1:... secret (nvme gen-dhchap-key), @FILE or env:VARIABLE."
      })
  List<String> allowHosts;

  @Option(
      names = "--discovery-host",
      paramLabel = "NQN,dhchap-secret=KEY[,dhchap-ctrl-secret=KEY]",
      description = {
        "A host that must authenticate (DH-HMAC-CHAP) to the discovery service;",
        "repeatable. Other hosts may still discover."
      })
  List<String> discoveryHosts;

  @Option(
      names = "--dhchap-hash",
      paramLabel = "LIST",
      split = ",",
      description =
          "DH-HMAC-CHAP hashes to agree to, preferred first. Default sha256,sha384,sha512.")
  List<String> dhchapHashes;

  @Option(
      names = "--dhchap-dhgroup",
      paramLabel = "LIST",
      split = ",",
      description = {
        "DH groups to agree to, preferred first.",
        "Default ffdhe2048,ffdhe3072,ffdhe4096,ffdhe6144,ffdhe8192,null."
      })
  List<String> dhchapGroups;

  @Option(
      names = "--serial",
      paramLabel = "TEXT",
      description = "Serial number (max 20). Default: derived from the NQN.")
  String serial;

  @Option(
      names = "--model",
      paramLabel = "TEXT",
      description = "Model number (max 40). Default \"" + Defaults.MODEL + "\".")
  String model;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description = "Directory for file namespaces. Default ./" + Defaults.DATA_DIR + ".")
  Path dataDir;

  @Option(
      names = "--admin",
      paramLabel = "HOST:PORT|none",
      description = "Admin HTTP API address, or none. Default " + Defaults.ADMIN + ".")
  String admin;

  @Option(
      names = "--spin-us",
      paramLabel = "N",
      description = "Microseconds an idle I/O thread busy-polls before it sleeps (0: never).")
  Long spinMicros;

  @Option(names = "--io-threads", paramLabel = "N", description = "I/O event loop threads.")
  Integer ioThreads;

  @Option(
      names = "--io-engine",
      paramLabel = "threads|io_uring",
      description =
          "How file namespaces do I/O: threads (a worker pool, the default) or io_uring (a ring"
              + " submitted from the event loops, with the pool as fallback).")
  String ioEngine;

  @Option(
      names = "--c2h-success-always",
      arity = "0..1",
      paramLabel = "true|false",
      description = {
        "End every successful read with the SUCCESS flag and no CapsuleResp, as SPDK's target",
        "does, not only for hosts that turned SQ flow control off (all the spec allows); saves",
        "the host a PDU per read. Safe with the Linux and SPDK hosts. Default false."
      })
  Boolean c2hSuccessAlways;

  @Option(
      names = "--allow-any-host-beyond-loopback",
      description = {
        "Labs only: start even though a subsystem on a listener beyond loopback lets any",
        "host connect (logged as INSECURE). Default: refuse and say how to fix it."
      })
  boolean allowAnyHostBeyondLoopback;

  @Option(
      names = "--admin-tls-cert",
      paramLabel = "FILE",
      description = "PEM certificate (chain) of the admin API: HTTPS. Needed beyond loopback.")
  String adminTlsCert;

  @Option(
      names = "--admin-tls-key",
      paramLabel = "FILE",
      description = "PEM (PKCS#8) private key of --admin-tls-cert.")
  String adminTlsKey;

  @Option(
      names = "--admin-token",
      paramLabel = "@FILE|env:VAR",
      description = {
        "Bearer token callers of the admin API must send, read from a file or a variable",
        "(never given literally). Beyond loopback without one (or --admin-client-ca) a token",
        "is generated in DATA-DIR/admin.token (mode 0600)."
      })
  String adminToken;

  @Option(
      names = "--admin-client-ca",
      paramLabel = "FILE",
      description = "PEM CA(s): admin API callers must present a certificate it signed.")
  String adminClientCa;

  /** Released by {@link #requestStop()}; the JVM's shutdown hook handles signals instead. */
  private final CountDownLatch stop = new CountDownLatch(1);

  /** Released once the target runs (or the command failed before that). */
  final CountDownLatch started = new CountDownLatch(1);

  @Override
  public Integer call() {
    try {
      return runTarget();
    } finally {
      started.countDown();
    }
  }

  private int runTarget() {
    TargetConfig config;
    try {
      config = buildConfig(Path.of(""));
    } catch (ConfigException e) {
      throw new CliException(ExitCodes.USAGE, e.getMessage(), e);
    }
    if (WeftCli.isVerbose(spec.root().commandLine().getParseResult())) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "debug");
    }

    Served served;
    try {
      served = serve(config);
    } catch (IOException | RuntimeException e) {
      throw new CliException(
          ExitCodes.FAILED,
          "cannot start the " + spec.name() + " (" + addresses(config) + "): " + Errors.describe(e),
          e);
    }
    Thread hook = new Thread(served::close, "weft-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      printBanner(spec.commandLine().getOut(), served, config);
      started.countDown();
      stop.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running or ran; it closes the target
      }
      served.close();
    }
    return ExitCodes.OK;
  }

  /** What a command runs: its target, and what to close when it stops. */
  interface Served extends AutoCloseable {
    Target target();

    @Override
    void close();

    /** Lines to print before the target's part of the banner. */
    default List<String> bannerLines() {
      return List.of();
    }
  }

  /** Starts what this command runs (a node adds its cluster membership). */
  Served serve(TargetConfig config) throws IOException {
    Target target = Target.start(config);
    return new Served() {
      @Override
      public Target target() {
        return target;
      }

      @Override
      public void close() {
        target.close();
      }
    };
  }

  /** The configuration without {@code --config}. */
  TargetConfig defaults(Path workingDir) {
    return Defaults.embedded(workingDir);
  }

  /** Whether a configuration without subsystems is an error (a node's come from the cluster). */
  boolean requiresSubsystem() {
    return true;
  }

  /** Stops a target started by {@link #call()} in this JVM (tests and embedding). */
  void requestStop() {
    stop.countDown();
  }

  /**
   * The configuration this command line asks for: the config file or the embedded defaults, with
   * the flags applied, checked.
   *
   * @param workingDir what relative {@code --data-dir} and the default data dir are relative to
   * @throws ConfigException for an unreadable or invalid config file, or an invalid result
   * @throws CommandLine.ParameterException for flags that contradict each other or the file
   */
  TargetConfig buildConfig(Path workingDir) throws ConfigException {
    TargetConfig base = config != null ? ConfigLoader.load(config) : defaults(workingDir);
    TargetConfig merged = applyFlags(base, workingDir);
    try {
      ConfigCheck.validate(merged, requiresSubsystem());
    } catch (ConfigException e) {
      throw new ConfigException("invalid configuration: " + e.getMessage(), e);
    }
    return merged;
  }

  private TargetConfig applyFlags(TargetConfig base, Path workingDir) {
    checkFlags();
    Path dir =
        dataDir != null ? workingDir.resolve(dataDir).toAbsolutePath().normalize() : base.dataDir();
    String adminListen = admin != null ? adminFlag(admin) : base.adminListen();
    List<ListenerConfig> listeners = listen.isEmpty() ? base.listeners() : listen;
    try {
      listeners = tls.attach(listeners, workingDir);
    } catch (IllegalArgumentException e) {
      throw usage(e.getMessage());
    }
    TuningConfig t = base.tuning();
    TuningConfig tuning =
        new TuningConfig(
            ioThreads != null ? ioThreads : t.ioThreads(),
            spinMicros != null ? spinMicros * 1000 : t.spinNanos(),
            t.mdts(),
            t.inCapsuleDataSize(),
            t.maxQueueEntries(),
            t.maxIoQueues(),
            t.maxH2cData(),
            t.ioWorkerThreads(),
            ioEngine != null ? ioEngine : t.ioEngine(),
            c2hSuccessAlways != null ? c2hSuccessAlways : t.c2hSuccessAlways());
    List<SubsystemConfig> subsystems = base.subsystems();
    if (hasSubsystemFlags() && subsystems.isEmpty()) {
      if (nqn == null) {
        throw usage("--nqn is needed to export a subsystem from flags");
      }
      subsystems =
          List.of(
              editSubsystem(
                  new SubsystemConfig(nqn, null, null, null, List.of(), List.of()), workingDir));
    } else if (hasSubsystemFlags()) {
      if (subsystems.size() != 1) {
        throw usage(
            "--nqn, --serial, --model, --allow-host, --file, --memory and --block-size edit the"
                + " only subsystem, but "
                + config
                + " defines "
                + subsystems.size()
                + "; edit the file instead");
      }
      subsystems = List.of(editSubsystem(subsystems.get(0), workingDir));
    }
    if (encrypt) {
      subsystems = subsystems.stream().map(TargetCommand::encryptFiles).toList();
    }
    DhchapPolicy dhchap = base.dhchap();
    if (dhchapHashes != null || dhchapGroups != null) {
      try {
        dhchap =
            DhchapOptions.policy(
                dhchapHashes != null ? dhchapHashes : names(base.dhchap().hashes()),
                dhchapGroups != null ? dhchapGroups : names(base.dhchap().groups()));
      } catch (IllegalArgumentException e) {
        throw usage(e.getMessage());
      }
    }
    Map<String, DhchapKeys> discoveryKeys = base.discoveryDhchapKeys();
    if (discoveryHosts != null) {
      discoveryKeys = new LinkedHashMap<>();
      for (String text : discoveryHosts) {
        DhchapOptions.AllowedHost h;
        try {
          h = DhchapOptions.allowedHost(text, workingDir);
        } catch (IllegalArgumentException e) {
          throw usage(e.getMessage().replace("--allow-host", "--discovery-host"));
        }
        if (h.keys() == null) {
          throw usage("--discovery-host " + h.nqn() + " needs dhchap-secret=KEY");
        }
        discoveryKeys.put(h.nqn(), h.keys());
      }
    }
    return new TargetConfig(
        dir,
        listeners,
        subsystems,
        adminListen,
        tuning,
        dhchap,
        discoveryKeys,
        security(base.security()),
        atRestKey != null ? atRestKeyFlag(workingDir) : base.atRestKey());
  }

  /** {@code --at-rest-key}, a relative {@code @FILE} made absolute as other file flags are. */
  private String atRestKeyFlag(Path workingDir) {
    return atRestKey.startsWith("@")
        ? "@" + workingDir.resolve(atRestKey.substring(1)).toAbsolutePath().normalize()
        : atRestKey;
  }

  /** {@code --encrypt}: every file namespace of a subsystem encrypted at rest. */
  private static SubsystemConfig encryptFiles(SubsystemConfig s) {
    return s.withNamespaces(
        s.namespaces().stream()
            .map(n -> "file".equals(n.backend()) ? n.withEncrypt(true) : n)
            .toList());
  }

  private static List<String> names(List<? extends Enum<?>> values) {
    return values.stream().map(v -> v.name().replace("_", "")).toList();
  }

  /** The config file's security settings with the flags applied. */
  private SecurityConfig security(SecurityConfig base) {
    AdminSecurityConfig a = base.admin();
    return new SecurityConfig(
        allowAnyHostBeyondLoopback || base.allowAnyHostBeyondLoopback(),
        new AdminSecurityConfig(
            adminTlsCert != null ? adminTlsCert : a.tlsCert(),
            adminTlsKey != null ? adminTlsKey : a.tlsKey(),
            adminToken != null ? adminToken : a.tokenSource(),
            adminClientCa != null ? adminClientCa : a.clientCa()));
  }

  private void checkFlags() {
    if (file != null && memory != null) {
      throw usage("--file and --memory are alternatives; give one");
    }
    if (file != null && size == null) {
      throw usage("--file needs --size (e.g. --size 1G)");
    }
    if (encrypt && memory != null) {
      throw usage("--encrypt is for file namespaces; a --memory namespace is never at rest");
    }
    if (size != null && file == null) {
      throw usage("--size goes with --file; for a memory namespace use --memory SIZE");
    }
    if (blockSize != null && blockSize != 512 && blockSize != 4096) {
      throw usage("--block-size must be 512 or 4096, not " + blockSize);
    }
    if (spinMicros != null && (spinMicros < 0 || spinMicros > 1_000_000)) {
      throw usage("--spin-us must be from 0 to 1000000, not " + spinMicros);
    }
    if (ioEngine != null
        && !ioEngine.equals(TuningConfig.THREADS)
        && !ioEngine.equals(TuningConfig.IO_URING)) {
      throw usage("--io-engine must be threads or io_uring, not " + ioEngine);
    }
    if (ioThreads != null && ioThreads < 1) {
      throw usage("--io-threads must be at least 1, not " + ioThreads);
    }
    checkCommandFlags();
  }

  /**
   * A subclass's checks of its own flags, made before anything starts, so that a usage error is
   * reported as one (exit 2).
   */
  void checkCommandFlags() {}

  private boolean hasSubsystemFlags() {
    return nqn != null
        || serial != null
        || model != null
        || allowHosts != null
        || file != null
        || memory != null
        || blockSize != null;
  }

  private SubsystemConfig editSubsystem(SubsystemConfig s, Path workingDir) {
    List<NamespaceConfig> namespaces;
    if (file != null || memory != null) {
      int bs = blockSize != null ? blockSize : Defaults.BLOCK_SIZE;
      namespaces =
          List.of(
              file != null
                  ? new NamespaceConfig(1, "file", file, size, bs, false, null)
                  : new NamespaceConfig(1, "memory", null, memory, bs, false, null));
    } else if (blockSize != null) {
      namespaces =
          s.namespaces().stream()
              .map(
                  n ->
                      new NamespaceConfig(
                          n.nsid(),
                          n.backend(),
                          n.path(),
                          n.sizeBytes(),
                          blockSize,
                          n.direct(),
                          n.uuid(),
                          n.encrypt()))
              .toList();
    } else {
      namespaces = s.namespaces();
    }
    List<String> hosts = s.allowedHosts();
    Map<String, DhchapKeys> keys = s.dhchapKeys();
    if (allowHosts != null) {
      hosts = new ArrayList<>();
      keys = new LinkedHashMap<>();
      for (String text : allowHosts) {
        DhchapOptions.AllowedHost h;
        try {
          h = DhchapOptions.allowedHost(text, workingDir);
        } catch (IllegalArgumentException e) {
          throw usage(e.getMessage());
        }
        hosts.add(h.nqn());
        if (h.keys() != null) {
          keys.put(h.nqn(), h.keys());
        }
      }
    }
    return new SubsystemConfig(
        nqn != null ? nqn : s.nqn(),
        serial != null ? serial : s.serial(),
        model != null ? model : s.model(),
        s.firmware(),
        hosts,
        namespaces,
        keys);
  }

  private String adminFlag(String text) {
    if (text.strip().equalsIgnoreCase("none")) {
      return null;
    }
    try {
      return HostPort.parse(text, "--admin address").toString();
    } catch (IllegalArgumentException e) {
      throw usage(e.getMessage() + ", or none");
    }
  }

  CommandLine.ParameterException usage(String message) {
    return new CommandLine.ParameterException(spec.commandLine(), message);
  }

  private static String addresses(TargetConfig config) {
    List<String> parts = new ArrayList<>();
    for (ListenerConfig l : config.listeners()) {
      parts.add("listen " + new HostPort(l.host(), l.port()));
    }
    if (config.adminListen() != null) {
      parts.add("admin " + config.adminListen());
    }
    return String.join(", ", parts);
  }

  /**
   * What runs and how to reach it. Hosts are told the advertised address when there is one, and the
   * bound port (which differs from the configured one for port 0).
   */
  private void printBanner(PrintWriter out, Served served, TargetConfig config) {
    Target target = served.target();
    out.println("Weft " + Version.version() + " NVMe/TCP " + spec.name() + " is running.");
    served.bannerLines().forEach(line -> out.println("  " + line));
    List<InetSocketAddress> bound = target.listenAddresses();
    HostPort reachFirst = null;
    for (int i = 0; i < bound.size(); i++) {
      HostPort at = HostPort.of(bound.get(i));
      ListenerConfig l = i < config.listeners().size() ? config.listeners().get(i) : null;
      HostPort reach = at;
      String line = "  listening   " + at;
      if (l != null && l.advertiseHost() != null) {
        reach =
            new HostPort(l.advertiseHost(), l.advertisePort() != 0 ? l.advertisePort() : at.port());
        line += " (advertised as " + reach + ")";
      }
      out.println(line);
      if (reachFirst == null) {
        reachFirst = reach;
      }
    }
    for (SubsystemInfo s : target.subsystems()) {
      out.println("  subsystem   " + s.nqn() + describeNamespaces(s.namespaces()));
    }
    InetSocketAddress adminAddress = target.adminAddress();
    if (adminAddress != null) {
      Target.AdminSummary a = target.adminSummary();
      out.println(
          "  admin API   "
              + a.scheme()
              + "://"
              + HostPort.of(adminAddress)
              + "/v1/health ("
              + a.authentication()
              + ")");
    } else {
      out.println("  admin API   off");
    }
    if (reachFirst != null) {
      String a =
          (reachFirst.isWildcard() ? "<this-host's-address>" : reachFirst.host())
              + " -s "
              + reachFirst.port();
      out.println("Connect with nvme-cli:");
      out.println("  nvme discover -t tcp -a " + a);
      for (SubsystemInfo s : target.subsystems()) {
        out.println("  nvme connect -t tcp -a " + a + " -n " + s.nqn());
      }
    }
    out.println("Stop with Ctrl-C or SIGTERM.");
    out.flush();
  }

  private static String describeNamespaces(List<NamespaceInfo> namespaces) {
    if (namespaces.isEmpty()) {
      return " (no namespaces)";
    }
    List<String> parts = new ArrayList<>();
    for (NamespaceInfo n : namespaces) {
      parts.add(
          "ns "
              + n.nsid()
              + ": "
              + n.backend()
              + " "
              + Sizes.format(n.sizeBytes())
              + (n.path() != null ? " " + n.path() : "")
              + (n.encrypted() ? " (encrypted at rest)" : ""));
    }
    return " (" + String.join("; ", parts) + ")";
  }

  /** {@code HOST:PORT[,advertise=HOST[:PORT]]}. */
  static final class ListenerConverter implements CommandLine.ITypeConverter<ListenerConfig> {
    @Override
    public ListenerConfig convert(String value) {
      try {
        return parse(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }

    private static ListenerConfig parse(String value) {
      String[] parts = value.split(",");
      HostPort bind = HostPort.parse(parts[0], "listen address");
      HostPort advertise = null;
      TlsMode tls = TlsMode.NONE;
      for (int i = 1; i < parts.length; i++) {
        String part = parts[i].strip();
        if (part.startsWith("tls=")) {
          tls = TlsMode.parse(part.substring("tls=".length()));
          continue;
        }
        if (!part.startsWith("advertise=")) {
          throw new IllegalArgumentException(
              "unknown listener setting '"
                  + part
                  + "' (advertise=HOST[:PORT] or tls=psk|cert|none)");
        }
        advertise =
            HostPort.parseOptionalPort(part.substring("advertise=".length()), "advertised address");
      }
      return (advertise == null
              ? new ListenerConfig(bind.host(), bind.port(), null, 0)
              : new ListenerConfig(bind.host(), bind.port(), advertise.host(), advertise.port()))
          .withTls(tls);
    }
  }

  /** Sizes like 512M or 1G (binary units), more than 0. */
  static final class SizeConverter implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      try {
        return BlockDevices.parseSize(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }
}
