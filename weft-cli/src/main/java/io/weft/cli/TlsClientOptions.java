package io.weft.cli;

import io.weft.protocol.tls.CertFiles;
import io.weft.protocol.tls.ClientTls;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * TLS for the host tools, with nvme-cli's names: {@code --tls} asks for TLS, {@code --tls-key}
 * gives the PSK (TLS 1.3 with a PSK; implies {@code --tls}); the certificate options make it
 * certificate TLS between Weft hosts and targets.
 */
final class TlsClientOptions {
  @Option(names = "--tls", description = "Connect over TLS (with --tls-key or the --tls-cert set).")
  boolean tls;

  @Option(
      names = {"--tls-key", "--tls_key"},
      paramLabel = "KEY",
      description = "TLS PSK: the NVMeTLSkey-1:xx:...: text nvme gen-tls-key prints, or @FILE.")
  String key;

  @Option(names = "--tls-cert", paramLabel = "FILE", description = "PEM certificate of this host.")
  Path cert;

  @Option(
      names = "--tls-private-key",
      paramLabel = "FILE",
      description = "PEM private key (PKCS#8) of --tls-cert.")
  Path privateKey;

  @Option(
      names = "--tls-ca",
      paramLabel = "FILE",
      description = "PEM CA certificates the target's certificate must chain to.")
  Path ca;

  ClientTls clientTls(CommandSpec spec) {
    boolean certs = cert != null || privateKey != null || ca != null;
    if (key != null && certs) {
      throw ConnectionOptions.usage(
          spec, "--tls-key and the certificate options exclude each other");
    }
    try {
      if (key != null) {
        return ClientTls.psk(TlsKeys.key(key, Path.of("")));
      }
      if (certs) {
        return ClientTls.cert(new CertFiles(cert, privateKey, ca));
      }
    } catch (IllegalArgumentException e) {
      throw ConnectionOptions.usage(spec, e.getMessage());
    }
    if (tls) {
      throw ConnectionOptions.usage(
          spec, "--tls needs --tls-key (a PSK) or --tls-cert, --tls-private-key and --tls-ca");
    }
    return ClientTls.NONE;
  }
}
