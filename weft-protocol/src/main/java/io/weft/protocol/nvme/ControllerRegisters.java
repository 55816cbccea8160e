package io.weft.protocol.nvme;

/**
 * Controller properties reached over fabrics with Property Get/Set (NVMe Base 2.0, "Controller
 * Registers"): offsets and the bit fields of CAP, CC and CSTS.
 */
public final class ControllerRegisters {
  private ControllerRegisters() {}

  public static final int CAP = 0x00;
  public static final int VS = 0x08;
  public static final int CC = 0x14;
  public static final int CSTS = 0x1C;
  public static final int NSSR = 0x20;

  /** NVMe 1.3.0: the version whose rules (CNS 03h mandatory) the Linux host applies. */
  public static final int VERSION_1_3 = 0x00010300;

  public static final int CC_EN = 1;
  public static final int CC_CSS_SHIFT = 4;
  public static final int CC_MPS_SHIFT = 7;
  public static final int CC_AMS_SHIFT = 11;
  public static final int CC_SHN_SHIFT = 14;
  public static final int CC_IOSQES_SHIFT = 16;
  public static final int CC_IOCQES_SHIFT = 20;

  public static final int CSTS_RDY = 1;
  public static final int CSTS_CFS = 1 << 1;
  public static final int CSTS_SHST_COMPLETE = 2 << 2;

  public static int ccCss(int cc) {
    return (cc >>> CC_CSS_SHIFT) & 0x7;
  }

  public static int ccMps(int cc) {
    return (cc >>> CC_MPS_SHIFT) & 0xF;
  }

  public static int ccAms(int cc) {
    return (cc >>> CC_AMS_SHIFT) & 0x7;
  }

  public static int ccShn(int cc) {
    return (cc >>> CC_SHN_SHIFT) & 0x3;
  }

  public static int ccIosqes(int cc) {
    return (cc >>> CC_IOSQES_SHIFT) & 0xF;
  }

  public static int ccIocqes(int cc) {
    return (cc >>> CC_IOCQES_SHIFT) & 0xF;
  }

  /**
   * Builds CAP.
   *
   * @param mqes maximum queue entries supported, 0's based
   * @param timeout500ms worst-case time to become ready, in 500 ms units
   */
  public static long cap(int mqes, int timeout500ms) {
    long cap = mqes & 0xFFFFL;
    cap |= 1L << 16; // CQR: contiguous queues required (always true over fabrics)
    cap |= (long) (timeout500ms & 0xFF) << 24;
    cap |= 1L << 37; // CSS: NVM command set
    // MPSMIN = 0 (4 KiB) and MPSMAX = 0: the Linux host requires MPSMIN 0.
    return cap;
  }

  public static int capMqes(long cap) {
    return (int) (cap & 0xFFFF);
  }

  public static int capTimeout(long cap) {
    return (int) ((cap >>> 24) & 0xFF);
  }
}
