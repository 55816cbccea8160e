package io.weft.protocol.tcp;

/**
 * NVMe/TCP PDU types (NVMe/TCP Transport 1.0, "PDU Header Format") with the exact header length
 * (HLEN) each one has, and the flags each may carry.
 */
public enum PduType {
  IC_REQ(0x00, 128, 0),
  IC_RESP(0x01, 128, 0),
  H2C_TERM_REQ(0x02, 24, 0),
  C2H_TERM_REQ(0x03, 24, 0),
  CAPSULE_CMD(0x04, 72, Pdu.FLAG_HDGSTF | Pdu.FLAG_DDGSTF),
  CAPSULE_RESP(0x05, 24, Pdu.FLAG_HDGSTF),
  H2C_DATA(0x06, 24, Pdu.FLAG_HDGSTF | Pdu.FLAG_DDGSTF | Pdu.FLAG_LAST_PDU),
  C2H_DATA(0x07, 24, Pdu.FLAG_HDGSTF | Pdu.FLAG_DDGSTF | Pdu.FLAG_LAST_PDU | Pdu.FLAG_SUCCESS),
  R2T(0x09, 24, Pdu.FLAG_HDGSTF);

  private static final PduType[] BY_CODE = new PduType[256];

  static {
    for (PduType t : values()) {
      if (BY_CODE[t.code] != null) {
        throw new IllegalStateException("duplicate PDU type code " + t.code);
      }
      BY_CODE[t.code] = t;
    }
  }

  public final int code;
  public final int headerLength;
  public final int allowedFlags;

  PduType(int code, int headerLength, int allowedFlags) {
    this.code = code;
    this.headerLength = headerLength;
    this.allowedFlags = allowedFlags;
  }

  /** The type for a wire code, or null for a code NVMe/TCP does not define. */
  public static PduType of(int code) {
    return BY_CODE[code & 0xFF];
  }

  /** Whether a PDU of this type may carry a header digest once digests are negotiated. */
  public boolean hasHeaderDigest() {
    return (allowedFlags & Pdu.FLAG_HDGSTF) != 0;
  }

  /** Whether this type may carry data (and so a data digest). */
  public boolean carriesData() {
    return (allowedFlags & Pdu.FLAG_DDGSTF) != 0;
  }
}
