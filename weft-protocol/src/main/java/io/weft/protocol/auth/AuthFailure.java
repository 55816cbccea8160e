package io.weft.protocol.auth;

import io.netty.buffer.ByteBuf;

/**
 * AUTH_Failure1 (controller to host) or AUTH_Failure2 (host to controller): reason code 01h
 * (authentication failure) and its explanation. 8 bytes, as Linux and SPDK send them.
 *
 * @param type {@link AuthMessageType#FAILURE1} or {@link AuthMessageType#FAILURE2}
 */
public record AuthFailure(AuthMessageType type, int transactionId, FailureReason explanation)
    implements AuthMessage {
  static final int OFF_RESCODE = 6;
  static final int OFF_RESCODE_EXP = 7;
  static final int SIZE = 8;

  public AuthFailure {
    if (type != AuthMessageType.FAILURE1 && type != AuthMessageType.FAILURE2) {
      throw new IllegalArgumentException(type + " is not a failure message");
    }
    AuthMessages.checkTransactionId(transactionId);
    if (explanation == null) {
      throw new IllegalArgumentException("a failure needs an explanation");
    }
  }

  /** A controller's Failure1. */
  public static AuthFailure fromController(int transactionId, FailureReason explanation) {
    return new AuthFailure(AuthMessageType.FAILURE1, transactionId, explanation);
  }

  /** A host's Failure2. */
  public static AuthFailure fromHost(int transactionId, FailureReason explanation) {
    return new AuthFailure(AuthMessageType.FAILURE2, transactionId, explanation);
  }

  @Override
  public int size() {
    return SIZE;
  }

  @Override
  public void encode(ByteBuf out) {
    AuthMessages.writeHeader(out, type, transactionId);
    out.writeByte(AuthProtocol.RESCODE_AUTHENTICATION_FAILURE);
    out.writeByte(explanation.code);
  }

  /** Either failure message; an unknown reason code or explanation is an incorrect payload. */
  public static AuthFailure decode(ByteBuf buf, int offset, int length) throws InvalidAuthMessage {
    AuthMessageType type = AuthMessages.peekType(buf, offset, length);
    if (type != AuthMessageType.FAILURE1 && type != AuthMessageType.FAILURE2) {
      throw new InvalidAuthMessage(
          FailureReason.INCORRECT_PROTOCOL_MESSAGE,
          AuthMessages.OFF_AUTH_TYPE,
          type + " where a failure message was expected");
    }
    int rescode = buf.getUnsignedByte(offset + OFF_RESCODE);
    if (rescode != AuthProtocol.RESCODE_AUTHENTICATION_FAILURE) {
      throw new InvalidAuthMessage(
          FailureReason.INCORRECT_PAYLOAD,
          OFF_RESCODE,
          String.format("unknown reason code %02xh", rescode));
    }
    int code = buf.getUnsignedByte(offset + OFF_RESCODE_EXP);
    FailureReason explanation = FailureReason.of(code);
    if (explanation == null) {
      throw new InvalidAuthMessage(
          FailureReason.INCORRECT_PAYLOAD,
          OFF_RESCODE_EXP,
          String.format("unknown reason code explanation %02xh", code));
    }
    return new AuthFailure(
        type, buf.getUnsignedShortLE(offset + AuthMessages.OFF_TID), explanation);
  }
}
