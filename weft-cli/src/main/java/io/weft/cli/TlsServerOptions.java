package io.weft.cli;

import io.weft.protocol.tls.CertFiles;
import io.weft.protocol.tls.ConfiguredPsk;
import io.weft.protocol.tls.PskKeyring;
import io.weft.protocol.tls.TlsCredentials;
import io.weft.tgt.config.ListenerConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * A target's TLS credentials from flags: host PSKs for {@code tls=psk} listeners and certificate
 * files for {@code tls=cert} ones. Flags add to (a key for the same host replaces) what the config
 * file gave; the result is shared by every listener.
 */
final class TlsServerOptions {
  @Option(
      names = "--tls-key",
      paramLabel = "HOSTNQN=KEY",
      description = {
        "TLS PSK of a host for tls=psk listeners; repeatable. KEY is the NVMeTLSkey-1:xx:...:"
            + " text nvme gen-tls-key prints, or @FILE holding it."
      })
  List<String> keys = new ArrayList<>();

  @Option(
      names = "--tls-cert",
      paramLabel = "FILE",
      description = "PEM certificate (chain) of this target, for tls=cert listeners.")
  Path cert;

  @Option(
      names = "--tls-private-key",
      paramLabel = "FILE",
      description = "PEM private key (PKCS#8) of --tls-cert.")
  Path privateKey;

  @Option(
      names = "--tls-ca",
      paramLabel = "FILE",
      description = "PEM CA certificates a host's certificate must chain to (tls=cert).")
  Path ca;

  boolean given() {
    return !keys.isEmpty() || cert != null || privateKey != null || ca != null;
  }

  /** The listeners with the credentials of the file ({@code base}) and the flags attached. */
  List<ListenerConfig> attach(List<ListenerConfig> listeners, Path workingDir) {
    TlsCredentials base =
        listeners.isEmpty() ? TlsCredentials.NONE : listeners.get(0).credentials();
    if (!given()) {
      return listeners;
    }
    PskKeyring ring = new PskKeyring();
    base.psk().copyInto(ring);
    for (String k : keys) {
      Map.Entry<String, ConfiguredPsk> e = TlsKeys.hostKey(k, workingDir);
      ring.put(e.getKey(), e.getValue());
    }
    CertFiles certs = base.certs();
    if (cert != null || privateKey != null || ca != null) {
      Path c = cert != null ? cert : certs != null ? certs.certificate() : null;
      Path k = privateKey != null ? privateKey : certs != null ? certs.privateKey() : null;
      Path a = ca != null ? ca : certs != null ? certs.trustedCa() : null;
      certs = new CertFiles(resolve(workingDir, c), resolve(workingDir, k), resolve(workingDir, a));
    }
    TlsCredentials credentials = new TlsCredentials(ring, certs);
    return listeners.stream().map(l -> l.withCredentials(credentials)).toList();
  }

  private static Path resolve(Path dir, Path p) {
    return p == null ? null : dir.resolve(p);
  }
}
