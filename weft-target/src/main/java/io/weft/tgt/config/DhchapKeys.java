package io.weft.tgt.config;

import io.weft.protocol.auth.DhchapSecret;

/**
 * The DH-HMAC-CHAP secrets of one host on one subsystem, as nvmet keeps them per allowed host.
 *
 * @param host the host's secret: with it set, the host must authenticate on every queue
 * @param controller the controller's secret, for hosts that ask the controller to authenticate
 *     itself too (bidirectional); null if the controller cannot
 */
public record DhchapKeys(DhchapSecret host, DhchapSecret controller) {
  public DhchapKeys {
    if (host == null) {
      throw new IllegalArgumentException("a host secret is required");
    }
  }

  /** Fingerprints only: secrets never reach a log or an API answer. */
  @Override
  public String toString() {
    return "DhchapKeys[host="
        + host.fingerprint()
        + ", controller="
        + (controller == null ? "none" : controller.fingerprint())
        + "]";
  }
}
