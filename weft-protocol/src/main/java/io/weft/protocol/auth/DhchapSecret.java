package io.weft.protocol.auth;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.zip.CRC32;

/**
 * A DH-HMAC-CHAP secret in its text form {@code DHHC-1:xx:<base64 of key || CRC-32>:}, as nvme-cli
 * prints and Linux reads. {@code xx} names the hash that transforms the key before use (00 = none).
 * The key is 32, 48 or 64 bytes; the CRC-32 (IEEE, as zlib) of the key follows it little-endian.
 *
 * <p>Any key length is taken with any transform hash, as the spec's own example and Linux since 6.7
 * allow (Linux 6.1 wanted the key length to equal the hash length). The key never appears in {@link
 * #toString()}; logs should use {@link #fingerprint()}.
 */
public final class DhchapSecret {
  static final String PREFIX = "DHHC-1:";
  private static final byte[] TRANSFORM_SUFFIX =
      "NVMe-over-Fabrics".getBytes(StandardCharsets.US_ASCII);

  private final DhchapHash transform;
  private final byte[] key;

  /**
   * A secret from its key bytes.
   *
   * @param transform the hash that transforms the key, or null for none ({@code xx} = 00)
   */
  public DhchapSecret(DhchapHash transform, byte[] key) {
    if (key.length != 32 && key.length != 48 && key.length != 64) {
      throw new IllegalArgumentException(
          "DH-HMAC-CHAP key must be 32, 48 or 64 bytes, not " + key.length);
    }
    this.transform = transform;
    this.key = key.clone();
  }

  /** Reads {@code DHHC-1:xx:<base64>:}; the final colon may be left out, as Linux allows. */
  public static DhchapSecret parse(String text) {
    if (!text.startsWith(PREFIX)) {
      throw new IllegalArgumentException("DH-HMAC-CHAP secret must start with " + PREFIX);
    }
    if (text.length() < PREFIX.length() + 3 || text.charAt(PREFIX.length() + 2) != ':') {
      throw new IllegalArgumentException(
          "DH-HMAC-CHAP secret needs two digits and a colon after " + PREFIX);
    }
    String xx = text.substring(PREFIX.length(), PREFIX.length() + 2);
    DhchapHash transform;
    switch (xx) {
      case "00" -> transform = null;
      case "01", "02", "03" -> transform = DhchapHash.of(xx.charAt(1) - '0');
      default ->
          throw new IllegalArgumentException(
              "DH-HMAC-CHAP secret transform must be 00, 01, 02 or 03, not " + xx);
    }
    String encoded = text.substring(PREFIX.length() + 3);
    if (encoded.endsWith(":")) {
      encoded = encoded.substring(0, encoded.length() - 1);
    }
    byte[] decoded;
    try {
      decoded = Base64.getDecoder().decode(encoded);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("DH-HMAC-CHAP secret is not valid base64", e);
    }
    int keyLength = decoded.length - 4;
    if (keyLength != 32 && keyLength != 48 && keyLength != 64) {
      throw new IllegalArgumentException(
          "DH-HMAC-CHAP secret must hold a 32, 48 or 64 byte key and a 4 byte CRC, not "
              + decoded.length
              + " bytes");
    }
    byte[] key = Arrays.copyOf(decoded, keyLength);
    int stored =
        (decoded[keyLength] & 0xFF)
            | (decoded[keyLength + 1] & 0xFF) << 8
            | (decoded[keyLength + 2] & 0xFF) << 16
            | (decoded[keyLength + 3] & 0xFF) << 24;
    if (stored != crc32(key)) {
      throw new IllegalArgumentException("DH-HMAC-CHAP secret CRC does not match its key");
    }
    return new DhchapSecret(transform, key);
  }

  /** The text form, {@code DHHC-1:xx:<base64>:}, which contains the key. */
  public String format() {
    byte[] withCrc = Arrays.copyOf(key, key.length + 4);
    int crc = crc32(key);
    for (int i = 0; i < 4; i++) {
      withCrc[key.length + i] = (byte) (crc >>> (8 * i));
    }
    String xx = transform == null ? "00" : "0" + transform.id;
    return PREFIX + xx + ":" + Base64.getEncoder().encodeToString(withCrc) + ":";
  }

  /** The transform hash, or null when the key is used as it is. */
  public DhchapHash transform() {
    return transform;
  }

  /** A copy of the key as stored in the text (before any transform). */
  public byte[] key() {
    return key.clone();
  }

  /**
   * The key used as the HMAC key of a response: HMAC with the transform hash over the NQN and
   * "NVMe-over-Fabrics", or the key itself when there is no transform. The host secret is
   * transformed with the host NQN, the controller secret with the subsystem NQN.
   */
  public byte[] transformedKey(String nqn) {
    if (transform == null) {
      return key.clone();
    }
    return transform.hmac(key, nqn.getBytes(StandardCharsets.UTF_8), TRANSFORM_SUFFIX);
  }

  /**
   * A short identifier safe to log: the first 8 bytes of SHA-256 over the key, in hex. Two secrets
   * with the same key have the same fingerprint; the key cannot be recovered from it.
   */
  public String fingerprint() {
    return HexFormat.of().formatHex(DhchapHash.SHA_256.digest(key), 0, 8);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DhchapSecret s && s.transform == transform && Arrays.equals(s.key, key);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(key) * 31 + (transform == null ? 0 : transform.id);
  }

  @Override
  public String toString() {
    return "DhchapSecret[transform="
        + (transform == null ? "none" : transform)
        + ", length="
        + key.length
        + ", fingerprint="
        + fingerprint()
        + "]";
  }

  private static int crc32(byte[] data) {
    CRC32 crc = new CRC32();
    crc.update(data);
    return (int) crc.getValue();
  }
}
