package io.weft.protocol.fabrics;

/**
 * The Fabrics Connect command's own fields (NVMe over Fabrics 1.1, "Connect Command"): RECFMT and
 * QID in CDW10, SQSIZE and CATTR in CDW11, and the SQHD its response carries on a queue without SQ
 * flow control. Its 1024 bytes of data are {@link ConnectData}.
 */
public final class ConnectCommand {
  private ConnectCommand() {}

  /** CATTR bit 2: the host asks for the queue to run without SQ flow control. */
  public static final int CATTR_DISABLE_SQ_FLOW = 1 << 2;

  /** The SQHD of a successful Connect response when the controller turned SQ flow control off. */
  public static final int SQHD_SQ_FLOW_DISABLED = 0xFFFF;

  /** CDW10: RECFMT (bits 15:0), QID (bits 31:16). */
  public static int cdw10(int recfmt, int qid) {
    return (recfmt & 0xFFFF) | qid << 16;
  }

  /** CDW11: SQSIZE, 0's based (bits 15:0), CATTR (bits 23:16). */
  public static int cdw11(int sqsize, int cattr) {
    return (sqsize & 0xFFFF) | (cattr & 0xFF) << 16;
  }

  public static int recfmt(int cdw10) {
    return cdw10 & 0xFFFF;
  }

  public static int qid(int cdw10) {
    return cdw10 >>> 16;
  }

  public static int sqsize(int cdw11) {
    return cdw11 & 0xFFFF;
  }

  public static int cattr(int cdw11) {
    return (cdw11 >>> 16) & 0xFF;
  }
}
