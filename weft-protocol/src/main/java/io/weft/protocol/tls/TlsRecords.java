package io.weft.protocol.tls;

/**
 * The TLS record framing both phases of a connection share (RFC 8446 §5.1): a 5-byte header of
 * content type, legacy version 0x0303 and length, then at most 2^14 + 256 bytes.
 */
final class TlsRecords {
  static final int HEADER = 5;

  /** The most plaintext one record carries. */
  static final int MAX_PLAINTEXT = 1 << 14;

  /** The longest record body a peer may send (ciphertext with type byte, padding and tag). */
  static final int MAX_BODY = MAX_PLAINTEXT + 256;

  /** What sealing adds to the plaintext: the header, the inner content type and the tag. */
  static final int OVERHEAD = HEADER + 1 + TrafficProtection.TAG;

  static final int LEGACY_VERSION = 0x0303;

  private TlsRecords() {}

  static void writeHeader(byte[] a, int at, int type, int bodyLength) {
    a[at] = (byte) type;
    a[at + 1] = (byte) (LEGACY_VERSION >>> 8);
    a[at + 2] = (byte) LEGACY_VERSION;
    a[at + 3] = (byte) (bodyLength >>> 8);
    a[at + 4] = (byte) bodyLength;
  }
}
