package io.weft.cli.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.weft.block.BlockDevices;
import io.weft.cli.HostPort;
import io.weft.cli.TlsKeys;
import io.weft.cli.auth.DhchapOptions;
import io.weft.protocol.tls.CertFiles;
import io.weft.protocol.tls.PskKeyring;
import io.weft.protocol.tls.TlsCredentials;
import io.weft.protocol.tls.TlsMode;
import io.weft.tgt.config.AdminSecurityConfig;
import io.weft.tgt.config.DhchapKeys;
import io.weft.tgt.config.DhchapPolicy;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.NamespaceConfig;
import io.weft.tgt.config.SecurityConfig;
import io.weft.tgt.config.SubsystemConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import io.weft.tgt.qos.QosPolicy;
import io.weft.tgt.qos.WorkloadClass;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Reads a YAML target configuration into a {@link TargetConfig}: rejects unknown keys and values of
 * the wrong type (naming the key and line), parses sizes and addresses, and fills in the defaults
 * of {@link Defaults}. Relative {@code dataDir} is relative to the config file's directory;
 * relative namespace files are relative to {@code dataDir}. Semantic checks (unique NSIDs, block
 * sizes, ...) are {@link ConfigCheck}'s, after command-line flags are applied.
 */
public final class ConfigLoader {
  private static final ObjectMapper YAML =
      YAMLMapper.builder()
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .build();

  private ConfigLoader() {}

