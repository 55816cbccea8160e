package io.weft.protocol.nvme;

/**
 * Asynchronous Event Request completion DW0 (NVMe Base 2.0, "Asynchronous Event Request"): bits 2:0
 * event type, bits 15:8 event information, bits 23:16 the log page that clears it.
 */
public final class AsyncEvent {
  private AsyncEvent() {}

  public static final int TYPE_NOTICE = 2;
  public static final int INFO_NAMESPACE_ATTRIBUTE_CHANGED = 0x00;
  public static final int INFO_ANA_CHANGE = 0x03;
  public static final int INFO_DISCOVERY_LOG_CHANGED = 0xF0;

  public static int result(int type, int info, int logPage) {
    return (type & 7) | (info & 0xFF) << 8 | (logPage & 0xFF) << 16;
  }

  /** 0x00040002: namespace attribute changed, read log page 04h. */
  public static final int NAMESPACE_ATTRIBUTE_CHANGED =
      result(TYPE_NOTICE, INFO_NAMESPACE_ATTRIBUTE_CHANGED, Opcodes.LOG_CHANGED_NAMESPACES);

  /** 0x000C0302: an ANA group's state changed, read log page 0Ch. */
  public static final int ANA_CHANGE = result(TYPE_NOTICE, INFO_ANA_CHANGE, Opcodes.LOG_ANA);

  /** 0x0070F002: discovery log page changed. */
  public static final int DISCOVERY_LOG_CHANGED =
      result(TYPE_NOTICE, INFO_DISCOVERY_LOG_CHANGED, Opcodes.LOG_DISCOVERY);
}
