package io.weft.cli;

import io.weft.cli.auth.DhchapOptions;
import io.weft.protocol.auth.DhchapSecret;
import io.weft.tgt.HostInfo;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code weft host list|add|remove|rotate-key}: the hosts a running target's subsystem allows, and
 * their DH-HMAC-CHAP keys. Only fingerprints are ever printed.
 */
@Command(
    name = "host",
    mixinStandardHelpOptions = true,
    description = "Allow, remove and re-key the hosts of a running target's subsystem.",
    subcommands = {
      HostsCommand.ListHosts.class,
      HostsCommand.Add.class,
      HostsCommand.Remove.class,
      HostsCommand.RotateKey.class
    })
final class HostsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return ExitCodes.USAGE;
  }

  /** The secret flags of add and rotate-key. */
  static final class SecretOptions {
    @Option(
        names = "--dhchap-secret",
        paramLabel = "KEY",
        description = "The host's DH-HMAC-CHAP secret: DHHC-1:..., @FILE or env:VARIABLE.")
    String secret;

    @Option(
        names = "--dhchap-ctrl-secret",
        paramLabel = "KEY",
        description = "The controller's secret, for hosts that authenticate the target too.")
    String ctrlSecret;

    /** The secrets as DHHC-1 text, read from where they are, or null if not given. */
    String[] texts(CommandSpec spec) {
      Path here = Path.of("").toAbsolutePath();
      try {
        DhchapSecret s =
            secret == null ? null : DhchapOptions.secret(secret, here, "--dhchap-secret");
        DhchapSecret c =
            ctrlSecret == null
                ? null
                : DhchapOptions.secret(ctrlSecret, here, "--dhchap-ctrl-secret");
        return new String[] {s == null ? null : s.format(), c == null ? null : c.format()};
      } catch (IllegalArgumentException e) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
      }
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "Allowed hosts and the fingerprints of their keys.")
  static final class ListHosts implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin AdminOptions admin;
    @Mixin SubsystemOption subsystem;
    @Mixin OutputOption output;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (AdminClient client = admin.client()) {
        List<HostInfo> hosts = client.hosts(subsystem.nqn);
        if (output.json()) {
          out.println(client.toJson(hosts));
        } else if (hosts.isEmpty()) {
          out.println(subsystem.nqn + " allows any host (no allow-list)");
        } else {
          Table table = new Table("HOST", "DHCHAP KEY", "CTRL KEY", "PREVIOUS KEY UNTIL");
          hosts.forEach(
              h ->
                  table.row(
                      h.nqn(),
                      h.dhchapKey() == null ? "-" : h.dhchapKey(),
                      h.dhchapCtrlKey() == null ? "-" : h.dhchapCtrlKey(),
                      h.previousAcceptedUntil() == null
                          ? "-"
                          : h.previousDhchapKey() + " " + h.previousAcceptedUntil()));
          table.print(out, "");
        }
      }
      out.flush();
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "add",
      mixinStandardHelpOptions = true,
      description = {
        "Allow a host; with --dhchap-secret it must authenticate on every queue.",
        "Keys of a host already allowed are replaced at once (see rotate-key)."
      })
  static final class Add implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin AdminOptions admin;
    @Mixin SubsystemOption subsystem;
    @Mixin SecretOptions secrets;

    @Parameters(paramLabel = "HOSTNQN", description = "The host's NQN.")
    String host;

    @Override
    public Integer call() {
      String[] keys = secrets.texts(spec);
      HostInfo h;
      try (AdminClient client = admin.client()) {
        h = client.addHost(subsystem.nqn, host, keys[0], keys[1]);
      }
      PrintWriter out = spec.commandLine().getOut();
      out.println(
          host
              + " allowed on "
              + subsystem.nqn
              + (h.dhchapKey() == null ? "" : ", DH-HMAC-CHAP key " + h.dhchapKey())
              + (h.dhchapCtrlKey() == null ? "" : ", controller key " + h.dhchapCtrlKey()));
      out.flush();
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "remove",
      mixinStandardHelpOptions = true,
      description = "Remove a host from the allow-list; its connections end at once.")
  static final class Remove implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin AdminOptions admin;
    @Mixin SubsystemOption subsystem;

    @Parameters(paramLabel = "HOSTNQN", description = "The host's NQN.")
    String host;

    @Override
    public Integer call() {
      try (AdminClient client = admin.client()) {
        client.removeHost(subsystem.nqn, host);
      }
      PrintWriter out = spec.commandLine().getOut();
      out.println(host + " removed from " + subsystem.nqn);
      out.flush();
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "rotate-key",
      mixinStandardHelpOptions = true,
      description = {
        "Give a host new DH-HMAC-CHAP keys without downtime: the old ones stay valid for",
        "--grace, connected hosts keep running, and each host moves to the new key when",
        "it re-authenticates (Linux: write it to /sys/class/nvme/nvmeX/dhchap_secret)."
      })
  static final class RotateKey implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin AdminOptions admin;
    @Mixin SubsystemOption subsystem;
    @Mixin SecretOptions secrets;

    @Option(
        names = "--grace",
        paramLabel = "SECONDS",
        defaultValue = "600",
        description = "How long the old keys stay valid. Default ${DEFAULT-VALUE}.")
    long graceSeconds;

    @Parameters(paramLabel = "HOSTNQN", description = "The host's NQN.")
    String host;

    @Override
    public Integer call() {
      String[] keys = secrets.texts(spec);
      if (keys[0] == null) {
        throw new picocli.CommandLine.ParameterException(
            spec.commandLine(), "rotate-key needs the new --dhchap-secret");
      }
      if (graceSeconds < 0) {
        throw new picocli.CommandLine.ParameterException(
            spec.commandLine(), "--grace must not be negative");
      }
      HostInfo h;
      try (AdminClient client = admin.client()) {
        h = client.rotateHostKey(subsystem.nqn, host, keys[0], keys[1], graceSeconds);
      }
      PrintWriter out = spec.commandLine().getOut();
      out.println(
          host
              + " on "
              + subsystem.nqn
              + ": key "
              + h.dhchapKey()
              + (h.previousAcceptedUntil() == null
                  ? ", the old key is no longer accepted"
                  : ", the old key "
                      + h.previousDhchapKey()
                      + " accepted until "
                      + h.previousAcceptedUntil()));
      out.flush();
      return ExitCodes.OK;
    }
  }
}
