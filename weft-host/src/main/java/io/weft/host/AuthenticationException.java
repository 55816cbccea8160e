package io.weft.host;

import io.weft.protocol.auth.FailureReason;
import java.io.IOException;

/**
 * DH-HMAC-CHAP did not succeed on a queue: the controller refused the host (its key, or what it
 * offered), the host refused the controller (a wrong controller response), or one side broke the
 * protocol. The connection is closed.
 */
public final class AuthenticationException extends IOException {
  /** Who ended the exchange. */
  public enum Side {
    /** The controller sent AUTH_Failure1. */
    CONTROLLER,
    /** This host refused (and sent AUTH_Failure2 where the protocol has one). */
    HOST
  }

  private final Side refusedBy;
  private final FailureReason reason;

  public AuthenticationException(Side refusedBy, FailureReason reason, String message) {
    super(message);
    this.refusedBy = refusedBy;
    this.reason = reason;
  }

  public Side refusedBy() {
    return refusedBy;
  }

  public FailureReason reason() {
    return reason;
  }
}
