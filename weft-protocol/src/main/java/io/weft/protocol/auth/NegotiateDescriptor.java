package io.weft.protocol.auth;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;

/**
 * One 64-byte authentication protocol descriptor of an AUTH_Negotiate: DH-HMAC-CHAP (AUTHID 01h,
 * the only protocol) with the Hash IDs and DH Group IDs the host offers, at most 30 of each. The
 * IDs are kept as numbers: a host may offer IDs this side does not know, and the controller just
 * picks among those it does.
 */
public record NegotiateDescriptor(List<Integer> hashIds, List<Integer> dhGroupIds) {
  static final int SIZE = 64;
  static final int MAX_IDS = 30;
  static final int OFF_AUTHID = 0;
  static final int OFF_HALEN = 2;
  static final int OFF_DHLEN = 3;
  static final int OFF_HASH_IDS = 4;
  static final int OFF_DH_IDS = 34;

  public NegotiateDescriptor {
    hashIds = List.copyOf(hashIds);
    dhGroupIds = List.copyOf(dhGroupIds);
    if (hashIds.size() > MAX_IDS || dhGroupIds.size() > MAX_IDS) {
      throw new IllegalArgumentException("at most 30 hash and 30 DH group IDs");
    }
    for (int id : hashIds) {
      AuthMessages.checkByte("hash ID", id);
    }
    for (int id : dhGroupIds) {
      AuthMessages.checkByte("DH group ID", id);
    }
  }

  /** What Linux 6.1 offers: every hash and every group. */
  public static NegotiateDescriptor everything() {
    List<Integer> hashes = new ArrayList<>();
    for (DhchapHash h : DhchapHash.values()) {
      hashes.add(h.id);
    }
    List<Integer> groups = new ArrayList<>();
    for (DhGroup g : DhGroup.values()) {
      groups.add(g.id);
    }
    return new NegotiateDescriptor(hashes, groups);
  }

  void encode(ByteBuf out) {
    int start = out.writerIndex();
    out.writeByte(AuthProtocol.AUTHID_DHCHAP);
    out.writeByte(0);
    out.writeByte(hashIds.size());
    out.writeByte(dhGroupIds.size());
    for (int id : hashIds) {
      out.writeByte(id);
    }
    out.writeZero(MAX_IDS - hashIds.size());
    for (int id : dhGroupIds) {
      out.writeByte(id);
    }
    out.writeZero(start + SIZE - out.writerIndex());
  }

  /**
   * @param at the descriptor's offset in its message, for refusals
   */
  static NegotiateDescriptor decode(ByteBuf buf, int offset, int at) throws InvalidAuthMessage {
    int authId = buf.getUnsignedByte(offset + OFF_AUTHID);
    if (authId != AuthProtocol.AUTHID_DHCHAP) {
      throw new InvalidAuthMessage(
          FailureReason.INCORRECT_PAYLOAD,
          at + OFF_AUTHID,
          String.format("unknown authentication protocol %02xh", authId));
    }
    int halen = buf.getUnsignedByte(offset + OFF_HALEN);
    int dhlen = buf.getUnsignedByte(offset + OFF_DHLEN);
    if (halen > MAX_IDS) {
      throw new InvalidAuthMessage(
          FailureReason.INCORRECT_PAYLOAD, at + OFF_HALEN, "HALEN " + halen + " above 30");
    }
    if (dhlen > MAX_IDS) {
      throw new InvalidAuthMessage(
          FailureReason.INCORRECT_PAYLOAD, at + OFF_DHLEN, "DHLEN " + dhlen + " above 30");
    }
    List<Integer> hashes = new ArrayList<>(halen);
    for (int i = 0; i < halen; i++) {
      hashes.add((int) buf.getUnsignedByte(offset + OFF_HASH_IDS + i));
    }
    List<Integer> groups = new ArrayList<>(dhlen);
    for (int i = 0; i < dhlen; i++) {
      groups.add((int) buf.getUnsignedByte(offset + OFF_DH_IDS + i));
    }
    return new NegotiateDescriptor(hashes, groups);
  }
}
