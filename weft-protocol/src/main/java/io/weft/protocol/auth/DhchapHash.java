package io.weft.protocol.auth;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The DH-HMAC-CHAP hash functions by Hash ID (the Challenge's HASHID, the Negotiate's HashIDList, a
 * secret's transform field). The hash length is the message field HL.
 */
public enum DhchapHash {
  SHA_256(0x01, "SHA-256", "HmacSHA256", 32),
  SHA_384(0x02, "SHA-384", "HmacSHA384", 48),
  SHA_512(0x03, "SHA-512", "HmacSHA512", 64);

  public final int id;
  public final String digestAlgorithm;
  public final String hmacAlgorithm;
  public final int length;

  DhchapHash(int id, String digestAlgorithm, String hmacAlgorithm, int length) {
    this.id = id;
    this.digestAlgorithm = digestAlgorithm;
    this.hmacAlgorithm = hmacAlgorithm;
    this.length = length;
  }

  /** The hash with this Hash ID, or null if there is none (00h, "no transform", included). */
  public static DhchapHash of(int id) {
    for (DhchapHash h : values()) {
      if (h.id == id) {
        return h;
      }
    }
    return null;
  }

  /** The hash whose output is this many bytes, or null. */
  public static DhchapHash ofLength(int length) {
    for (DhchapHash h : values()) {
      if (h.length == length) {
        return h;
      }
    }
    return null;
  }

  /** HMAC with this hash over the concatenation of the parts. */
  public byte[] hmac(byte[] key, byte[]... parts) {
    try {
      Mac mac = Mac.getInstance(hmacAlgorithm);
      mac.init(new SecretKeySpec(key, hmacAlgorithm));
      for (byte[] part : parts) {
        mac.update(part);
      }
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      // Every JDK provides these three HMACs; their absence is a broken runtime.
      throw new IllegalStateException(hmacAlgorithm + " unavailable", e);
    }
  }

  /** The plain hash of the data. */
  public byte[] digest(byte[] data) {
    try {
      return MessageDigest.getInstance(digestAlgorithm).digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(digestAlgorithm + " unavailable", e);
    }
  }
}
