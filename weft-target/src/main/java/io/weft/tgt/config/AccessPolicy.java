package io.weft.tgt.config;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The one place that decides whether a configuration leaves a door open. On loopback anything goes
 * (the quick start needs no flags); beyond loopback:
 *
 * <ul>
 *   <li>every subsystem an NVMe/TCP listener beyond loopback exports must restrict who connects
 *       ({@link #restrictsHosts}), unless the lab opt-out {@link
 *       SecurityConfig#allowAnyHostBeyondLoopback()} is set (then the problems are warnings);
 *   <li>a management API beyond loopback must use TLS; its callers are then authenticated by a
 *       bearer token or client certificates (a token is generated when neither is configured).
 * </ul>
 *
 * Everything here is decided from the configuration alone, before anything binds, so a refused
 * start never had a port open.
 */
public final class AccessPolicy {
  private AccessPolicy() {}

  /** A start refused: the message lists every problem and how to fix each. */
  public static final class Refused extends IOException {
    public Refused(List<String> problems) {
      super(String.join("; ", problems));
    }
  }

  /**
   * Checks a target's configuration before it binds anything.
   *
   * @return the problems the lab opt-out lets through, for the caller to log loudly
   * @throws Refused if the configuration leaves a door open beyond loopback
   */
  public static List<String> check(TargetConfig config) throws Refused {
    List<String> problems = new ArrayList<>();
    if (config.adminListen() != null) {
      // HOST:PORT or [V6]:PORT, as TargetConfig keeps it
      URI admin = URI.create("//" + config.adminListen());
      problems.addAll(adminProblems(admin.getHost(), admin.getPort(), config.security().admin()));
    }
    List<String> open = hostProblems(config);
    if (!config.security().allowAnyHostBeyondLoopback()) {
      problems.addAll(open);
    }
    if (!problems.isEmpty()) {
      throw new Refused(problems);
    }
    return config.security().allowAnyHostBeyondLoopback() ? open : List.of();
  }

  /**
   * Whether {@code subsystem}, reached through {@code listener}, lets only some hosts in. Today
   * that is a non-empty allow-list; in-band authentication (DH-HMAC-CHAP secrets on the subsystem)
   * and a TLS listener are further ways to satisfy it, added here when they land.
   */
  public static boolean restrictsHosts(SubsystemConfig subsystem, ListenerConfig listener) {
    // Hosts with DH-HMAC-CHAP secrets are always on the allow-list (SubsystemConfig checks it); a
    // TLS listener lets in only hosts holding a PSK or a certificate it trusts.
    return !subsystem.allowedHosts().isEmpty()
        || !subsystem.dhchapKeys().isEmpty()
        || listener.tls() != io.weft.protocol.tls.TlsMode.NONE;
  }

  /**
   * The problems of the NVMe/TCP side: one line per subsystem that any host may reach beyond
   * loopback, each saying how to fix it.
   *
   * @param fix the advice for one subsystem (the CLI flag for a target, {@code weft volume
   *     set-hosts} for a node's volume)
   */
  public static List<String> hostProblems(
      List<ListenerConfig> listeners,
      List<SubsystemConfig> subsystems,
      Function<SubsystemConfig, String> fix) {
    List<String> problems = new ArrayList<>();
    for (SubsystemConfig s : subsystems) {
      List<String> open = new ArrayList<>();
      for (ListenerConfig l : listeners) {
        if (!isLoopback(l.host()) && !restrictsHosts(s, l)) {
          open.add(hostPort(l.host(), l.port()));
        }
      }
      if (!open.isEmpty()) {
        problems.add(
            (open.size() == 1 ? "listener " : "listeners ")
                + String.join(", ", open)
                + (open.size() == 1 ? " is" : " are")
                + " not loopback and subsystem "
                + s.nqn()
                + " allows any host: "
                + fix.apply(s)
                + ", or listen on 127.0.0.1");
      }
    }
    return problems;
  }

  /** A target's NVMe/TCP problems, with the target's own advice. */
  public static List<String> hostProblems(TargetConfig config) {
    return hostProblems(
        config.listeners(),
        config.subsystems(),
        s -> "add --allow-host NQN (allowedHosts in the config file)");
  }

  /** The problems of the management API: beyond loopback it needs TLS. */
  public static List<String> adminProblems(String adminHost, int adminPort, AdminSecurityConfig a) {
    List<String> problems = new ArrayList<>();
    if ((a.tlsCert() == null) != (a.tlsKey() == null)) {
      problems.add(
          "the admin API's TLS needs both a certificate and a key (--admin-tls-cert FILE"
              + " --admin-tls-key FILE)");
    }
    if (!isLoopback(adminHost) && !a.tls()) {
      problems.add(
          "admin API "
              + hostPort(adminHost, adminPort)
              + " is not loopback and has no TLS: give --admin-tls-cert FILE and --admin-tls-key"
              + " FILE (PEM), or serve it on 127.0.0.1");
    }
    if (a.clientCa() != null && !a.tls()) {
      problems.add("client certificates (--admin-client-ca) need the admin API's TLS");
    }
    return problems;
  }

  /**
   * Whether the management API must authenticate callers: always beyond loopback, and everywhere
   * once a token or client certificates are configured.
   */
  public static boolean adminRequiresAuthentication(String adminHost, AdminSecurityConfig a) {
    return !isLoopback(adminHost) || a.tokenSource() != null || a.clientCa() != null;
  }

  /**
   * Whether {@code host} (a literal address or a name, as a listener binds it) is a loopback
   * address: 127.0.0.0/8, ::1, or a name resolving to one. Wildcards and anything unresolvable are
   * not.
   */
  public static boolean isLoopback(String host) {
    if (host == null || host.isBlank()) {
      return false;
    }
    String h =
        host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    try {
      return InetAddress.getByName(h).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static String hostPort(String host, int port) {
    return (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
  }
}
