package io.weft.protocol.tls;

import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.PRFAlgorithm;

/**
 * The hash a TLS PSK is bound to (NVMe/TCP TP8011): the {@code hh} of a PSK identity and of the
 * {@code NVMeTLSkey-1:hh:} interchange format. A SHA-256 PSK negotiates TLS_AES_128_GCM_SHA256, a
 * SHA-384 PSK TLS_AES_256_GCM_SHA384.
 */
public enum PskHash {
  SHA256(1, 32, "HmacSHA256", CipherSuite.TLS_AES_128_GCM_SHA256, PRFAlgorithm.tls13_hkdf_sha256),
  SHA384(2, 48, "HmacSHA384", CipherSuite.TLS_AES_256_GCM_SHA384, PRFAlgorithm.tls13_hkdf_sha384);

  /** The identifier in identities and the interchange format (01, 02). */
  public final int id;

  /** Digest length in bytes: the PSK length. */
  public final int length;

  /** The JCA name of its HMAC. */
  public final String hmac;

  /** The TLS 1.3 cipher suite a PSK of this hash negotiates. */
  public final int cipherSuite;

  /** Bouncy Castle's PRF identifier for a PSK of this hash. */
  final int prf;

  PskHash(int id, int length, String hmac, int cipherSuite, int prf) {
    this.id = id;
    this.length = length;
    this.hmac = hmac;
    this.cipherSuite = cipherSuite;
    this.prf = prf;
  }

  public static PskHash ofId(int id) {
    for (PskHash h : values()) {
      if (h.id == id) {
        return h;
      }
    }
    throw new IllegalArgumentException("unknown PSK hash " + id + " (01 SHA-256, 02 SHA-384)");
  }

  /** The hash of an untransformed key (hh 00) follows its length, as libnvme decides it. */
  public static PskHash ofLength(int keyLength) {
    for (PskHash h : values()) {
      if (h.length == keyLength) {
        return h;
      }
    }
    throw new IllegalArgumentException("a TLS PSK is 32 or 48 bytes, not " + keyLength);
  }
}
