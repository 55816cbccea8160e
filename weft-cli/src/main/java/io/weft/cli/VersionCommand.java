package io.weft.cli;

import io.netty.channel.epoll.Epoll;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code weft version}: this build, the JVM, and whether Netty's native epoll transport loads. */
@Command(
    name = "version",
    mixinStandardHelpOptions = true,
    description = "Print the version, the Java runtime and the native transport status.")
final class VersionCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    for (String line : lines()) {
      spec.commandLine().getOut().println(line);
    }
    spec.commandLine().getOut().flush();
    return ExitCodes.OK;
  }

  static String[] lines() {
    return new String[] {
      "weft " + Version.version(),
      "java "
          + System.getProperty("java.runtime.version")
          + " ("
          + System.getProperty("java.vendor")
          + ", "
          + System.getProperty("java.home")
          + ")",
      "os " + System.getProperty("os.name") + " " + System.getProperty("os.arch"),
      "netty epoll " + epoll()
    };
  }

  private static String epoll() {
    try {
      if (Epoll.isAvailable()) {
        return "available";
      }
      Throwable why = Epoll.unavailabilityCause();
      return "unavailable (" + (why == null ? "unknown" : Errors.describe(why)) + ")";
    } catch (LinkageError e) {
      return "unavailable (" + e + ")";
    }
  }

  /** For {@code weft --version}. */
  static final class Provider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return lines();
    }
  }
}
