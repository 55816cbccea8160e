package io.weft.cli;

import picocli.CommandLine.Option;

/** {@code --admin HOST:PORT}, shared by the commands that talk to a running target. */
final class AdminOptions {
  static final String DEFAULT = "${env:WEFT_ADMIN:-127.0.0.1:9420}";

  @Option(
      names = "--admin",
      paramLabel = "HOST:PORT",
      defaultValue = DEFAULT,
      description = "Admin API of the target (env WEFT_ADMIN). Default: ${DEFAULT-VALUE}.")
  String admin;

  /** A client for the address; a malformed address is a usage error. */
  AdminClient client() {
    HostPort address;
    try {
      address = HostPort.parse(admin, "--admin address");
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCodes.USAGE, e.getMessage());
    }
    return new AdminClient(address);
  }
}
