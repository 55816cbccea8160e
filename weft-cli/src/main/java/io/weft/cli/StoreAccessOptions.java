package io.weft.cli;

import io.weft.store.EtcdAccess;
import io.weft.tgt.config.SecretSource;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Function;
import picocli.CommandLine.Option;

/**
 * How a node or discovery service authenticates to its etcd cluster: etcd's user and password (the
 * password from a file or a variable, never literally) and TLS.
 */
final class StoreAccessOptions {
  @Option(names = "--store-user", paramLabel = "USER", description = "etcd user (etcd auth).")
  String user;

  @Option(
      names = "--store-password",
      paramLabel = "@FILE|env:VAR",
      description = "Password of --store-user, from a file or a variable.")
  String password;

  @Option(
      names = "--store-cacert",
      paramLabel = "FILE",
      description = "PEM CA of etcd's certificate: the store link uses TLS.")
  Path cacert;

  @Option(
      names = "--store-cert",
      paramLabel = "FILE",
      description = "PEM client certificate for etcd (--client-cert-auth); with --store-key.")
  Path cert;

  @Option(names = "--store-key", paramLabel = "FILE", description = "PEM key of --store-cert.")
  Path key;

  /**
   * What the flags ask for; a password without a user (or the reverse), or an unreadable one, is a
   * usage error.
   */
  EtcdAccess access(Function<String, String> env) {
    if ((user == null) != (password == null)) {
      throw new CliException(ExitCodes.USAGE, "--store-user and --store-password go together");
    }
    if ((cert == null) != (key == null)) {
      throw new CliException(ExitCodes.USAGE, "--store-cert and --store-key go together");
    }
    try {
      String secret = password == null ? null : SecretSource.read(password, "etcd password", env);
      return new EtcdAccess(user, secret, cacert, cert, key);
    } catch (IOException e) {
      throw new CliException(ExitCodes.USAGE, e.getMessage(), e);
    }
  }
}
