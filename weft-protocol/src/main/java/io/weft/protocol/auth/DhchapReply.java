package io.weft.protocol.auth;

import io.netty.buffer.ByteBuf;

/**
 * DH-HMAC-CHAP_Reply (host to controller): the host response R1, the controller challenge C2 with
 * its sequence number S2 when the host wants the controller authenticated too (CVALID), and the
 * host's DH public value. 16 + 2·HL + DHVLEN bytes: the C2 field is always there, zeros when CVALID
 * is 0 (Linux and SPDK both send it).
 *
 * @param controllerChallenge C2, or null for unidirectional authentication (CVALID 0)
 * @param seqnum S2; Linux sends 0 with CVALID 0
 */
public record DhchapReply(
    int transactionId, byte[] response, byte[] controllerChallenge, int seqnum, byte[] dhValue)
    implements AuthMessage {
  static final int OFF_HL = 6;
  static final int OFF_CVALID = 8;
  static final int OFF_DHVLEN = 10;
  static final int OFF_SEQNUM = 12;
  static final int HEADER = 16;

  public DhchapReply {
    AuthMessages.checkTransactionId(transactionId);
    if (!AuthMessages.isHashLength(response.length)) {
      throw new IllegalArgumentException("response must be 32, 48 or 64 bytes");
    }
    if (controllerChallenge != null && controllerChallenge.length != response.length) {
      throw new IllegalArgumentException("challenge and response lengths differ");
    }
    if (dhValue.length > 0xFFFF) {
      throw new IllegalArgumentException("DH value too long");
    }
    response = response.clone();
    controllerChallenge = controllerChallenge == null ? null : controllerChallenge.clone();
    dhValue = dhValue.clone();
  }

  @Override
  public byte[] response() {
    return response.clone();
  }

  @Override
  public byte[] controllerChallenge() {
    return controllerChallenge == null ? null : controllerChallenge.clone();
  }

  @Override
  public byte[] dhValue() {
    return dhValue.clone();
  }

  /** CVALID: the host asks the controller to authenticate itself. */
  public boolean bidirectional() {
    return controllerChallenge != null;
  }

  @Override
  public AuthMessageType type() {
    return AuthMessageType.REPLY;
  }

  @Override
  public int size() {
    return HEADER + 2 * response.length + dhValue.length;
  }

  @Override
  public void encode(ByteBuf out) {
    AuthMessages.writeHeader(out, AuthMessageType.REPLY, transactionId);
    out.writeByte(response.length);
    out.writeByte(0);
    out.writeByte(bidirectional() ? 1 : 0);
    out.writeByte(0);
    out.writeShortLE(dhValue.length);
    out.writeIntLE(seqnum);
    out.writeBytes(response);
    if (controllerChallenge != null) {
      out.writeBytes(controllerChallenge);
    } else {
      out.writeZero(response.length);
    }
    out.writeBytes(dhValue);
  }

  /**
   * Checks the structure only; the receiver checks HL and DHVLEN against what it chose ({@link
   * #requireMatches}).
   */
  public static DhchapReply decode(ByteBuf buf, int offset, int length) throws InvalidAuthMessage {
    int tid = AuthMessages.header(buf, offset, length, AuthMessageType.REPLY, HEADER);
    int hl = buf.getUnsignedByte(offset + OFF_HL);
    if (!AuthMessages.isHashLength(hl)) {
      throw new InvalidAuthMessage(
          FailureReason.INCORRECT_PAYLOAD, OFF_HL, "HL " + hl + " is no hash length");
    }
    int cvalid = buf.getUnsignedByte(offset + OFF_CVALID);
    if (cvalid > 1) {
      throw new InvalidAuthMessage(FailureReason.INCORRECT_PAYLOAD, OFF_CVALID, "CVALID " + cvalid);
    }
    int dhvlen = buf.getUnsignedShortLE(offset + OFF_DHVLEN);
    AuthMessages.requireLength(length, HEADER + 2 * hl + dhvlen, OFF_DHVLEN, "Reply");
    return new DhchapReply(
        tid,
        AuthMessages.bytes(buf, offset + HEADER, hl),
        cvalid == 1 ? AuthMessages.bytes(buf, offset + HEADER + hl, hl) : null,
        buf.getIntLE(offset + OFF_SEQNUM),
        AuthMessages.bytes(buf, offset + HEADER + 2 * hl, dhvlen));
  }

  /**
   * Refuses a Reply that does not fit the Challenge it answers: another HL than the chosen hash's
   * (hash not usable), or a DH value that is missing, unexpected or not the group's size.
   */
  public void requireMatches(DhchapHash hash, DhGroup group) throws InvalidAuthMessage {
    if (response.length != hash.length) {
      throw new InvalidAuthMessage(
          FailureReason.HASH_NOT_USABLE, OFF_HL, "HL " + response.length + " for " + hash);
    }
    if (dhValue.length != group.valueLength) {
      throw new InvalidAuthMessage(
          FailureReason.INCORRECT_PAYLOAD,
          OFF_DHVLEN,
          "DHVLEN " + dhValue.length + ", " + group + " values are " + group.valueLength);
    }
  }
}
