package io.weft.protocol.tls;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The NVMe/TCP key schedule for TLS PSKs (NVMe/TCP 3.6.1.3, TP8011; the version 1 identity from
 * TP8018), with HKDF-Extract (RFC 5869, salt of zeros) and HKDF-Expand-Label as RFC 8446 7.1
 * defines it (length-prefixed label and context; current libnvme does the same, and its known
 * answers are in the tests):
 *
 * <ul>
 *   <li>retained PSK = HKDF-Expand-Label(HKDF-Extract(0, configured PSK), "HostNQN", host NQN,
 *       length of the configured PSK)
 *   <li>TLS PSK = HKDF-Expand-Label(HKDF-Extract(0, retained PSK), "nvme-tls-psk", context, hash
 *       length), the context being the whole identity for a version 0 identity, and "hh digest" for
 *       version 1
 *   <li>PSK digest (version 1) = base64(HMAC(retained PSK, host NQN " " subsystem NQN "
 *       NVMe-over-Fabrics"))
 * </ul>
 *
 * Runs once per handshake, not per I/O.
 */
public final class PskDerivation {
  private PskDerivation() {}

  public static byte[] retained(PskHash transform, byte[] configured, String hostNqn) {
    byte[] prk = extract(transform, configured);
    try {
      return expandLabel(transform, prk, "HostNQN", utf8(hostNqn), configured.length);
    } finally {
      Arrays.fill(prk, (byte) 0);
    }
  }

  /** The TLS PSK both sides feed to TLS 1.3 for this identity. */
  public static byte[] tlsPsk(byte[] retained, PskIdentity identity) {
    PskHash h = identity.hash();
    byte[] context =
        identity.version() == 0
            ? utf8(identity.format())
            : utf8(String.format("%02d %s", h.id, identity.digest()));
    byte[] prk = extract(h, retained);
    try {
      return expandLabel(h, prk, "nvme-tls-psk", context, h.length);
    } finally {
      Arrays.fill(prk, (byte) 0);
    }
  }

  /** The PSK digest a version 1 identity ends with. */
  public static String digest(PskHash h, byte[] retained, String hostNqn, String subNqn) {
    byte[] mac = hmac(h, retained, utf8(hostNqn + " " + subNqn + " NVMe-over-Fabrics"));
    return Base64.getEncoder().encodeToString(mac);
  }

  static byte[] extract(PskHash h, byte[] ikm) {
    return hmac(h, new byte[h.length], ikm);
  }

  /** HKDF-Expand(prk, HkdfLabel{length, "tls13 " + label, context}, length). */
  static byte[] expandLabel(PskHash h, byte[] prk, String label, byte[] context, int length) {
    byte[] fullLabel = utf8("tls13 " + label);
    if (fullLabel.length > 255 || context.length > 255) {
      throw new IllegalArgumentException("HKDF label or context longer than 255 bytes");
    }
    byte[] info = new byte[2 + 1 + fullLabel.length + 1 + context.length];
    info[0] = (byte) (length >>> 8);
    info[1] = (byte) length;
    info[2] = (byte) fullLabel.length;
    System.arraycopy(fullLabel, 0, info, 3, fullLabel.length);
    info[3 + fullLabel.length] = (byte) context.length;
    System.arraycopy(context, 0, info, 4 + fullLabel.length, context.length);
    try {
      Mac mac = Mac.getInstance(h.hmac);
      mac.init(new SecretKeySpec(prk, h.hmac));
      byte[] out = new byte[length];
      byte[] t = new byte[0];
      int done = 0;
      for (int block = 1; done < length; block++) {
        mac.update(t);
        mac.update(info);
        mac.update((byte) block);
        t = mac.doFinal();
        int n = Math.min(t.length, length - done);
        System.arraycopy(t, 0, out, done, n);
        done += n;
      }
      Arrays.fill(t, (byte) 0);
      return out;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] hmac(PskHash h, byte[] key, byte[] data) {
    try {
      Mac mac = Mac.getInstance(h.hmac);
      mac.init(new SecretKeySpec(key, h.hmac));
      return mac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
