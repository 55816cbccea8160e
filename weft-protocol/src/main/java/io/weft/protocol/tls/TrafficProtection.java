package io.weft.protocol.tls;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.crypto.TlsCryptoUtils;
import org.bouncycastle.tls.crypto.TlsSecret;

/**
 * TLS 1.3 record protection for one direction of one connection (RFC 8446 §5.2–5.3 and §7.3):
 * AES-GCM with the write key and IV expanded from a traffic secret, the nonce the IV XOR the
 * record's sequence number, the record header as additional data.
 *
 * <p>It works on heap arrays in place: the JDK's AES-GCM intrinsics run on {@code byte[]}, and
 * through direct buffers the same cipher ran at less than half the speed here.
 *
 * <p>The traffic secret stays a Bouncy Castle {@link TlsSecret}; only the expanded key and IV are
 * taken out of it. {@link #update()} moves to the next traffic secret, as a KeyUpdate does (§4.6.3,
 * §7.2).
 */
final class TrafficProtection {
  /** RFC 8446 §5.5: rekey well before 2^24.5 full records under one AES-GCM key. */
  static final long RECORDS_PER_KEY = 1L << 24;

  static final int TAG = 16;
  private static final int IV = 12;
  private static final byte[] EMPTY = new byte[0];

  private final int hash;
  private final int keyLength;
  private final int hashLength;
  private final Cipher cipher;
  private final int mode;
  private final byte[] iv = new byte[IV];
  private final byte[] nonce = new byte[IV];
  private TlsSecret secret;
  private SecretKeySpec key;
  private long sequence;

  private TrafficProtection(TlsSecret trafficSecret, int cipherSuite, int hash, int mode)
      throws IOException {
    this.hash = hash;
    this.hashLength = TlsCryptoUtils.getHashOutputSize(hash);
    this.keyLength =
        switch (cipherSuite) {
          case CipherSuite.TLS_AES_128_GCM_SHA256 -> 16;
          case CipherSuite.TLS_AES_256_GCM_SHA384 -> 32;
          default ->
              throw new IOException(
                  "cipher suite 0x" + Integer.toHexString(cipherSuite) + " is not AES-GCM");
        };
    this.mode = mode;
    try {
      this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
    } catch (GeneralSecurityException e) {
      throw new IOException("no AES-GCM in this JDK", e);
    }
    this.secret = trafficSecret;
    expand();
  }

  /** Protection for the records this side sends. */
  static TrafficProtection sealing(TlsSecret trafficSecret, int cipherSuite, int hash)
      throws IOException {
    return new TrafficProtection(trafficSecret, cipherSuite, hash, Cipher.ENCRYPT_MODE);
  }

  /** Protection for the records the peer sends. */
  static TrafficProtection opening(TlsSecret trafficSecret, int cipherSuite, int hash)
      throws IOException {
    return new TrafficProtection(trafficSecret, cipherSuite, hash, Cipher.DECRYPT_MODE);
  }

  private void expand() throws IOException {
    byte[] k = TlsCryptoUtils.hkdfExpandLabel(secret, hash, "key", EMPTY, keyLength).extract();
    byte[] i = TlsCryptoUtils.hkdfExpandLabel(secret, hash, "iv", EMPTY, IV).extract();
    key = new SecretKeySpec(k, "AES");
    System.arraycopy(i, 0, iv, 0, IV);
    Arrays.fill(k, (byte) 0);
    Arrays.fill(i, (byte) 0);
    sequence = 0;
  }

  /** The next traffic secret: application_traffic_secret_N+1 (§7.2). Sequence numbers restart. */
  void update() throws IOException {
    TlsSecret next = TlsCryptoUtils.hkdfExpandLabel(secret, hash, "traffic upd", EMPTY, hashLength);
    secret.destroy();
    secret = next;
    expand();
  }

  /** Records protected with the current key; a sender updates its key before it nears the limit. */
  long records() {
    return sequence;
  }

  /**
   * Seals one record in place: {@code a[at, at + 5)} is its header (with the final length), {@code
   * a[at + 5, at + 5 + inner)} the inner plaintext (content, type byte, padding); the tag is
   * written after it, so {@code a} must have {@link #TAG} more bytes there.
   */
  void seal(byte[] a, int at, int inner) throws IOException {
    try {
      cipher.init(mode, key, nextNonce());
      cipher.updateAAD(a, at, TlsRecords.HEADER);
      int n = cipher.doFinal(a, at + TlsRecords.HEADER, inner, a, at + TlsRecords.HEADER);
      if (n != inner + TAG) {
        throw new IOException("AES-GCM sealed " + n + " bytes, not " + (inner + TAG));
      }
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot seal a TLS record: " + e.getMessage(), e);
    }
  }

  /**
   * Opens one record: {@code in[at, at + 5)} is its header, the {@code length} bytes after it the
   * ciphertext with its tag; the inner plaintext goes to {@code out[to, ...)} ({@code length - 16}
   * bytes). A record that does not authenticate throws {@link RecordException} (bad_record_mac) and
   * nothing is written.
   */
  int open(byte[] in, int at, int length, byte[] out, int to) throws IOException {
    if (length < TAG + 1) {
      throw new RecordException(AlertDescription.decode_error, "a record too short to hold a tag");
    }
    try {
      cipher.init(mode, key, nextNonce());
      cipher.updateAAD(in, at, TlsRecords.HEADER);
      return cipher.doFinal(in, at + TlsRecords.HEADER, length, out, to);
    } catch (javax.crypto.AEADBadTagException e) {
      throw new RecordException(AlertDescription.bad_record_mac, "a record failed to authenticate");
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot open a TLS record: " + e.getMessage(), e);
    }
  }

  private GCMParameterSpec nextNonce() throws IOException {
    if (sequence == -1L) {
      throw new RecordException(AlertDescription.internal_error, "record sequence exhausted");
    }
    long s = sequence++;
    System.arraycopy(iv, 0, nonce, 0, IV);
    for (int b = 0; b < 8; b++) {
      nonce[IV - 1 - b] ^= (byte) (s >>> (8 * b));
    }
    return new GCMParameterSpec(TAG * 8, nonce);
  }

  /** Wipes what can be wiped; the object is unusable afterwards. */
  void destroy() {
    Arrays.fill(iv, (byte) 0);
    Arrays.fill(nonce, (byte) 0);
    if (secret != null) {
      secret.destroy();
      secret = null;
    }
    key = null;
  }
}
