package io.weft.protocol.auth;

import io.netty.buffer.ByteBuf;

/**
 * DH-HMAC-CHAP_Success1 (controller to host): the host is authenticated; with RVALID the
 * controller's response R2 follows. HL is always the negotiated hash length (the Linux host refuses
 * another even without R2). 16 bytes, + HL with R2.
 *
 * @param response R2, or null (RVALID 0)
 */
public record DhchapSuccess1(int transactionId, int hashLength, byte[] response)
    implements AuthMessage {
  static final int OFF_HL = 6;
  static final int OFF_RVALID = 8;
  static final int HEADER = 16;

  public DhchapSuccess1 {
    AuthMessages.checkTransactionId(transactionId);
    if (!AuthMessages.isHashLength(hashLength)) {
      throw new IllegalArgumentException("HL must be 32, 48 or 64");
    }
    if (response != null && response.length != hashLength) {
      throw new IllegalArgumentException("response must be HL bytes");
    }
    response = response == null ? null : response.clone();
  }

  @Override
  public byte[] response() {
    return response == null ? null : response.clone();
  }

  @Override
  public AuthMessageType type() {
    return AuthMessageType.SUCCESS1;
  }

  @Override
  public int size() {
    return HEADER + (response == null ? 0 : hashLength);
  }

  @Override
  public void encode(ByteBuf out) {
    AuthMessages.writeHeader(out, AuthMessageType.SUCCESS1, transactionId);
    out.writeByte(hashLength);
    out.writeByte(0);
    out.writeByte(response == null ? 0 : 1);
    out.writeZero(7);
    if (response != null) {
      out.writeBytes(response);
    }
  }

  public static DhchapSuccess1 decode(ByteBuf buf, int offset, int length)
      throws InvalidAuthMessage {
    int tid = AuthMessages.header(buf, offset, length, AuthMessageType.SUCCESS1, HEADER);
    int hl = buf.getUnsignedByte(offset + OFF_HL);
    if (!AuthMessages.isHashLength(hl)) {
      throw new InvalidAuthMessage(
          FailureReason.HASH_NOT_USABLE, OFF_HL, "HL " + hl + " is no hash length");
    }
    int rvalid = buf.getUnsignedByte(offset + OFF_RVALID);
    if (rvalid > 1) {
      throw new InvalidAuthMessage(FailureReason.INCORRECT_PAYLOAD, OFF_RVALID, "RVALID " + rvalid);
    }
    byte[] response = null;
    if (rvalid == 1) {
      AuthMessages.requireLength(length, HEADER + hl, OFF_HL, "Success1 with a response");
      response = AuthMessages.bytes(buf, offset + HEADER, hl);
    }
    return new DhchapSuccess1(tid, hl, response);
  }
}
