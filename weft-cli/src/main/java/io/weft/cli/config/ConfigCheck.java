package io.weft.cli.config;

import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.NamespaceConfig;
import io.weft.tgt.config.SubsystemConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

/**
 * Checks a complete target configuration (file and flags merged) before the target starts, so that
 * mistakes come back as one clear sentence naming the subsystem and namespace rather than a failure
 * half-way through start-up.
 */
public final class ConfigCheck {
  /** NVMe base spec: an NQN is at most 223 bytes of UTF-8. */
  static final int MAX_NQN_BYTES = 223;

  private ConfigCheck() {}

  public static void validate(TargetConfig config) throws ConfigException {
    validate(config, true);
  }

  /**
   * As {@link #validate(TargetConfig)}; a storage node may start without subsystems ({@code
   * requireSubsystem} false): its volumes come from the cluster.
   */
  public static void validate(TargetConfig config, boolean requireSubsystem)
      throws ConfigException {
    if (config.listeners().isEmpty()) {
      throw new ConfigException("at least one listener is required");
    }
    Set<String> bound = new HashSet<>();
    for (ListenerConfig l : config.listeners()) {
      String address = l.host() + ":" + l.port();
      if (l.port() != 0 && !bound.add(address)) {
        throw new ConfigException("listener " + address + " is given twice");
      }
    }
    if (config.subsystems().isEmpty() && requireSubsystem) {
      throw new ConfigException("at least one subsystem is required");
    }
    Set<String> nqns = new HashSet<>();
    for (SubsystemConfig s : config.subsystems()) {
      checkSubsystem(s);
      if (!nqns.add(s.nqn())) {
        throw new ConfigException("subsystem " + s.nqn() + " is defined twice");
      }
    }
    checkTuning(config.tuning());
  }

  private static void checkSubsystem(SubsystemConfig s) throws ConfigException {
    String nqn = s.nqn();
    if (nqn == null || !nqn.startsWith("nqn.") || nqn.contains(" ")) {
      throw new ConfigException(
          "subsystem NQN '" + nqn + "' is not an NQN (e.g. nqn.2026-11.io.weft:vol0)");
    }
    if (nqn.getBytes(StandardCharsets.UTF_8).length > MAX_NQN_BYTES) {
      throw new ConfigException("subsystem NQN '" + nqn + "' is longer than 223 bytes");
    }
    String where = "subsystem " + nqn;
    ascii(where, "serial", s.serial(), 20);
    ascii(where, "model", s.model(), 40);
    ascii(where, "firmware", s.firmware(), 8);
    Set<Integer> nsids = new HashSet<>();
    for (NamespaceConfig ns : s.namespaces()) {
      if (ns.nsid() < 1) {
        throw new ConfigException(where + ": NSID " + ns.nsid() + " is invalid; NSIDs start at 1");
      }
      if (!nsids.add(ns.nsid())) {
        throw new ConfigException(where + ": NSID " + ns.nsid() + " is used twice");
      }
      checkNamespace(where + " namespace " + ns.nsid(), ns);
    }
  }

  private static void checkNamespace(String where, NamespaceConfig ns) throws ConfigException {
    if (ns.blockSize() != 512 && ns.blockSize() != 4096) {
      throw new ConfigException(
          where + ": block size " + ns.blockSize() + " is not supported (512 or 4096)");
    }
    if (ns.sizeBytes() <= 0) {
      throw new ConfigException(where + ": size must be more than 0");
    }
    if (ns.sizeBytes() % ns.blockSize() != 0) {
      throw new ConfigException(
          where
              + ": size "
              + ns.sizeBytes()
              + " bytes is not a multiple of the block size "
              + ns.blockSize());
    }
    switch (ns.backend()) {
      case "file" -> {
        if (ns.path() == null || ns.path().isBlank()) {
          throw new ConfigException(where + ": a file namespace needs a path");
        }
      }
      case "memory" -> {}
      default ->
          throw new ConfigException(
              where + ": backend '" + ns.backend() + "' is unknown (file or memory)");
    }
    if (ns.uuid() != null) {
      try {
        UUID.fromString(ns.uuid());
      } catch (IllegalArgumentException e) {
        throw new ConfigException(where + ": uuid '" + ns.uuid() + "' is not a UUID");
      }
    }
  }

  private static void checkTuning(TuningConfig t) throws ConfigException {
    if (t.ioThreads() < 1) {
      throw new ConfigException("tuning: ioThreads must be at least 1");
    }
    if (t.spinNanos() < 0) {
      throw new ConfigException("tuning: spinMicros must not be negative");
    }
    if (t.ioWorkerThreads() < 1) {
      throw new ConfigException("tuning: ioWorkerThreads must be at least 1");
    }
  }

  private static void ascii(String where, String field, String value, int max)
      throws ConfigException {
    if (value == null) {
      return;
    }
    if (value.length() > max) {
      throw new ConfigException(
          where + ": " + field + " '" + value + "' is longer than " + max + " characters");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        throw new ConfigException(
            where + ": " + field + " '" + value + "' must be printable ASCII");
      }
    }
  }
}
