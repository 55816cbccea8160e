package io.weft.protocol.nvme;

/** Opcodes and command sub-types (NVMe Base 2.0 admin set, NVM Command Set 1.0, Fabrics). */
public final class Opcodes {
  private Opcodes() {}

  // Admin command set.
  public static final int ADMIN_GET_LOG_PAGE = 0x02;
  public static final int ADMIN_IDENTIFY = 0x06;
  public static final int ADMIN_ABORT = 0x08;
  public static final int ADMIN_SET_FEATURES = 0x09;
  public static final int ADMIN_GET_FEATURES = 0x0A;
  public static final int ADMIN_ASYNC_EVENT_REQUEST = 0x0C;
  public static final int ADMIN_KEEP_ALIVE = 0x18;

  /** Discovery Information Management (TP8010): a host or a target registers with a CDC. */
  public static final int ADMIN_DISCOVERY_INFO_MANAGEMENT = 0x21;

  // NVM command set.
  public static final int NVM_FLUSH = 0x00;
  public static final int NVM_WRITE = 0x01;
  public static final int NVM_READ = 0x02;
  public static final int NVM_WRITE_ZEROES = 0x08;
  public static final int NVM_DATASET_MANAGEMENT = 0x09;

  /** Fabrics commands share one opcode and are told apart by FCTYPE (SQE byte 4). */
  public static final int FABRICS = 0x7F;

  public static final int FCTYPE_PROPERTY_SET = 0x00;
  public static final int FCTYPE_CONNECT = 0x01;
  public static final int FCTYPE_PROPERTY_GET = 0x04;
  public static final int FCTYPE_AUTH_SEND = 0x05;
  public static final int FCTYPE_AUTH_RECEIVE = 0x06;

  // Identify CNS values.
  public static final int CNS_NAMESPACE = 0x00;
  public static final int CNS_CONTROLLER = 0x01;
  public static final int CNS_ACTIVE_NAMESPACES = 0x02;
  public static final int CNS_NS_DESCRIPTORS = 0x03;

  // Log page identifiers.
  public static final int LOG_SUPPORTED_PAGES = 0x00;
  public static final int LOG_ERROR = 0x01;
  public static final int LOG_SMART = 0x02;
  public static final int LOG_FIRMWARE_SLOT = 0x03;
  public static final int LOG_CHANGED_NAMESPACES = 0x04;
  public static final int LOG_COMMANDS_EFFECTS = 0x05;
  public static final int LOG_ANA = 0x0C;
  public static final int LOG_DISCOVERY = 0x70;

  // Feature identifiers.
  public static final int FEAT_ARBITRATION = 0x01;
  public static final int FEAT_POWER_MANAGEMENT = 0x02;
  public static final int FEAT_TEMPERATURE_THRESHOLD = 0x04;
  public static final int FEAT_ERROR_RECOVERY = 0x05;
  public static final int FEAT_VOLATILE_WRITE_CACHE = 0x06;
  public static final int FEAT_NUMBER_OF_QUEUES = 0x07;
  public static final int FEAT_INTERRUPT_COALESCING = 0x08;
  public static final int FEAT_WRITE_ATOMICITY = 0x0A;
  public static final int FEAT_ASYNC_EVENT_CONFIG = 0x0B;
  public static final int FEAT_KEEP_ALIVE_TIMER = 0x0F;

  /** Data direction host to controller, from the opcode (or FCTYPE) bit 0. */
  public static boolean isHostToController(int opcodeOrFctype) {
    return (opcodeOrFctype & 1) != 0;
  }

  /** Data direction controller to host, from opcode (or FCTYPE) bit 1. */
  public static boolean isControllerToHost(int opcodeOrFctype) {
    return (opcodeOrFctype & 2) != 0;
  }
}
