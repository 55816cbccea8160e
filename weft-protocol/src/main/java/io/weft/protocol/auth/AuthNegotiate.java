package io.weft.protocol.auth;

import io.netty.buffer.ByteBuf;
import java.util.List;

/**
 * AUTH_Negotiate (host to controller): the transaction identifier, the secure channel concatenation
 * request SC_C and the offered protocols, 8 + 64 bytes per descriptor. Linux sends one descriptor,
 * 72 bytes.
 */
public record AuthNegotiate(int transactionId, int scC, List<NegotiateDescriptor> descriptors)
    implements AuthMessage {
  static final int OFF_SC_C = 6;
  static final int OFF_NAPD = 7;
  static final int HEADER = 8;

  public AuthNegotiate {
    AuthMessages.checkTransactionId(transactionId);
    AuthMessages.checkByte("SC_C", scC);
    descriptors = List.copyOf(descriptors);
    if (descriptors.isEmpty() || descriptors.size() > 0xFF) {
      throw new IllegalArgumentException("1 to 255 protocol descriptors");
    }
  }

  /** A Negotiate as Linux 6.1 sends it: no concatenation, one descriptor. */
  public AuthNegotiate(int transactionId, NegotiateDescriptor descriptor) {
    this(transactionId, AuthProtocol.SC_C_NONE, List.of(descriptor));
  }

  @Override
  public AuthMessageType type() {
    return AuthMessageType.NEGOTIATE;
  }

  @Override
  public int size() {
    return HEADER + NegotiateDescriptor.SIZE * descriptors.size();
  }

  @Override
  public void encode(ByteBuf out) {
    AuthMessages.writeHeader(out, AuthMessageType.NEGOTIATE, transactionId);
    out.writeByte(scC);
    out.writeByte(descriptors.size());
    for (NegotiateDescriptor d : descriptors) {
      d.encode(out);
    }
  }

  public static AuthNegotiate decode(ByteBuf buf, int offset, int length)
      throws InvalidAuthMessage {
    int tid = AuthMessages.header(buf, offset, length, AuthMessageType.NEGOTIATE, HEADER);
    int scC = buf.getUnsignedByte(offset + OFF_SC_C);
    int napd = buf.getUnsignedByte(offset + OFF_NAPD);
    if (napd == 0) {
      throw new InvalidAuthMessage(
          FailureReason.INCORRECT_PAYLOAD, OFF_NAPD, "no protocol descriptor (NAPD 0)");
    }
    AuthMessages.requireLength(
        length, HEADER + NegotiateDescriptor.SIZE * napd, OFF_NAPD, "NAPD " + napd);
    NegotiateDescriptor[] descriptors = new NegotiateDescriptor[napd];
    for (int i = 0; i < napd; i++) {
      int at = HEADER + NegotiateDescriptor.SIZE * i;
      descriptors[i] = NegotiateDescriptor.decode(buf, offset + at, at);
    }
    return new AuthNegotiate(tid, scC, List.of(descriptors));
  }
}
