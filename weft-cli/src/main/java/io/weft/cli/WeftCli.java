package io.weft.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code weft}: runs an NVMe/TCP target ({@code weft target}) and manages a running one through its
 * admin API ({@code weft ns ...}, {@code weft controllers}).
 *
 * <p>Errors are one line on stderr, {@code weft: <what went wrong>}, with the exit codes of {@link
 * ExitCodes}; {@code --verbose} adds the stack trace and debug logging.
 */
@Command(
    name = "weft",
    mixinStandardHelpOptions = true,
    versionProvider = VersionCommand.Provider.class,
    description = "Weft: an NVMe-over-TCP block storage target.",
    subcommands = {
      TargetCommand.class,
      NsCommand.class,
      ControllersCommand.class,
      VersionCommand.class,
      CommandLine.HelpCommand.class
    },
    footer = {
      "",
      "Exit codes: 0 ok; 1 failed (the target could not start, or the admin API",
      "refused the request or could not be reached); 2 bad usage or config file."
    })
public final class WeftCli implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = {"-v", "--verbose"},
      scope = ScopeType.INHERIT,
      description = "Debug logging, and stack traces with errors.")
  boolean verbose;

  public static void main(String[] args) {
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

  /** The configured command tree: case-insensitive enum values and one-line errors. */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new WeftCli());
    cli.setCaseInsensitiveEnumValuesAllowed(true);
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
    err.println("weft: " + (ours ? e.getMessage() : Errors.describe(e)));
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
