package io.weft.protocol.nvme;

/**
 * NVMe completion status values (NVMe Base 2.0, Figure "Status Field" and the generic, command
 * specific and path related code tables).
 *
 * <p>A status is an {@code int} laid out like the CQE status field shifted right by one (the phase
 * bit dropped): bits 7:0 SC, bits 10:8 SCT, bits 12:11 CRD, bit 13 More, bit 14 DNR. Hot paths pass
 * these ints around; nothing here allocates.
 */
public final class Status {
  private Status() {}

  public static final int DNR = 0x4000;
  public static final int MORE = 0x2000;

  // Status code types.
  public static final int SCT_GENERIC = 0;
  public static final int SCT_COMMAND_SPECIFIC = 1;
  public static final int SCT_MEDIA = 2;
  public static final int SCT_PATH = 3;

  // Generic command status (SCT 0).
  public static final int SUCCESS = 0x00;
  public static final int INVALID_OPCODE = 0x01;
  public static final int INVALID_FIELD = 0x02;
  public static final int COMMAND_ID_CONFLICT = 0x03;
  public static final int DATA_TRANSFER_ERROR = 0x04;
  public static final int INTERNAL_ERROR = 0x06;
  public static final int ABORT_REQUESTED = 0x07;
  public static final int ABORT_SQ_DELETED = 0x08;
  public static final int INVALID_NAMESPACE = 0x0B;
  public static final int COMMAND_SEQUENCE_ERROR = 0x0C;
  public static final int SGL_DATA_LENGTH_INVALID = 0x0F;
  public static final int SGL_DESCRIPTOR_TYPE_INVALID = 0x11;
  public static final int SGL_OFFSET_INVALID = 0x16;
  public static final int KEEP_ALIVE_TIMEOUT_INVALID = 0x1A;
  public static final int NAMESPACE_WRITE_PROTECTED = 0x20;
  public static final int TRANSIENT_TRANSPORT_ERROR = 0x22;
  public static final int LBA_OUT_OF_RANGE = 0x80;
  public static final int CAPACITY_EXCEEDED = 0x81;
  public static final int NAMESPACE_NOT_READY = 0x82;

  // Command specific status (SCT 1).
  public static final int INVALID_QUEUE_IDENTIFIER = 0x101;
  public static final int INVALID_QUEUE_SIZE = 0x102;
  public static final int ABORT_LIMIT_EXCEEDED = 0x103;
  public static final int ASYNC_EVENT_LIMIT_EXCEEDED = 0x105;
  public static final int INVALID_LOG_PAGE = 0x109;
  public static final int FEATURE_NOT_SAVEABLE = 0x10D;
  public static final int FEATURE_NOT_CHANGEABLE = 0x10E;
  public static final int CONNECT_INCOMPATIBLE_FORMAT = 0x180;
  public static final int CONNECT_CONTROLLER_BUSY = 0x181;
  public static final int CONNECT_INVALID_PARAMETERS = 0x182;
  public static final int CONNECT_RESTART_DISCOVERY = 0x183;
  public static final int CONNECT_INVALID_HOST = 0x184;
  public static final int AUTHENTICATION_REQUIRED = 0x191;
  public static final int INVALID_DISCOVERY_INFORMATION = 0x12F;
  public static final int INSUFFICIENT_DISCOVERY_RESOURCES = 0x132;

  // Media and data integrity errors (SCT 2).
  public static final int WRITE_FAULT = 0x280;
  public static final int UNRECOVERED_READ_ERROR = 0x281;
  public static final int ACCESS_DENIED = 0x286;

  // Path related status (SCT 3).
  public static final int INTERNAL_PATH_ERROR = 0x300;
  public static final int ANA_PERSISTENT_LOSS = 0x301;
  public static final int ANA_INACCESSIBLE = 0x302;
  public static final int ANA_TRANSITION = 0x303;
  public static final int HOST_ABORTED = 0x371;

  /** Status code (SC), bits 7:0. */
  public static int sc(int status) {
    return status & 0xFF;
  }

  /** Status code type (SCT), bits 10:8. */
  public static int sct(int status) {
    return (status >>> 8) & 0x7;
  }

  public static boolean dnr(int status) {
    return (status & DNR) != 0;
  }

  public static boolean more(int status) {
    return (status & MORE) != 0;
  }

  public static boolean isSuccess(int status) {
    return (status & 0x7FF) == 0;
  }

  /** The 16-bit CQE status field, phase bit 0. */
  public static int toWire(int status) {
    return (status << 1) & 0xFFFE;
  }

