package io.weft.protocol.auth;

/**
 * The reason code explanations (RESCODE_EXP) of AUTH_Failure1 and AUTH_Failure2, all with reason
 * code 01h (authentication failure).
 */
public enum FailureReason {
  FAILED(0x01),
  PROTOCOL_NOT_USABLE(0x02),
  CONCATENATION_MISMATCH(0x03),
  HASH_NOT_USABLE(0x04),
  DH_GROUP_NOT_USABLE(0x05),
  INCORRECT_PAYLOAD(0x06),
  INCORRECT_PROTOCOL_MESSAGE(0x07);

  public final int code;

  FailureReason(int code) {
    this.code = code;
  }

  /** The explanation with this code, or null if there is none. */
  public static FailureReason of(int code) {
    for (FailureReason r : values()) {
      if (r.code == code) {
        return r;
      }
    }
    return null;
  }
}
