package io.weft.protocol.auth;

import io.netty.buffer.ByteBuf;

/**
 * DH-HMAC-CHAP_Challenge (controller to host): the chosen hash and DH group, sequence number S1,
 * challenge C1 (HL bytes) and the controller's DH public value (DHVLEN bytes, the group's modulus
 * size; none for the null group). 16 + HL + DHVLEN bytes.
 */
public record DhchapChallenge(
    int transactionId, DhchapHash hash, DhGroup group, int seqnum, byte[] challenge, byte[] dhValue)
    implements AuthMessage {
  static final int OFF_HL = 6;
  static final int OFF_HASHID = 8;
  static final int OFF_DHGID = 9;
  static final int OFF_DHVLEN = 10;
  static final int OFF_SEQNUM = 12;
  static final int HEADER = 16;

  public DhchapChallenge {
    AuthMessages.checkTransactionId(transactionId);
    if (challenge.length != hash.length) {
      throw new IllegalArgumentException("challenge must be " + hash.length + " bytes");
    }
    if (dhValue.length != group.valueLength) {
      throw new IllegalArgumentException(
          group + " DH value must be " + group.valueLength + " bytes");
    }
    challenge = challenge.clone();
    dhValue = dhValue.clone();
  }

  @Override
  public byte[] challenge() {
    return challenge.clone();
  }

  @Override
  public byte[] dhValue() {
    return dhValue.clone();
  }

  @Override
  public AuthMessageType type() {
    return AuthMessageType.CHALLENGE;
  }

  @Override
  public int size() {
    return HEADER + challenge.length + dhValue.length;
  }

  @Override
  public void encode(ByteBuf out) {
    AuthMessages.writeHeader(out, AuthMessageType.CHALLENGE, transactionId);
    out.writeByte(hash.length);
    out.writeByte(0);
    out.writeByte(hash.id);
    out.writeByte(group.id);
    out.writeShortLE(dhValue.length);
    out.writeIntLE(seqnum);
    out.writeBytes(challenge);
    out.writeBytes(dhValue);
  }

  /**
   * Refuses, with the explanation the Linux host sends in its Failure2: an unknown hash or an HL
   * that is not its length (hash not usable), an unknown group or a DH group without a value (DH
   * group not usable), a value with the null group, a value not of the group's size, or a message
   * shorter than its fields (incorrect payload).
   */
  public static DhchapChallenge decode(ByteBuf buf, int offset, int length)
      throws InvalidAuthMessage {
    int tid = AuthMessages.header(buf, offset, length, AuthMessageType.CHALLENGE, HEADER);
    int hl = buf.getUnsignedByte(offset + OFF_HL);
    int hashId = buf.getUnsignedByte(offset + OFF_HASHID);
    DhchapHash hash = DhchapHash.of(hashId);
    if (hash == null) {
      throw new InvalidAuthMessage(
          FailureReason.HASH_NOT_USABLE, OFF_HASHID, String.format("unknown hash %02xh", hashId));
    }
    if (hl != hash.length) {
      throw new InvalidAuthMessage(
          FailureReason.HASH_NOT_USABLE, OFF_HL, "HL " + hl + " for " + hash);
    }
    int dhgId = buf.getUnsignedByte(offset + OFF_DHGID);
    DhGroup group = DhGroup.of(dhgId);
    if (group == null) {
      throw new InvalidAuthMessage(
          FailureReason.DH_GROUP_NOT_USABLE,
          OFF_DHGID,
          String.format("unknown DH group %02xh", dhgId));
    }
    int dhvlen = buf.getUnsignedShortLE(offset + OFF_DHVLEN);
    if (group == DhGroup.NULL && dhvlen != 0) {
      throw new InvalidAuthMessage(
          FailureReason.INCORRECT_PAYLOAD, OFF_DHVLEN, "DH value with the null group");
    }
    if (group != DhGroup.NULL && dhvlen == 0) {
      throw new InvalidAuthMessage(
          FailureReason.DH_GROUP_NOT_USABLE, OFF_DHVLEN, group + " without a DH value");
    }
    if (dhvlen != group.valueLength) {
      throw new InvalidAuthMessage(
          FailureReason.INCORRECT_PAYLOAD,
          OFF_DHVLEN,
          "DHVLEN " + dhvlen + ", " + group + " values are " + group.valueLength);
    }
    AuthMessages.requireLength(length, HEADER + hl + dhvlen, OFF_DHVLEN, "Challenge");
    return new DhchapChallenge(
        tid,
        hash,
        group,
        buf.getIntLE(offset + OFF_SEQNUM),
        AuthMessages.bytes(buf, offset + HEADER, hl),
        AuthMessages.bytes(buf, offset + HEADER + hl, dhvlen));
  }
}
