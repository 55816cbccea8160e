package io.weft.cli;

import io.weft.host.ConnectOptions;
import io.weft.host.HostController;
import io.weft.host.HostStatus;
import io.weft.host.NvmeException;
import io.weft.protocol.nvme.Status;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A command that talks to an NVMe/TCP controller as a host, through weft-host. Its errors are one
 * line on stderr named after the command ({@code weft read: LBA_OUT_OF_RANGE (sct=0 sc=0x80 dnr)}),
 * exit code 1; bad flags exit 2, also when they can only be judged after connecting (a data size
 * that is not a multiple of the namespace's block size).
 */
abstract class HostCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ConnectionOptions connection;

  @Override
  public final Integer call() {
    if (WeftCli.isVerbose(spec.root().commandLine().getParseResult())) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "debug");
    }
    try {
      return run();
    } catch (NvmeException e) {
      throw new CliException(ExitCodes.FAILED, describe(e), e);
    } catch (IOException e) {
      throw new CliException(ExitCodes.FAILED, Errors.describe(e), e);
    }
  }

  /** The command, after picocli filled in the options; returns the exit code. */
  abstract int run() throws IOException;

  /**
   * Connects; a refusal or an unreachable target is a {@link CliException} that says which.
   *
   * @param options from {@link ConnectionOptions#toConnectOptions}
   */
  final HostController connect(ConnectOptions options) {
    String where =
        options.subsystemNqn() + " at " + new HostPort(options.address(), options.port());
    try {
      return HostController.connect(options);
    } catch (NvmeException e) {
      int code = e.status() & 0x7FF;
      if (e.isNvmeStatus() && code == Status.CONNECT_INVALID_HOST) {
        throw new CliException(
            ExitCodes.FAILED,
            "host "
                + options.hostNqn()
                + " is not allowed to connect to "
                + where
                + ": "
                + describe(e)
                + "; give an allowed --hostnqn, or allow this host on the target",
            e);
      }
      String hint =
          e.isNvmeStatus() && code == Status.CONNECT_INVALID_PARAMETERS
              ? "; is the subsystem NQN right? ('weft discover' lists them)"
              : "";
      throw new CliException(
          ExitCodes.FAILED, "cannot connect to " + where + ": " + describe(e) + hint, e);
    } catch (IOException e) {
      throw new CliException(
          ExitCodes.FAILED, "cannot connect to " + where + ": " + connectError(e), e);
    }
  }

  /** Socket errors without the transport's decoration ("finishConnect(..) failed: ..."). */
  static String connectError(IOException e) {
    if (e instanceof ConnectException) {
      String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
      if (m.contains("refused")) {
        return "connection refused";
      }
      if (m.contains("timed out")) {
        return "connection timed out";
      }
    }
    if (e instanceof UnknownHostException) {
      return "unknown host " + e.getMessage();
    }
    return Errors.describe(e);
  }

  /**
   * An NVMe status as {@link Status#describe} names it ({@code NAME (sct=.. sc=.. dnr)}); a
   * host-side failure (timeout, controller lost) with what failed.
   */
  static String describe(NvmeException e) {
    return e.isNvmeStatus() ? HostStatus.describe(e.status()) : e.getMessage();
  }

  /** What went wrong, either way: the controller's status or the connection's error. */
  static String failure(IOException e) {
    return e instanceof NvmeException n ? describe(n) : connectError(e);
  }

  /** A usage error of this command (exit 2, "see --help"). */
  final CommandLine.ParameterException usage(String message) {
    return ConnectionOptions.usage(spec, message);
  }

  final PrintWriter out() {
    return spec.commandLine().getOut();
  }

  final PrintWriter err() {
    return spec.commandLine().getErr();
  }

  /** Standard input as bytes (the data of {@code weft write}). */
  final InputStream stdin() {
    return spec.root().userObject() instanceof WeftCli cli ? cli.stdin : System.in;
  }

  /** Standard output as bytes (the data of {@code weft read}); text goes to {@link #out()}. */
  final OutputStream stdout() {
    return spec.root().userObject() instanceof WeftCli cli ? cli.stdout : System.out;
  }

  /** Prints {@code value} as pretty JSON on stdout. */
  final void printJson(Object value) {
    out().println(Json.pretty(value));
    out().flush();
  }
}
