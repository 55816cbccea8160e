package io.weft.protocol.tcp;

/**
 * Fatal error status (FES) values carried by H2CTermReq and C2HTermReq (NVMe/TCP Transport 1.0,
 * "H2CTermReq/C2HTermReq").
 */
public final class FatalErrorStatus {
  private FatalErrorStatus() {}

  public static final int INVALID_HEADER_FIELD = 0x01;
  public static final int PDU_SEQUENCE_ERROR = 0x02;
  public static final int HEADER_DIGEST_ERROR = 0x03;
  public static final int DATA_TRANSFER_OUT_OF_RANGE = 0x04;
  public static final int DATA_TRANSFER_LIMIT_EXCEEDED = 0x05;
  public static final int UNSUPPORTED_PARAMETER = 0x06;

  public static String describe(int fes) {
    return switch (fes) {
      case INVALID_HEADER_FIELD -> "invalid PDU header field";
      case PDU_SEQUENCE_ERROR -> "PDU sequence error";
      case HEADER_DIGEST_ERROR -> "header digest error";
      case DATA_TRANSFER_OUT_OF_RANGE -> "data transfer out of range";
      case DATA_TRANSFER_LIMIT_EXCEEDED -> "data transfer limit exceeded";
      case UNSUPPORTED_PARAMETER -> "unsupported parameter";
      default -> "fatal error status 0x" + Integer.toHexString(fes);
    };
  }
}
