package io.weft.protocol.discovery;

import io.netty.buffer.ByteBuf;
import io.weft.protocol.fabrics.Strings;

/**
 * One 1024-byte Discovery Log Page entry (NVMe over Fabrics 1.1, "Discovery Log Page Entry").
 *
 * @param trtype transport type (3 = TCP)
 * @param adrfam address family (1 = IPv4, 2 = IPv6)
 * @param subtype 1 referral, 2 NVM subsystem, 3 current discovery subsystem
 * @param treq transport requirements (bits 1:0 secure channel, bit 2 SQ flow control disable)
 * @param trsvcid the port, as ASCII
 * @param traddr the address, as text
 * @param eflags entry flags (TP8010): bit 0 duplicate returned information, bit 1 explicit
 *     persistent connection support for discovery
 */
public record DiscoveryLogEntry(
    int trtype,
    int adrfam,
    int subtype,
    int treq,
    int portId,
    int cntlid,
    int asqsz,
    String trsvcid,
    String subsystemNqn,
    String traddr,
    int secType,
    int eflags) {

  public static final int SIZE = 1024;
  public static final int TRTYPE = 0;
  public static final int ADRFAM = 1;
  public static final int SUBTYPE = 2;
  public static final int TREQ = 3;
  public static final int PORTID = 4;
  public static final int CNTLID = 6;
  public static final int ASQSZ = 8;
  public static final int EFLAGS = 10;
  public static final int TRSVCID = 32;
  public static final int SUBNQN = 256;
  public static final int TRADDR = 512;
  public static final int TSAS = 768;

  public static final int TRTYPE_TCP = 3;
  public static final int ADRFAM_IPV4 = 1;
  public static final int ADRFAM_IPV6 = 2;
  public static final int SUBTYPE_REFERRAL = 1;
  public static final int SUBTYPE_NVM = 2;
  public static final int SUBTYPE_CURRENT_DISCOVERY = 3;

  /** TREQ: a secure channel (TLS) is required to connect through this entry. */
  public static final int TREQ_SECURE_CHANNEL_REQUIRED = 1;

  /** TSAS SECTYPE of a TCP entry: TLS 1.3 (NVMF_TCP_SECTYPE_TLS13 in Linux). */
  public static final int SECTYPE_TLS13 = 2;

  /** TREQ: secure channel not required. */
  public static final int TREQ_SECURE_CHANNEL_NOT_REQUIRED = 2;

  /** TREQ bit 2: the port accepts SQ flow control disable. */
  public static final int TREQ_DISABLE_SQFLOW = 4;

  /** EFLAGS bit 0: the same information is returned through another entry (skip when following). */
  public static final int EFLAGS_DUPLICATE_RETURNED_INFORMATION = 1;

  /** EFLAGS bit 1: a persistent connection to this discovery controller is supported. */
  public static final int EFLAGS_EXPLICIT_PERSISTENT_CONNECTION = 2;

  /** An extended entry (TP8010): this entry, then TEL, NUMEXAT and attributes (none here). */
  public static final int EXTENDED_SIZE = 1032;

  public static final int TEL = 1024;
  public static final int NUMEXAT = 1028;

  /** An entry without entry flags. */
  public DiscoveryLogEntry(
      int trtype,
      int adrfam,
      int subtype,
      int treq,
      int portId,
      int cntlid,
      int asqsz,
      String trsvcid,
      String subsystemNqn,
      String traddr,
      int secType) {
    this(
        trtype,
        adrfam,
        subtype,
        treq,
        portId,
        cntlid,
        asqsz,
        trsvcid,
        subsystemNqn,
        traddr,
        secType,
        0);
  }

  /** The same entry with other entry flags. */
  public DiscoveryLogEntry withEflags(int flags) {
    return new DiscoveryLogEntry(
        trtype,
        adrfam,
        subtype,
        treq,
        portId,
        cntlid,
        asqsz,
        trsvcid,
        subsystemNqn,
        traddr,
        secType,
        flags);
  }

  /** Writes the basic 1024-byte entry at {@code base}. */
  public void encodeAt(ByteBuf page, int base) {
    page.setZero(base, SIZE);
    page.setByte(base + TRTYPE, trtype);
    page.setByte(base + ADRFAM, adrfam);
    page.setByte(base + SUBTYPE, subtype);
    page.setByte(base + TREQ, treq);
    page.setShortLE(base + PORTID, portId);
    page.setShortLE(base + CNTLID, cntlid);
    page.setShortLE(base + ASQSZ, asqsz);
    Strings.writePadded(page, base + TRSVCID, 32, trsvcid, (byte) 0);
    Strings.writePadded(page, base + SUBNQN, 256, subsystemNqn, (byte) 0);
    Strings.writePadded(page, base + TRADDR, 256, traddr, (byte) 0);
    page.setByte(base + TSAS, secType);
    page.setShortLE(base + EFLAGS, eflags);
  }

  /** Writes the extended entry at {@code base}: the basic one, TEL and no attributes. */
  public void encodeExtendedAt(ByteBuf page, int base) {
    page.setZero(base + SIZE, EXTENDED_SIZE - SIZE);
    encodeAt(page, base);
    page.setIntLE(base + TEL, EXTENDED_SIZE);
    page.setShortLE(base + NUMEXAT, 0);
  }

  public static DiscoveryLogEntry decode(ByteBuf b, int base) {
    return new DiscoveryLogEntry(
        b.getUnsignedByte(base + TRTYPE),
        b.getUnsignedByte(base + ADRFAM),
        b.getUnsignedByte(base + SUBTYPE),
        b.getUnsignedByte(base + TREQ),
        b.getUnsignedShortLE(base + PORTID),
        b.getUnsignedShortLE(base + CNTLID),
        b.getUnsignedShortLE(base + ASQSZ),
        Strings.readNulTerminated(b, base + TRSVCID, 32).strip(),
        Strings.readNulTerminated(b, base + SUBNQN, 256),
        Strings.readNulTerminated(b, base + TRADDR, 256).strip(),
        b.getUnsignedByte(base + TSAS),
        b.getUnsignedShortLE(base + EFLAGS));
  }
}
