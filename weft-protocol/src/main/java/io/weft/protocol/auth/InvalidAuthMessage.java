package io.weft.protocol.auth;

/**
 * An authentication message (or a value in it) that cannot be accepted: the failure explanation the
 * receiver answers with in AUTH_Failure1/AUTH_Failure2, and where in the message the problem is.
 */
public final class InvalidAuthMessage extends Exception {
  private final FailureReason explanation;
  private final int offset;

  public InvalidAuthMessage(FailureReason explanation, int offset, String message) {
    super(message + " (" + explanation + ", message byte " + offset + ")");
    this.explanation = explanation;
    this.offset = offset;
  }

  /** The reason code explanation to send in the failure message. */
  public FailureReason explanation() {
    return explanation;
  }

  /** The byte of the message the problem was found at. */
  public int offset() {
    return offset;
  }
}
