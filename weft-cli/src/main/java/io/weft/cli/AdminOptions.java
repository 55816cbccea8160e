package io.weft.cli;

import io.weft.tgt.admin.Pem;
import io.weft.tgt.config.SecretSource;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import picocli.CommandLine.Option;

/**
 * How to reach a running target's admin API, shared by the commands that talk to one: {@code
 * --admin [https://]HOST:PORT}, and the credentials a locked API wants: {@code --token} (or env
 * {@code WEFT_TOKEN}), {@code --cacert} to trust its certificate, {@code --cert}/{@code --key} for
 * a client certificate.
 */
final class AdminOptions {
  static final String DEFAULT = "${env:WEFT_ADMIN:-127.0.0.1:9420}";
  static final String TOKEN_ENV = "WEFT_TOKEN";

  @Option(
      names = "--admin",
      paramLabel = "[https://]HOST:PORT",
      defaultValue = DEFAULT,
      description = "Admin API of the target (env WEFT_ADMIN). Default: ${DEFAULT-VALUE}.")
  String admin;

  @Option(
      names = "--token",
      paramLabel = "@FILE|env:VAR",
      description =
          "Bearer token for the admin API, from a file or a variable. Default: env WEFT_TOKEN.")
  String token;

  @Option(
      names = "--cacert",
      paramLabel = "FILE",
      defaultValue = "${env:WEFT_CACERT}",
      description =
          "PEM CA that signed the admin API's certificate (implies HTTPS; env WEFT_CACERT).")
  Path cacert;

  @Option(
      names = "--cert",
      paramLabel = "FILE",
      description = "PEM client certificate, for an admin API that demands one (implies HTTPS).")
  Path cert;

  @Option(names = "--key", paramLabel = "FILE", description = "PEM (PKCS#8) key of --cert.")
  Path key;

  /** A client for the address; a malformed address or unreadable credentials are usage errors. */
  AdminClient client() {
    return client(System::getenv);
  }

  AdminClient client(Function<String, String> env) {
    String text = admin.strip();
    boolean https = text.regionMatches(true, 0, "https://", 0, 8);
    if (https) {
      text = text.substring(8);
    }
    HostPort address;
    try {
      address = HostPort.parse(text, "--admin address");
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCodes.USAGE, e.getMessage());
    }
    if ((cert == null) != (key == null)) {
      throw new CliException(ExitCodes.USAGE, "--cert and --key go together");
    }
    try {
      SSLContext tls = null;
      if (https || cacert != null || cert != null) {
        tls = Pem.context(cert, key, cacert);
      }
      String bearer = null;
      if (token != null) {
        bearer = SecretSource.read(token, "token", env);
      } else if (env.apply(TOKEN_ENV) != null && !env.apply(TOKEN_ENV).isBlank()) {
        bearer = env.apply(TOKEN_ENV).strip();
      }
      return new AdminClient(address, tls, bearer);
    } catch (IOException e) {
      throw new CliException(ExitCodes.USAGE, e.getMessage(), e);
    }
  }
}
