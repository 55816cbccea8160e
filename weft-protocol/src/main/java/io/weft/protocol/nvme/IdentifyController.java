package io.weft.protocol.nvme;

import io.netty.buffer.ByteBuf;
import io.weft.protocol.fabrics.Strings;

/**
 * Identify Controller data structure, CNS 01h (NVMe Base 2.0, "Identify Controller Data
 * Structure"): 4096 bytes. Holds the fields Weft reports; everything else is zero.
 */
public record IdentifyController(
    String serial,
    String model,
    String firmware,
    int cmic,
    int mdts,
    int cntlid,
    int version,
    int oaes,
    int ctratt,
    int controllerType,
    int aerl,
    int lpa,
    int elpe,
    int keepAliveSupport,
    int maxcmd,
    int numberOfNamespaces,
    int oncs,
    int vwc,
    int sgls,
    String subsystemNqn,
    int ioccsz,
    int iorcsz,
    Ana ana) {

  /**
   * Asymmetric Namespace Access reporting: transition time (ANATT, seconds), capabilities (ANACAP),
   * the largest group ID (ANAGRPMAX), how many groups exist (NANAGRPID) and the most namespaces
   * (MNAN; the Linux host sizes its ANA log buffer with it and refuses 0 when CMIC bit 3 is set).
   * {@link #NONE} for a controller without ANA (a discovery controller).
   */
  public record Ana(int anatt, int anacap, int anagrpmax, int nanagrpid, int mnan) {
    public static final Ana NONE = new Ana(0, 0, 0, 0, 0);
  }

  public static final int SIZE = 4096;

  public static final int VID = 0;
  public static final int SSVID = 2;
  public static final int SN = 4;
  public static final int MN = 24;
  public static final int FR = 64;
  public static final int RAB = 72;
  public static final int CMIC = 76;
  public static final int MDTS = 77;
  public static final int CNTLID = 78;
  public static final int VER = 80;
  public static final int OAES = 92;
  public static final int ANATT = 342;
  public static final int ANACAP = 343;
  public static final int ANAGRPMAX = 344;
  public static final int NANAGRPID = 348;
  public static final int MNAN = 540;
  public static final int CTRATT = 96;
  public static final int CNTRLTYPE = 111;
  public static final int OACS = 256;
  public static final int ACL = 258;
  public static final int AERL = 259;
  public static final int FRMW = 260;
  public static final int LPA = 261;
  public static final int ELPE = 262;
  public static final int AVSCC = 264;
  public static final int WCTEMP = 266;
  public static final int CCTEMP = 268;
  public static final int KAS = 320;
  public static final int SQES = 512;
  public static final int CQES = 513;
  public static final int MAXCMD = 514;
  public static final int NN = 516;
  public static final int ONCS = 520;
  public static final int VWC = 525;
  public static final int SGLS = 536;
  public static final int SUBNQN = 768;
  public static final int IOCCSZ = 1792;
  public static final int IORCSZ = 1796;
  public static final int ICDOFF = 1800;
  public static final int FCATT = 1802;
  public static final int MSDBD = 1803;
  public static final int PSD0 = 2048;

  public static final int CONTROLLER_TYPE_IO = 1;
  public static final int CONTROLLER_TYPE_DISCOVERY = 2;

  /** OAES bit 8: Namespace Attribute Notices. */
  public static final int OAES_NS_ATTRIBUTE = 1 << 8;

  /** OAES bit 11: ANA Change Notices. */
  public static final int OAES_ANA_CHANGE = 1 << 11;

  /** CMIC: bit 0 more than one port, bit 1 more than one controller, bit 3 ANA reporting. */
  public static final int CMIC_MULTI_PORT = 1;

  public static final int CMIC_MULTI_CONTROLLER = 1 << 1;
  public static final int CMIC_ANA = 1 << 3;

  /**
   * ANACAP: bits 0-4 the states reported (optimized, non-optimized, inaccessible, persistent loss,
   * change), bit 6 a namespace's group does not change while it is attached.
   */
  public static final int ANACAP_ALL_STATES_STATIC_GROUPS = 0x1F | 1 << 6;

  /** DCTYPE (byte 1806, TP8010): what kind of discovery controller this is. */
  public static final int DCTYPE = 1806;

  /** DCTYPE: a direct discovery controller (one target's own subsystems). */
  public static final int DCTYPE_DIRECT = 1;

  /** DCTYPE: a centralized discovery controller (what a whole fabric offers). */
  public static final int DCTYPE_CENTRAL = 2;

  /** OAES bit 31: Discovery Log Page Change Notices. */
  public static final int OAES_DISCOVERY_CHANGE = 1 << 31;

  /** CTRATT bit 0 128-bit host identifier, bit 6 traffic based keep alive. */
  public static final int CTRATT_HOSTID_128 = 1;

  public static final int CTRATT_TBKAS = 1 << 6;

  /** SGLS: SGLs supported (bit 0) and address-as-offset for in-capsule data (bit 20). */
  public static final int SGLS_SUPPORTED = 0x0010_0001;

  public static final int ONCS_DSM = 1 << 2;
  public static final int ONCS_WRITE_ZEROES = 1 << 3;

  /** Writes the 4096-byte structure at the page's writer index. */
  public void encode(ByteBuf page) {
    int base = page.writerIndex();
    page.writeZero(SIZE);
    Strings.writePadded(page, base + SN, 20, serial, (byte) ' ');
    Strings.writePadded(page, base + MN, 40, model, (byte) ' ');
    Strings.writePadded(page, base + FR, 8, firmware, (byte) ' ');
    page.setByte(base + RAB, 6);
    page.setByte(base + CMIC, cmic);
    page.setByte(base + MDTS, mdts);
    page.setShortLE(base + CNTLID, cntlid);
    page.setIntLE(base + VER, version);
    page.setIntLE(base + OAES, oaes);
    page.setByte(base + ANATT, ana.anatt());
    page.setByte(base + ANACAP, ana.anacap());
    page.setIntLE(base + ANAGRPMAX, ana.anagrpmax());
    page.setIntLE(base + NANAGRPID, ana.nanagrpid());
    page.setIntLE(base + MNAN, ana.mnan());
    page.setIntLE(base + CTRATT, ctratt);
    page.setByte(base + CNTRLTYPE, controllerType);
    page.setByte(base + ACL, 3);
    page.setByte(base + AERL, aerl);
    page.setByte(base + FRMW, 0x03); // one firmware slot, read only
    page.setByte(base + LPA, lpa);
    page.setByte(base + ELPE, elpe);
    page.setByte(base + AVSCC, 1);
    page.setShortLE(base + WCTEMP, 0x157); // 343 K
    page.setShortLE(base + CCTEMP, 0x175); // 373 K
    page.setShortLE(base + KAS, keepAliveSupport);
    page.setByte(base + SQES, 0x66);
    page.setByte(base + CQES, 0x44);
    page.setShortLE(base + MAXCMD, maxcmd);
    page.setIntLE(base + NN, numberOfNamespaces);
    page.setShortLE(base + ONCS, oncs);
    page.setByte(base + VWC, vwc);
    page.setIntLE(base + SGLS, sgls);
    Strings.writePadded(page, base + SUBNQN, 256, subsystemNqn, (byte) 0);
    page.setIntLE(base + IOCCSZ, ioccsz);
    page.setIntLE(base + IORCSZ, iorcsz);
    page.setShortLE(base + ICDOFF, 0);
    page.setByte(base + FCATT, 0); // dynamic controller model
    page.setByte(base + MSDBD, 1);
    page.setShortLE(base + PSD0, 0x09C4); // power state 0: 25 W max power, the only state
  }

  public static IdentifyController decode(ByteBuf b, int base) {
    return new IdentifyController(
        Strings.readPadded(b, base + SN, 20),
        Strings.readPadded(b, base + MN, 40),
        Strings.readPadded(b, base + FR, 8),
        b.getUnsignedByte(base + CMIC),
        b.getUnsignedByte(base + MDTS),
        b.getUnsignedShortLE(base + CNTLID),
        b.getIntLE(base + VER),
        b.getIntLE(base + OAES),
        b.getIntLE(base + CTRATT),
        b.getUnsignedByte(base + CNTRLTYPE),
        b.getUnsignedByte(base + AERL),
        b.getUnsignedByte(base + LPA),
        b.getUnsignedByte(base + ELPE),
        b.getUnsignedShortLE(base + KAS),
        b.getUnsignedShortLE(base + MAXCMD),
        b.getIntLE(base + NN),
        b.getUnsignedShortLE(base + ONCS),
        b.getUnsignedByte(base + VWC),
        b.getIntLE(base + SGLS),
        io.weft.protocol.fabrics.Strings.readNulTerminated(b, base + SUBNQN, 256),
        b.getIntLE(base + IOCCSZ),
        b.getIntLE(base + IORCSZ),
        new Ana(
            b.getUnsignedByte(base + ANATT),
            b.getUnsignedByte(base + ANACAP),
            b.getIntLE(base + ANAGRPMAX),
            b.getIntLE(base + NANAGRPID),
            b.getIntLE(base + MNAN)));
  }

  /** Maximum data transfer size in bytes for an MDTS value (4 KiB minimum page); 0 = no limit. */
  public static long maxTransferBytes(int mdts) {
    return mdts == 0 ? 0 : 4096L << mdts;
  }
}
