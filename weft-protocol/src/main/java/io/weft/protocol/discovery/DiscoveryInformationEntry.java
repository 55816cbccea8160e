package io.weft.protocol.discovery;

import io.netty.buffer.ByteBuf;
import io.weft.protocol.fabrics.Strings;
import java.util.List;

/**
 * One entry of Discovery Information Management data (TP8010, "Discovery Information Entry"): the
 * fields of a discovery log entry (bytes 31:10 reserved: no EFLAGS here), and in the extended
 * format TEL, NUMEXAT and the extended attributes.
 *
 * @param subtype 0 for a host entry, 2 for an NVM subsystem a discovery controller registers
 * @param nqn the host's NQN in a host entry, the subsystem's in a subsystem entry
 * @param traddr empty in a host entry: the controller takes the connection's remote address
 */
public record DiscoveryInformationEntry(
    int trtype,
    int adrfam,
    int subtype,
    int treq,
    int portId,
    int cntlid,
    int asqsz,
    String trsvcid,
    String nqn,
    String traddr,
    int secType,
    List<ExtendedAttribute> attributes) {

  public static final int BASIC_SIZE = 1024;
  public static final int TEL = 1024;
  public static final int NUMEXAT = 1028;
  public static final int ATTRIBUTES = 1032;

  public static final int SUBTYPE_HOST = 0;

  public DiscoveryInformationEntry {
    attributes = List.copyOf(attributes);
  }

  /** Bytes on the wire in the given format. */
  public int wireSize(boolean extended) {
    if (!extended) {
      return BASIC_SIZE;
    }
    int size = ATTRIBUTES;
    for (ExtendedAttribute a : attributes) {
      size += a.wireSize();
    }
    return size;
  }

  /** The first attribute of {@code type}, or null. */
  public ExtendedAttribute attribute(int type) {
    for (ExtendedAttribute a : attributes) {
      if (a.type() == type) {
        return a;
      }
    }
    return null;
  }

  /** Writes the entry at {@code base}; attributes only in the extended format. */
  public void encodeAt(ByteBuf b, int base, boolean extended) {
    int size = wireSize(extended);
    b.setZero(base, size);
    b.setByte(base + DiscoveryLogEntry.TRTYPE, trtype);
    b.setByte(base + DiscoveryLogEntry.ADRFAM, adrfam);
    b.setByte(base + DiscoveryLogEntry.SUBTYPE, subtype);
    b.setByte(base + DiscoveryLogEntry.TREQ, treq);
    b.setShortLE(base + DiscoveryLogEntry.PORTID, portId);
    b.setShortLE(base + DiscoveryLogEntry.CNTLID, cntlid);
    b.setShortLE(base + DiscoveryLogEntry.ASQSZ, asqsz);
    Strings.writePadded(b, base + DiscoveryLogEntry.TRSVCID, 32, trsvcid, (byte) 0);
    Strings.writePadded(b, base + DiscoveryLogEntry.SUBNQN, 256, nqn, (byte) 0);
    Strings.writePadded(b, base + DiscoveryLogEntry.TRADDR, 256, traddr, (byte) 0);
    b.setByte(base + DiscoveryLogEntry.TSAS, secType);
    if (!extended) {
      return;
    }
    b.setIntLE(base + TEL, size);
    b.setShortLE(base + NUMEXAT, attributes.size());
    int at = base + ATTRIBUTES;
    for (ExtendedAttribute a : attributes) {
      byte[] v = a.value();
      b.setShortLE(at + ExtendedAttribute.EXATTYPE, a.type());
      b.setShortLE(at + ExtendedAttribute.EXATLEN, ExtendedAttribute.paddedLength(v.length));
      b.setBytes(at + ExtendedAttribute.EXATVAL, v);
      at += a.wireSize();
    }
  }
}
