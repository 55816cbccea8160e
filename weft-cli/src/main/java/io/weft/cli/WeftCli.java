package io.weft.cli;

import io.weft.protocol.tcp.NettyDefaults;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code weft}: runs an NVMe/TCP target ({@code weft target}), manages a running one through its
 * admin API ({@code weft ns ...}, {@code weft controllers}), and talks to any NVMe/TCP target as a
 * host with nvme-cli's options ({@code weft discover}, {@code connect-check}, {@code id-ctrl},
 * {@code id-ns}, {@code read}, {@code write}, {@code smart-log}, {@code perf}).
 *
 * <p>Errors are one line on stderr, {@code weft: <what went wrong>} ({@code weft read: ...} for the
 * host commands), with the exit codes of {@link ExitCodes}; {@code --verbose} adds the stack trace
 * and debug logging.
 */
@Command(
    name = "weft",
    mixinStandardHelpOptions = true,
    versionProvider = VersionCommand.Provider.class,
    description = {
      "Weft: an NVMe-over-TCP block storage target, and NVMe/TCP host tools that",
      "work with any target and take nvme-cli's options (--traddr, --nqn, ...)."
    },
    subcommands = {
      TargetCommand.class,
      NodeCommand.class,
      DiscoveryCommand.class,
      CsiCommand.class,
      NodesCommand.class,
      VolumeCommand.class,
      TenantCommand.class,
      PoolCommand.class,
      SnapshotCommand.class,
      AnaCommand.class,
      HostsCommand.class,
      NsCommand.class,
      AtRestKeyCommand.class,
      ControllersCommand.class,
      DiscoverCommand.class,
      ConnectCheckCommand.class,
      IdCtrlCommand.class,
      IdNsCommand.class,
      ReadCommand.class,
      WriteCommand.class,
      SmartLogCommand.class,
      PerfCommand.class,
      VersionCommand.class,
      CommandLine.HelpCommand.class
    },
    footer = {
      "",
      "Exit codes: 0 ok; 1 failed (the target could not start, the admin API refused",
      "the request or could not be reached, or an NVMe/TCP connection or command",
      "failed); 2 bad usage or config file."
    })
public final class WeftCli implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = {"-v", "--verbose"},
      scope = ScopeType.INHERIT,
      description = "Debug logging, and stack traces with errors.")
  boolean verbose;

  /** Data of the host commands ({@code weft write}'s input, {@code weft read}'s output). */
  InputStream stdin = System.in;

  OutputStream stdout = System.out;

  public static void main(String[] args) {
    NettyDefaults.apply(); // before any Netty class loads
    System.exit(run(args, null, null));
  }

  /** Runs a command line and returns the exit code; null writers mean stdout and stderr. */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cli = commandLine();
    if (out != null) {
      cli.setOut(out);
    }
    if (err != null) {
      cli.setErr(err);
    }
    return cli.execute(args);
  }

  /**
   * Runs a command line with byte streams for stdin and stdout (text output goes to {@code stdout}
   * too, in UTF-8); a null {@code err} means stderr.
   */
  public static int run(String[] args, InputStream stdin, OutputStream stdout, PrintWriter err) {
    CommandLine cli = commandLine();
    WeftCli root = cli.getCommand();
    root.stdin = stdin;
    root.stdout = stdout;
    cli.setOut(new PrintWriter(new OutputStreamWriter(stdout, StandardCharsets.UTF_8), true));
    if (err != null) {
      cli.setErr(err);
    }
    return cli.execute(args);
  }

  /** The configured command tree: case-insensitive enum values and one-line errors. */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new WeftCli());
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    // @FILE is how secrets are named (--token @FILE, --at-rest-key @FILE): picocli must not
    // expand it into arguments, which would put the secret on the command line after all.
    cli.setExpandAtFiles(false);
    cli.setParameterExceptionHandler(WeftCli::usageError);
    cli.setExecutionExceptionHandler(WeftCli::executionError);
    return cli;
  }

  /** {@code weft} alone: the usage on stderr, as an error. */
  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return ExitCodes.USAGE;
  }

  private static int usageError(CommandLine.ParameterException e, String[] args) {
    CommandLine cmd = e.getCommandLine();
    PrintWriter err = cmd.getErr();
    err.println(
        cmd.getCommandSpec().qualifiedName()
            + ": "
            + e.getMessage()
            + " (see '"
            + cmd.getCommandSpec().qualifiedName()
            + " --help')");
    if (isVerbose(cmd.getParseResult())) {
      e.printStackTrace(err);
    }
    err.flush();
    return ExitCodes.USAGE;
  }

  private static int executionError(Exception e, CommandLine cmd, ParseResult parseResult) {
    PrintWriter err = cmd.getErr();
    boolean ours = e instanceof CliException || e instanceof AdminClient.AdminException;
    // Host commands name themselves, as nvme-cli does: "weft read: LBA_OUT_OF_RANGE (...)".
    String who =
        cmd.getCommandSpec().userObject() instanceof HostCommand
            ? cmd.getCommandSpec().qualifiedName()
            : "weft";
    err.println(who + ": " + (ours ? e.getMessage() : Errors.describe(e)));
    if (isVerbose(parseResult)) {
      e.printStackTrace(err);
    }
    err.flush();
    return e instanceof CliException ce ? ce.exitCode() : ExitCodes.FAILED;
  }

  /** Whether {@code -v/--verbose} was given at any level of the command line. */
  static boolean isVerbose(ParseResult parseResult) {
    for (ParseResult pr = parseResult; pr != null; pr = pr.subcommand()) {
      if (pr.hasMatchedOption("--verbose")) {
        return true;
      }
    }
    return false;
  }
}
