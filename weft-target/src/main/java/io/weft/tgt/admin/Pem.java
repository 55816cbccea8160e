package io.weft.tgt.admin;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * PEM files to the JDK's TLS: certificates (X.509, chains in order) and unencrypted PKCS#8 private
 * keys (RSA, EC or Ed25519; what {@code openssl genpkey} writes). Used by the admin server and its
 * client.
 */
public final class Pem {
  private static final Pattern PRIVATE_KEY =
      Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

  private Pem() {}

  /** Every certificate in a PEM file, in order (a server's first, then its chain). */
  public static List<Certificate> certificates(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      List<Certificate> certs =
          new ArrayList<>(CertificateFactory.getInstance("X.509").generateCertificates(in));
      if (certs.isEmpty()) {
        throw new IOException(file + " holds no PEM certificate");
      }
      return certs;
    } catch (java.security.cert.CertificateException e) {
      throw new IOException(file + " is not a readable PEM certificate: " + e.getMessage(), e);
    }
  }

  /** The PKCS#8 private key in a PEM file. */
  public static PrivateKey privateKey(Path file) throws IOException {
    String text = Files.readString(file);
    Matcher m = PRIVATE_KEY.matcher(text);
    if (!m.find()) {
      String hint =
          text.contains("BEGIN RSA PRIVATE KEY") || text.contains("BEGIN EC PRIVATE KEY")
              ? " (convert it: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8)"
              : text.contains("ENCRYPTED PRIVATE KEY") ? " (it must not be encrypted)" : "";
      throw new IOException(file + " holds no PKCS#8 'BEGIN PRIVATE KEY' block" + hint);
    }
    byte[] der = Base64.getMimeDecoder().decode(m.group(1));
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    for (String algorithm : List.of("RSA", "EC", "Ed25519", "Ed448")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (GeneralSecurityException tryNext) {
        // the key is of another algorithm
      }
    }
    throw new IOException(file + ": unsupported private key (expected RSA, EC or EdDSA)");
  }

  /**
   * A TLS context presenting {@code certFile}/{@code keyFile} (both null: none) and trusting the
   * certificates in {@code caFile} (null: the JDK's default trust).
   */
  public static SSLContext context(Path certFile, Path keyFile, Path caFile) throws IOException {
    try {
      KeyManagerFactory kmf = null;
      if (certFile != null) {
        List<Certificate> chain = certificates(certFile);
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        char[] none = new char[0];
        keys.setKeyEntry("key", privateKey(keyFile), none, chain.toArray(Certificate[]::new));
        kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, none);
      }
      TrustManagerFactory tmf = null;
      if (caFile != null) {
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        int i = 0;
        for (Certificate ca : certificates(caFile)) {
          trusted.setCertificateEntry("ca" + i++, ca);
        }
        tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trusted);
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(
          kmf == null ? null : kmf.getKeyManagers(),
          tmf == null ? null : tmf.getTrustManagers(),
          null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot set up TLS: " + e.getMessage(), e);
    }
  }
}
