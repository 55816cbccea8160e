package io.weft.protocol.auth;

/**
 * Fixed numbers of NVMe in-band authentication (NVMe Base 8.13, TP8006) outside the messages
 * themselves: the Authentication Send/Receive command fields and the Connect response bits. The
 * values are those Linux 6.1 and SPDK put on the wire.
 */
public final class AuthProtocol {
  private AuthProtocol() {}

  /** Fabrics command type of Authentication Send (host to controller data). */
  public static final int FCTYPE_AUTH_SEND = 0x05;

  /** Fabrics command type of Authentication Receive (controller to host data). */
  public static final int FCTYPE_AUTH_RECEIVE = 0x06;

  /** SECP (SQE byte 43): the NVMe security protocol. */
  public static final int SECP_NVME = 0xE9;

  /** SPSP0 (SQE byte 41) and SPSP1 (byte 42) for authentication: both 01h. */
  public static final int SPSP0 = 0x01;

  public static final int SPSP1 = 0x01;

  /** SQE byte offsets of those fields and of TL/AL (LE32). */
  public static final int SQE_SPSP0 = 41;

  public static final int SQE_SPSP1 = 42;
  public static final int SQE_SECP = 43;
  public static final int SQE_TL_AL = 44;

  /**
   * Connect response DW0 bit 17, ATR: an authentication transaction is required on this queue. The
   * Linux 6.1 host tests only this bit on I/O queues, so a target must use it (not bit 16).
   */
  public static final int CONNECT_ATR = 1 << 17;

  /** Connect response DW0 bit 18, ASCR: secure channel concatenation required (not supported). */
  public static final int CONNECT_ASCR = 1 << 18;

  /** Protocol identifier in an AUTH_Negotiate descriptor: DH-HMAC-CHAP. */
  public static final int AUTHID_DHCHAP = 0x01;

  /** AUTH_Negotiate SC_C value meaning "no secure channel concatenation". */
  public static final int SC_C_NONE = 0x00;

  /** The only reason code of AUTH_Failure1/2: authentication failure. */
  public static final int RESCODE_AUTHENTICATION_FAILURE = 0x01;
}
