package io.weft.protocol.tls;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * Certificate TLS between Weft hosts and targets: this side's certificate chain and private key
 * (PEM; the key PKCS#8, unencrypted) and the CA certificates (PEM) the other side's certificate
 * must chain to. Both sides present a certificate and both check the other's, on the JDK's TLS 1.3
 * with the two NVMe/TCP cipher suites. Peers are reached by address, so no host name is checked:
 * trust is the CA.
 */
public record CertFiles(Path certificate, Path privateKey, Path trustedCa) {
  static final List<String> PROTOCOLS = List.of("TLSv1.3");
  static final List<String> CIPHERS = List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384");

  public CertFiles {
    for (Path p : new Path[] {certificate, privateKey, trustedCa}) {
      if (p == null) {
        throw new IllegalArgumentException(
            "certificate TLS needs a certificate, its private key and a CA file");
      }
    }
  }

  /** Refuses missing or unreadable files with a message naming the file. */
  public void check() {
    for (Path p : new Path[] {certificate, privateKey, trustedCa}) {
      if (!Files.isReadable(p)) {
        throw new IllegalArgumentException("cannot read TLS file " + p);
      }
    }
  }

  SslContext serverContext() throws SSLException {
    check();
    return SslContextBuilder.forServer(certificate.toFile(), privateKey.toFile())
        .trustManager(trustedCa.toFile())
        .clientAuth(ClientAuth.REQUIRE)
        .sslProvider(SslProvider.JDK)
        .protocols(PROTOCOLS)
        .ciphers(CIPHERS)
        .build();
  }

  SslContext clientContext() throws SSLException {
    check();
    return SslContextBuilder.forClient()
        .keyManager(certificate.toFile(), privateKey.toFile())
        .trustManager(trustedCa.toFile())
        .sslProvider(SslProvider.JDK)
        .protocols(PROTOCOLS)
        .ciphers(CIPHERS)
        .endpointIdentificationAlgorithm(null)
        .build();
  }
}