  /** Inverse of {@link #toWire}: drops the phase bit. */
  public static int fromWire(int wire) {
    return (wire & 0xFFFF) >>> 1;
  }

  /** A short human-readable name, for logs and CLI output. */
  public static String describe(int status) {
    String name =
        switch (status & 0x7FF) {
          case SUCCESS -> "SUCCESS";
          case INVALID_OPCODE -> "INVALID_OPCODE";
          case INVALID_FIELD -> "INVALID_FIELD";
          case COMMAND_ID_CONFLICT -> "COMMAND_ID_CONFLICT";
          case DATA_TRANSFER_ERROR -> "DATA_TRANSFER_ERROR";
          case INTERNAL_ERROR -> "INTERNAL_ERROR";
          case ABORT_REQUESTED -> "ABORT_REQUESTED";
          case ABORT_SQ_DELETED -> "ABORT_SQ_DELETED";
          case INVALID_NAMESPACE -> "INVALID_NAMESPACE";
          case COMMAND_SEQUENCE_ERROR -> "COMMAND_SEQUENCE_ERROR";
          case SGL_DATA_LENGTH_INVALID -> "SGL_DATA_LENGTH_INVALID";
          case SGL_DESCRIPTOR_TYPE_INVALID -> "SGL_DESCRIPTOR_TYPE_INVALID";
          case SGL_OFFSET_INVALID -> "SGL_OFFSET_INVALID";
          case KEEP_ALIVE_TIMEOUT_INVALID -> "KEEP_ALIVE_TIMEOUT_INVALID";
          case NAMESPACE_WRITE_PROTECTED -> "NAMESPACE_WRITE_PROTECTED";
          case TRANSIENT_TRANSPORT_ERROR -> "TRANSIENT_TRANSPORT_ERROR";
          case LBA_OUT_OF_RANGE -> "LBA_OUT_OF_RANGE";
          case CAPACITY_EXCEEDED -> "CAPACITY_EXCEEDED";
          case NAMESPACE_NOT_READY -> "NAMESPACE_NOT_READY";
          case INVALID_QUEUE_IDENTIFIER -> "INVALID_QUEUE_IDENTIFIER";
          case INVALID_QUEUE_SIZE -> "INVALID_QUEUE_SIZE";
          case ABORT_LIMIT_EXCEEDED -> "ABORT_LIMIT_EXCEEDED";
          case ASYNC_EVENT_LIMIT_EXCEEDED -> "ASYNC_EVENT_LIMIT_EXCEEDED";
          case INVALID_LOG_PAGE -> "INVALID_LOG_PAGE";
          case FEATURE_NOT_SAVEABLE -> "FEATURE_NOT_SAVEABLE";
          case FEATURE_NOT_CHANGEABLE -> "FEATURE_NOT_CHANGEABLE";
          case CONNECT_INCOMPATIBLE_FORMAT -> "CONNECT_INCOMPATIBLE_FORMAT";
          case CONNECT_CONTROLLER_BUSY -> "CONNECT_CONTROLLER_BUSY";
          case CONNECT_INVALID_PARAMETERS -> "CONNECT_INVALID_PARAMETERS";
          case CONNECT_RESTART_DISCOVERY -> "CONNECT_RESTART_DISCOVERY";
          case CONNECT_INVALID_HOST -> "CONNECT_INVALID_HOST";
          case AUTHENTICATION_REQUIRED -> "AUTHENTICATION_REQUIRED";
          case INVALID_DISCOVERY_INFORMATION -> "INVALID_DISCOVERY_INFORMATION";
          case INSUFFICIENT_DISCOVERY_RESOURCES -> "INSUFFICIENT_DISCOVERY_RESOURCES";
          case WRITE_FAULT -> "WRITE_FAULT";
          case UNRECOVERED_READ_ERROR -> "UNRECOVERED_READ_ERROR";
          case ACCESS_DENIED -> "ACCESS_DENIED";
          case INTERNAL_PATH_ERROR -> "INTERNAL_PATH_ERROR";
          case ANA_PERSISTENT_LOSS -> "ANA_PERSISTENT_LOSS";
          case ANA_INACCESSIBLE -> "ANA_INACCESSIBLE";
          case ANA_TRANSITION -> "ANA_TRANSITION";
          case HOST_ABORTED -> "HOST_ABORTED";
          default -> "UNKNOWN";
        };
    return String.format(
        "%s (sct=%d sc=0x%02x%s)", name, sct(status), sc(status), dnr(status) ? " dnr" : "");
  }
}
