package io.weft.protocol.auth;

import io.netty.buffer.ByteBuf;

/**
 * One NVMe in-band authentication message, the data of an Authentication Send or Receive. Every
 * message starts with auth_type, auth_id, two reserved bytes and the transaction identifier T_ID
 * (LE16); all multi-byte fields are little-endian.
 *
 * <p>Decoders take the transferred length and ignore bytes past the message: a controller returns a
 * whole Authentication Receive buffer (AL bytes), zero padded, as Linux does.
 */
public sealed interface AuthMessage
    permits AuthNegotiate,
        DhchapChallenge,
        DhchapReply,
        DhchapSuccess1,
        DhchapSuccess2,
        AuthFailure {

  AuthMessageType type();

  /** T_ID: chosen by the host in the Negotiate and echoed by every later message. */
  int transactionId();

  /** The encoded length in bytes (TL of an Authentication Send). */
  int size();

  /** Writes the message at the writer index. */
  void encode(ByteBuf out);

  /**
   * Decodes whichever message the data holds.
   *
   * @throws InvalidAuthMessage with {@link FailureReason#INCORRECT_PROTOCOL_MESSAGE} for a type
   *     that is not a message, or the explanation a malformed message is answered with
   */
  static AuthMessage decode(ByteBuf buf, int offset, int length) throws InvalidAuthMessage {
    AuthMessageType type = AuthMessages.peekType(buf, offset, length);
    return switch (type) {
      case NEGOTIATE -> AuthNegotiate.decode(buf, offset, length);
      case CHALLENGE -> DhchapChallenge.decode(buf, offset, length);
      case REPLY -> DhchapReply.decode(buf, offset, length);
      case SUCCESS1 -> DhchapSuccess1.decode(buf, offset, length);
      case SUCCESS2 -> DhchapSuccess2.decode(buf, offset, length);
      case FAILURE1, FAILURE2 -> AuthFailure.decode(buf, offset, length);
    };
  }
}
