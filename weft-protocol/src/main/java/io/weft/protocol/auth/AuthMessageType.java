package io.weft.protocol.auth;

/** The authentication messages by their (auth_type, auth_id) pair, message bytes 0 and 1. */
public enum AuthMessageType {
  NEGOTIATE(0x00, 0x00),
  CHALLENGE(0x01, 0x01),
  REPLY(0x01, 0x02),
  SUCCESS1(0x01, 0x03),
  SUCCESS2(0x01, 0x04),
  FAILURE2(0x00, 0xF0),
  FAILURE1(0x00, 0xF1);

  /** 00h = common authentication message, 01h = DH-HMAC-CHAP message. */
  public final int authType;

  public final int authId;

  AuthMessageType(int authType, int authId) {
    this.authType = authType;
    this.authId = authId;
  }

  /** The type with these two bytes, or null if there is none. */
  public static AuthMessageType of(int authType, int authId) {
    for (AuthMessageType t : values()) {
      if (t.authType == authType && t.authId == authId) {
        return t;
      }
    }
    return null;
  }
}
