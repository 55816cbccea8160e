package io.weft.protocol.auth;

import java.nio.charset.StandardCharsets;

/**
 * The DH-HMAC-CHAP computations, byte for byte as the Linux kernel (host and target) and SPDK do
 * them: the augmented challenge and the host (R1) and controller (R2) responses.
 */
public final class DhchapResponses {
  private DhchapResponses() {}

  private static final byte[] HOST_HOST = ascii("HostHost");
  private static final byte[] CONTROLLER = ascii("Controller");
  private static final byte[] ZERO = {0};

  /**
   * The challenge as it enters a response. With a DH group, Ca = HMAC_H(key = H(Z), data = C), H
   * being the negotiated hash; with the null group (z null), the challenge itself.
   */
  public static byte[] augmentedChallenge(DhchapHash hash, byte[] challenge, byte[] z) {
    if (z == null) {
      return challenge.clone();
    }
    return hash.hmac(hash.digest(z), challenge);
  }

  /**
   * R1 = HMAC_H(Kh', Ca1 || S1 (LE32) || T_ID (LE16) || SC_C || "HostHost" || host NQN || 00h ||
   * subsystem NQN).
   *
   * @param hostKey the host secret transformed with the host NQN ({@link
   *     DhchapSecret#transformedKey})
   * @param scC the Negotiate's SC_C; always 00h here, since concatenation is not supported
   */
  public static byte[] hostResponse(
      DhchapHash hash,
      byte[] hostKey,
      byte[] augmentedChallenge,
      int seqnum,
      int transactionId,
      int scC,
      String hostNqn,
      String subsystemNqn) {
    return hash.hmac(
        hostKey,
        augmentedChallenge,
        le32(seqnum),
        le16(transactionId),
        new byte[] {(byte) scC},
        HOST_HOST,
        utf8(hostNqn),
        ZERO,
        utf8(subsystemNqn));
  }

  /**
   * R2 = HMAC_H(Kc', Ca2 || S2 (LE32) || T_ID (LE16) || 00h || "Controller" || subsystem NQN || 00h
   * || host NQN).
   *
   * @param controllerKey the controller secret transformed with the subsystem NQN
   */
  public static byte[] controllerResponse(
      DhchapHash hash,
      byte[] controllerKey,
      byte[] augmentedChallenge,
      int seqnum,
      int transactionId,
      String subsystemNqn,
      String hostNqn) {
    return hash.hmac(
        controllerKey,
        augmentedChallenge,
        le32(seqnum),
        le16(transactionId),
        ZERO,
        CONTROLLER,
        utf8(subsystemNqn),
        ZERO,
        utf8(hostNqn));
  }

  private static byte[] le32(int v) {
    return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
  }

  private static byte[] le16(int v) {
    return new byte[] {(byte) v, (byte) (v >>> 8)};
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  // NQNs are UTF-8 by the spec; the kernel hashes the string's bytes as they are.
  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
