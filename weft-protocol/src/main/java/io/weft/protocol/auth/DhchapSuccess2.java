package io.weft.protocol.auth;

import io.netty.buffer.ByteBuf;

/**
 * DH-HMAC-CHAP_Success2 (host to controller): the host accepted the controller's response; sent
 * only in bidirectional authentication. 16 bytes.
 */
public record DhchapSuccess2(int transactionId) implements AuthMessage {
  static final int SIZE = 16;

  public DhchapSuccess2 {
    AuthMessages.checkTransactionId(transactionId);
  }

  @Override
  public AuthMessageType type() {
    return AuthMessageType.SUCCESS2;
  }

  @Override
  public int size() {
    return SIZE;
  }

  @Override
  public void encode(ByteBuf out) {
    AuthMessages.writeHeader(out, AuthMessageType.SUCCESS2, transactionId);
    out.writeZero(SIZE - 6);
  }

  public static DhchapSuccess2 decode(ByteBuf buf, int offset, int length)
      throws InvalidAuthMessage {
    return new DhchapSuccess2(
        AuthMessages.header(buf, offset, length, AuthMessageType.SUCCESS2, SIZE));
  }
}
