package io.weft.protocol.auth;

import io.netty.buffer.ByteBuf;

/** The header and bounds checks every message decoder shares. */
final class AuthMessages {
  private AuthMessages() {}

  static final int OFF_AUTH_TYPE = 0;
  static final int OFF_AUTH_ID = 1;
  static final int OFF_TID = 4;

  /** The type in bytes 0 and 1; the data must at least hold the 8-byte common header. */
  static AuthMessageType peekType(ByteBuf buf, int offset, int length) throws InvalidAuthMessage {
    requireLength(length, 8, 0, "authentication message");
    AuthMessageType type =
        AuthMessageType.of(
            buf.getUnsignedByte(offset + OFF_AUTH_TYPE), buf.getUnsignedByte(offset + OFF_AUTH_ID));
    if (type == null) {
      throw new InvalidAuthMessage(
          FailureReason.INCORRECT_PROTOCOL_MESSAGE,
          OFF_AUTH_TYPE,
          String.format(
              "unknown message auth_type %02xh auth_id %02xh",
              buf.getUnsignedByte(offset + OFF_AUTH_TYPE),
              buf.getUnsignedByte(offset + OFF_AUTH_ID)));
    }
    return type;
  }

  /** Checks the type and that the fixed part of the message is there; returns T_ID. */
  static int header(ByteBuf buf, int offset, int length, AuthMessageType expected, int fixedLength)
      throws InvalidAuthMessage {
    AuthMessageType type = peekType(buf, offset, length);
    if (type != expected) {
      throw new InvalidAuthMessage(
          FailureReason.INCORRECT_PROTOCOL_MESSAGE,
          OFF_AUTH_TYPE,
          type + " where " + expected + " was expected");
    }
    requireLength(length, fixedLength, length, expected.toString());
    return buf.getUnsignedShortLE(offset + OFF_TID);
  }

  static void requireLength(int length, int needed, int at, String what) throws InvalidAuthMessage {
    if (length < needed) {
      throw new InvalidAuthMessage(
          FailureReason.INCORRECT_PAYLOAD,
          at,
          what + " needs " + needed + " bytes, only " + length + " given");
    }
  }

  static void writeHeader(ByteBuf out, AuthMessageType type, int transactionId) {
    out.writeByte(type.authType);
    out.writeByte(type.authId);
    out.writeShortLE(0);
    out.writeShortLE(transactionId);
  }

  static void checkTransactionId(int transactionId) {
    if (transactionId < 0 || transactionId > 0xFFFF) {
      throw new IllegalArgumentException("T_ID is 16 bits: " + transactionId);
    }
  }

  static void checkByte(String name, int value) {
    if (value < 0 || value > 0xFF) {
      throw new IllegalArgumentException(name + " is one byte: " + value);
    }
  }

  static byte[] bytes(ByteBuf buf, int at, int length) {
    byte[] b = new byte[length];
    buf.getBytes(at, b);
    return b;
  }

  static boolean isHashLength(int hl) {
    return DhchapHash.ofLength(hl) != null;
  }
}
