package io.weft.protocol.tls;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.zip.CRC32;

/**
 * A configured PSK in the NVMe TLS PSK interchange format (NVMe/TCP 3.6.1.5), what {@code nvme
 * gen-tls-key} prints: {@code NVMeTLSkey-1:hh:<base64 of key || CRC-32 of key, little-endian>:}.
 * {@code hh} says how the retained PSK is made from it: 00 as is, 01 HKDF with SHA-256, 02 with
 * SHA-384. The key is 32 or 48 bytes (01 wants 32, 02 wants 48).
 *
 * <p>{@link #toString} shows only a fingerprint: a key never reaches a log.
 *
 * @param transform the hash that turns this key into a retained PSK, or null for none (hh 00)
 * @param hash the hash of the PSK (and of its identity and cipher suite)
 */
public record ConfiguredPsk(PskHash transform, PskHash hash, byte[] key) {
  private static final String PREFIX = "NVMeTLSkey-1:";

  public ConfiguredPsk {
    key = key.clone();
    if (transform != null && transform.length != key.length) {
      throw new IllegalArgumentException(
          "a key with hash "
              + String.format("%02d", transform.id)
              + " is "
              + transform.length
              + " bytes, not "
              + key.length);
    }
  }

  /** A key used with a given transform (null = as is). */
  public static ConfiguredPsk of(PskHash transform, byte[] key) {
    return new ConfiguredPsk(
        transform, transform != null ? transform : PskHash.ofLength(key.length), key);
  }

  /** Parses the interchange format; a wrong prefix, hash, length or CRC is refused with why. */
  public static ConfiguredPsk parse(String text) {
    String s = text.strip();
    if (!s.startsWith(PREFIX) || !s.endsWith(":") || s.length() < PREFIX.length() + 5) {
      throw new IllegalArgumentException("not a TLS PSK: expected NVMeTLSkey-1:hh:<base64>:");
    }
    String rest = s.substring(PREFIX.length(), s.length() - 1);
    int colon = rest.indexOf(':');
    if (colon != 2) {
      throw new IllegalArgumentException("TLS PSK: expected two hex digits after NVMeTLSkey-1:");
    }
    int hh;
    try {
      hh = Integer.parseInt(rest.substring(0, 2), 16);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("TLS PSK: bad hash field '" + rest.substring(0, 2) + "'");
    }
    byte[] raw;
    try {
      raw = Base64.getDecoder().decode(rest.substring(3));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("TLS PSK: the key is not base64");
    }
    try {
      if (raw.length != 36 && raw.length != 52) {
        throw new IllegalArgumentException(
            "TLS PSK: the key is 32 or 48 bytes plus a CRC, not " + raw.length + " bytes");
      }
      int n = raw.length - 4;
      byte[] key = Arrays.copyOf(raw, n);
      long crc = crc32(key);
      long stored =
          (raw[n] & 0xFFL)
              | (raw[n + 1] & 0xFFL) << 8
              | (raw[n + 2] & 0xFFL) << 16
              | (raw[n + 3] & 0xFFL) << 24;
      if (crc != stored) {
        Arrays.fill(key, (byte) 0);
        throw new IllegalArgumentException("TLS PSK: CRC mismatch (the key is damaged)");
      }
      try {
        return of(hh == 0 ? null : PskHash.ofId(hh), key);
      } finally {
        Arrays.fill(key, (byte) 0);
      }
    } finally {
      Arrays.fill(raw, (byte) 0);
    }
  }

  /** The interchange format of this key. */
  public String format() {
    byte[] raw = Arrays.copyOf(key, key.length + 4);
    long crc = crc32(key);
    for (int i = 0; i < 4; i++) {
      raw[key.length + i] = (byte) (crc >>> (8 * i));
    }
    String text =
        PREFIX
            + String.format("%02x", transform == null ? 0 : transform.id)
            + ":"
            + Base64.getEncoder().encodeToString(raw)
            + ":";
    Arrays.fill(raw, (byte) 0);
    return text;
  }

  @Override
  public byte[] key() {
    return key.clone();
  }

  /** The retained PSK this key gives for a host (NVMe/TCP 3.6.1.3). */
  public byte[] retained(String hostNqn) {
    return transform == null ? key.clone() : PskDerivation.retained(transform, key, hostNqn);
  }

  /** A short, non-secret name of this key for logs and listings: SHA-256 of it, 8 bytes, hex. */
  public String fingerprint() {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(key);
      return HexFormat.of().formatHex(d, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ConfiguredPsk p
        && p.transform == transform
        && p.hash == hash
        && MessageDigest.isEqual(p.key, key);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(key);
  }

  @Override
  public String toString() {
    return "TLS PSK " + fingerprint();
  }

  private static long crc32(byte[] b) {
    CRC32 c = new CRC32();
    c.update(b);
    return c.getValue();
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