  /** Reads and maps a config file. */
  public static TargetConfig load(Path file) throws ConfigException {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException("config file " + file + " does not exist");
    } catch (IOException e) {
      throw new ConfigException("cannot read config file " + file + ": " + e, e);
    }
    Path baseDir = file.toAbsolutePath().normalize().getParent();
    return parse(text, baseDir, file.toString());
  }

  /**
   * Maps YAML text.
   *
   * @param baseDir what a relative {@code dataDir} is relative to
   * @param source the file name, quoted in error messages
   */
  public static TargetConfig parse(String yaml, Path baseDir, String source)
      throws ConfigException {
    ConfigFile file;
    try {
      file = YAML.readValue(yaml, ConfigFile.class);
    } catch (JacksonException e) {
      throw new ConfigException(source + describe(e), e);
    }
    if (file == null) {
      throw new ConfigException(source + ": the file is empty");
    }
    try {
      return map(file, baseDir);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(source + ": " + e.getMessage(), e);
    }
  }

  // ---- mapping: each problem is an IllegalArgumentException that starts with the key path ----

  private static TargetConfig map(ConfigFile file, Path baseDir) {
    Path dataDir =
        baseDir
            .resolve(file.dataDir() != null ? file.dataDir() : Defaults.DATA_DIR)
            .toAbsolutePath()
            .normalize();
    String admin = admin(file.admin());

    if (file.listeners() == null || file.listeners().isEmpty()) {
      throw fail("listeners", "at least one listener is required (e.g. - listen: 127.0.0.1:4420)");
    }
    TlsCredentials credentials = tls(file.tls(), baseDir);
    List<ListenerConfig> listeners = new ArrayList<>();
    for (int i = 0; i < file.listeners().size(); i++) {
      listeners.add(
          listener(file.listeners().get(i), "listeners[" + i + "]").withCredentials(credentials));
    }

    if (file.subsystems() == null || file.subsystems().isEmpty()) {
      throw fail("subsystems", "at least one subsystem is required");
    }
    List<SubsystemConfig> subsystems = new ArrayList<>();
    for (int i = 0; i < file.subsystems().size(); i++) {
      subsystems.add(subsystem(file.subsystems().get(i), "subsystems[" + i + "]", baseDir));
    }
    DhchapPolicy dhchap = null;
    Map<String, DhchapKeys> discoveryKeys = Map.of();
    ConfigFile.Authentication a = file.authentication();
    if (a != null) {
      try {
        dhchap = DhchapOptions.policy(a.dhchapHashes(), a.dhchapDhgroups());
      } catch (IllegalArgumentException e) {
        throw fail("authentication", e.getMessage());
      }
      discoveryKeys = keys(a.discovery(), null, "authentication.discovery", baseDir);
    }
    return new TargetConfig(
        dataDir,
        listeners,
        subsystems,
        admin,
        tuning(file.tuning()),
        dhchap,
        discoveryKeys,
        security(file.security(), baseDir),
        atRestKey(file.atRestKey(), baseDir));
  }

  /**
   * {@code @FILE} (relative to the config file's directory, as dataDir is), {@code env:VAR}, {@code
   * node}, or absent for the node key.
   */
  private static String atRestKey(String source, Path baseDir) {
    if (source == null) {
      return null;
    }
    if (source.isBlank()) {
      throw fail("atRestKey", "give @FILE, env:VARIABLE or node, or leave the key out");
    }
    return source.startsWith("@") ? "@" + file(source.substring(1), baseDir) : source;
  }

  /** Relative file names are relative to the config file's directory, as dataDir is. */
  private static SecurityConfig security(ConfigFile.Security s, Path baseDir) {
    if (s == null) {
      return SecurityConfig.defaults();
    }
    ConfigFile.Admin a = s.admin();
    AdminSecurityConfig admin =
        a == null
            ? AdminSecurityConfig.none()
            : new AdminSecurityConfig(
                file(a.tlsCert(), baseDir),
                file(a.tlsKey(), baseDir),
                token(a.token(), baseDir),
                file(a.clientCa(), baseDir));
    return new SecurityConfig(Boolean.TRUE.equals(s.allowAnyHostBeyondLoopback()), admin);
  }

  private static String file(String name, Path baseDir) {
    return name == null ? null : baseDir.resolve(name).toAbsolutePath().normalize().toString();
  }

  private static String token(String source, Path baseDir) {
    if (source == null) {
      return null;
    }
    if (source.startsWith("@")) {
      return "@" + file(source.substring(1), baseDir);
    }
    if (source.startsWith("env:")) {
      return source;
    }
    throw fail(
        "security.admin.token",
        "give @FILE or env:VAR; a token is never written into the configuration itself");
  }

  /** {@code HOST:PORT}, or {@code none} for no admin interface; absent means the default. */
  static String admin(String text) {
    if (text == null) {
      return Defaults.ADMIN;
    }
    if (text.strip().equalsIgnoreCase("none")) {
      return null;
    }
    return addressOf("admin", () -> HostPort.parse(text, "admin address")).toString();
  }

  private static ListenerConfig listener(ConfigFile.Listener l, String where) {
    if (l == null || l.listen() == null) {
      throw fail(where, "missing 'listen: HOST:PORT'");
    }
    HostPort bind = addressOf(where + ".listen", () -> HostPort.parse(l.listen(), "address"));
    TlsMode mode;
    try {
      mode = l.tls() == null ? TlsMode.NONE : TlsMode.parse(l.tls());
    } catch (IllegalArgumentException e) {
      throw fail(where + ".tls", e.getMessage());
    }
    if (l.advertise() == null) {
      return new ListenerConfig(bind.host(), bind.port(), null, 0).withTls(mode);
    }
    HostPort advertise =
        addressOf(
            where + ".advertise",
            () -> HostPort.parseOptionalPort(l.advertise(), "advertised address"));
    return new ListenerConfig(bind.host(), bind.port(), advertise.host(), advertise.port())
        .withTls(mode);
  }

  /** The {@code tls:} section: host PSKs and certificate files (relative to the file's dir). */
  private static TlsCredentials tls(ConfigFile.Tls t, Path baseDir) {
    if (t == null) {
      return TlsCredentials.NONE;
    }
    PskKeyring ring = new PskKeyring();
    if (t.keys() != null) {
      for (Map.Entry<String, String> e : t.keys().entrySet()) {
        try {
          ring.put(e.getKey(), TlsKeys.key(e.getValue(), baseDir));
        } catch (IllegalArgumentException x) {
          throw fail("tls.keys." + e.getKey(), x.getMessage());
        }
      }
    }
    CertFiles certs = null;
    if (t.cert() != null || t.privateKey() != null || t.ca() != null) {
      try {
        certs =
            new CertFiles(
                t.cert() == null ? null : baseDir.resolve(t.cert()),
                t.privateKey() == null ? null : baseDir.resolve(t.privateKey()),
                t.ca() == null ? null : baseDir.resolve(t.ca()));
      } catch (IllegalArgumentException x) {
        throw fail("tls", x.getMessage());
      }
    }
    return new TlsCredentials(ring, certs);
  }

  private static SubsystemConfig subsystem(ConfigFile.Subsystem s, String where, Path baseDir) {
    if (s == null || s.nqn() == null || s.nqn().isBlank()) {
      throw fail(where, "missing 'nqn'");
    }
    List<NamespaceConfig> namespaces = new ArrayList<>();
    if (s.namespaces() != null) {
      for (int i = 0; i < s.namespaces().size(); i++) {
        namespaces.add(namespace(s.namespaces().get(i), i, where + ".namespaces[" + i + "]"));
      }
    }
    List<String> hosts = s.allowedHosts() == null ? List.of() : s.allowedHosts();
    if (hosts.stream().anyMatch(h -> h == null || h.isBlank())) {
      throw fail(where + ".allowedHosts", "host NQNs must not be empty");
    }
    Map<String, DhchapKeys> keys = keys(s.dhchap(), hosts, where + ".dhchap", baseDir);
    return new SubsystemConfig(
        s.nqn(), s.serial(), s.model(), s.firmware(), hosts, namespaces, keys);
  }

  /**
   * Host secrets by host NQN; each host must be in {@code allowed} when that is given (the hosts of
   * a subsystem must be on its allow-list; the discovery service has none).
   */
  private static Map<String, DhchapKeys> keys(
      Map<String, ConfigFile.HostSecrets> given, List<String> allowed, String where, Path baseDir) {
    Map<String, DhchapKeys> keys = new LinkedHashMap<>();
    if (given == null) {
      return keys;
    }
    for (Map.Entry<String, ConfigFile.HostSecrets> e : given.entrySet()) {
      String at = where + "." + e.getKey();
      if (allowed != null && !allowed.contains(e.getKey())) {
        throw fail(at, "the host is not in allowedHosts; add it there too");
      }
      ConfigFile.HostSecrets h = e.getValue();
      if (h == null || h.secret() == null) {
        throw fail(at, "missing 'secret'");
      }
      try {
        keys.put(
            e.getKey(),
            new DhchapKeys(
                DhchapOptions.secret(h.secret(), baseDir, "secret"),
                h.ctrlSecret() == null
                    ? null
                    : DhchapOptions.secret(h.ctrlSecret(), baseDir, "ctrlSecret")));
      } catch (IllegalArgumentException ex) {
        throw fail(at, ex.getMessage());
      }
    }
    return keys;
  }

  private static NamespaceConfig namespace(ConfigFile.Namespace n, int index, String where) {
    if (n == null) {
      throw fail(where, "empty namespace");
    }
    int nsid = n.nsid() != null ? n.nsid() : index + 1;
    int blockSize = n.blockSize() != null ? n.blockSize() : Defaults.BLOCK_SIZE;
    boolean direct = Boolean.TRUE.equals(n.direct());
    if (n.file() != null && n.memory() != null) {
      throw fail(where, "give either 'file' (with 'size') or 'memory', not both");
    }
    if (n.memory() != null) {
      if (n.size() != null) {
        throw fail(where, "'size' is for file namespaces; a memory namespace's size is 'memory'");
      }
      if (direct) {
        throw fail(where, "'direct' is for file namespaces");
      }
      if (Boolean.TRUE.equals(n.encrypt())) {
        throw fail(where, "'encrypt' is for file namespaces; a memory namespace is never at rest");
      }
      long size = size(n.memory(), where + ".memory");
      return new NamespaceConfig(nsid, "memory", null, size, blockSize, false, n.uuid())
          .withQos(qos(n.qos(), where + ".qos"));
    }
    if (n.file() == null || n.file().isBlank()) {
      throw fail(where, "missing backend: give 'file: PATH' with 'size: SIZE', or 'memory: SIZE'");
    }
    if (n.size() == null) {
      throw fail(where, "a file namespace needs 'size' (e.g. size: 1G)");
    }
    long size = size(n.size(), where + ".size");
    return new NamespaceConfig(
        nsid,
        "file",
        n.file(),
        size,
        blockSize,
        direct,
        n.uuid(),
        Boolean.TRUE.equals(n.encrypt()),
        qos(n.qos(), where + ".qos"));
  }

  private static QosPolicy qos(ConfigFile.Qos q, String where) {
    if (q == null) {
      return null;
    }
    if (q.workloadClass() == null) {
      throw fail(where, "a QoS needs 'workloadClass' (latency-critical, throughput, best-effort)");
    }
    long readBandwidth =
        q.readBandwidth() == null ? 0 : size(q.readBandwidth(), where + ".readBandwidth");
    long writeBandwidth =
        q.writeBandwidth() == null ? 0 : size(q.writeBandwidth(), where + ".writeBandwidth");
    long minBandwidth =
        q.minBandwidth() == null ? 0 : size(q.minBandwidth(), where + ".minBandwidth");
    try {
      return new QosPolicy(
          WorkloadClass.parse(q.workloadClass()),
          orZero(q.readIops()),
          orZero(q.writeIops()),
          readBandwidth,
          writeBandwidth,
          orZero(q.minIops()),
          minBandwidth);
    } catch (IllegalArgumentException e) {
      throw fail(where, e.getMessage());
    }
  }

  private static long orZero(Long value) {
    return value == null ? 0 : value;
  }

  private static TuningConfig tuning(ConfigFile.Tuning t) {
    TuningConfig d = TuningConfig.defaults();
    if (t == null) {
      return d;
    }
    if (t.ioEngine() != null
        && !t.ioEngine().equals(TuningConfig.THREADS)
        && !t.ioEngine().equals(TuningConfig.IO_URING)) {
      throw fail("tuning.ioEngine", "must be threads or io_uring, not " + t.ioEngine());
    }
    long spinNanos;
    try {
      spinNanos =
          t.spinMicros() != null ? Math.multiplyExact(t.spinMicros(), 1000L) : d.spinNanos();
    } catch (ArithmeticException e) {
      throw fail("tuning.spinMicros", "too large");
    }
    return new TuningConfig(
        t.ioThreads() != null ? t.ioThreads() : d.ioThreads(),
        spinNanos,
        t.mdts() != null ? t.mdts() : d.mdts(),
        t.inCapsuleDataSize() != null
            ? intSize(t.inCapsuleDataSize(), "tuning.inCapsuleDataSize")
            : d.inCapsuleDataSize(),
        t.maxQueueEntries() != null ? t.maxQueueEntries() : d.maxQueueEntries(),
        t.maxIoQueues() != null ? t.maxIoQueues() : d.maxIoQueues(),
        t.maxH2cData() != null ? intSize(t.maxH2cData(), "tuning.maxH2cData") : d.maxH2cData(),
        t.ioWorkerThreads() != null ? t.ioWorkerThreads() : d.ioWorkerThreads(),
        t.ioEngine() != null ? t.ioEngine() : d.ioEngine(),
        t.c2hSuccessAlways() != null ? t.c2hSuccessAlways() : d.c2hSuccessAlways());
  }

  private static long size(String text, String where) {
    try {
      return BlockDevices.parseSize(text);
    } catch (IllegalArgumentException e) {
      throw fail(where, e.getMessage());
    }
  }

  private static int intSize(String text, String where) {
    long size = size(text, where);
    if (size > Integer.MAX_VALUE) {
      throw fail(where, "'" + text + "' is too large");
    }
    return (int) size;
  }

  private static HostPort addressOf(String where, Supplier<HostPort> parser) {
    try {
      return parser.get();
    } catch (IllegalArgumentException e) {
      throw fail(where, e.getMessage());
    }
  }

  private static IllegalArgumentException fail(String where, String message) {
    return new IllegalArgumentException(where + ": " + message);
  }

  // ---- Jackson errors, said in terms of the YAML ----

  /** ": line N: what is wrong", without Java class names. */
  private static String describe(JacksonException e) {
    // Jackson reports the unknown keys of a record only once the whole mapping is read, so the
    // line would point past it; the key path says where instead.
    JsonLocation loc = e instanceof UnrecognizedPropertyException ? null : e.getLocation();
    String line = loc != null && loc.getLineNr() > 0 ? ": line " + loc.getLineNr() : "";
    String path = e instanceof JsonMappingException jm ? path(jm) : "";
    return line
        + ": "
        + switch (e) {
          case UnrecognizedPropertyException u ->
              "unknown key '"
                  + u.getPropertyName()
                  + "'"
                  + (path.contains(".")
                      ? " in " + path.substring(0, path.lastIndexOf('.'))
                      : " at the top level")
                  + " (known keys: "
                  + names(u.getKnownPropertyIds())
                  + ")";
          case MismatchedInputException m
              when path.isEmpty() && m.getOriginalMessage().startsWith("No content") ->
              "the file has no settings";
          case MismatchedInputException m when path.isEmpty() ->
              "the file must be a mapping of keys (dataDir, admin, listeners, subsystems, tuning,"
                  + " security, atRestKey)";
          case MismatchedInputException m -> path + ": " + expected(m.getTargetType());
          default -> firstLine(e.getOriginalMessage());
        };
  }

  private static String expected(Class<?> type) {
    if (type == null) {
      return "value of the wrong type";
    }
    if (type == Integer.class || type == Long.class || type == int.class || type == long.class) {
      return "expected a whole number";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "expected true or false";
    }
    if (type == String.class) {
      return "expected a single value, not a list or mapping";
    }
    if (Collection.class.isAssignableFrom(type)) {
      return "expected a list (lines starting with '- ')";
    }
    if (type.isRecord()) {
      return "expected a mapping of keys ("
          + names(Arrays.stream(type.getRecordComponents()).map(c -> (Object) c.getName()).toList())
          + ")";
    }
    return "value of the wrong type (expected "
        + type.getSimpleName().toLowerCase(Locale.ROOT)
        + ")";
  }

  private static String path(JsonMappingException e) {
    StringBuilder sb = new StringBuilder();
    for (JsonMappingException.Reference ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        if (!sb.isEmpty()) {
          sb.append('.');
        }
        sb.append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        sb.append('[').append(ref.getIndex()).append(']');
      }
    }
    return sb.toString();
  }

  private static String names(Collection<Object> ids) {
    return ids.stream().map(String::valueOf).collect(Collectors.joining(", "));
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unreadable YAML";
    }
    String first = message.strip().lines().findFirst().orElse("unreadable YAML");
    return first.isEmpty() ? "unreadable YAML" : first;
  }
}
