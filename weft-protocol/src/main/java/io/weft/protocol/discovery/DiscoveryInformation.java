package io.weft.protocol.discovery;

import io.netty.buffer.ByteBuf;
import io.weft.protocol.fabrics.Strings;
import io.weft.protocol.nvme.Status;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The data of a Discovery Information Management command (TP8010; opcode 21h, the task in CDW10
 * bits 3:0): a 1024-byte header naming the entity that registers (a host, a direct discovery
 * controller or a centralized one) followed by its entries.
 *
 * <p>nvme-cli's {@code nvme dim} sends one extended host entry whose only attribute is the Host ID,
 * with an empty TRADDR (the controller takes the connection's remote address): 2076 bytes.
 *
 * @param format 1 basic entries (1024 bytes each), 2 extended entries (with attributes)
 * @param entityType 1 host, 2 direct discovery controller, 3 centralized discovery controller
 * @param keyType EKTYPE: which fields identify an entry (5Fh the address, 3Fh the port ID)
 * @param entityId EID: the entity's NQN
 */
public record DiscoveryInformation(
    int format,
    int entityType,
    boolean portLocal,
    int keyType,
    String entityId,
    String entityName,
    String entityVersion,
    List<DiscoveryInformationEntry> entries) {

  public static final int HEADER_SIZE = 1024;
  public static final int TDL = 0;
  public static final int NUMENT = 8;
  public static final int ENTFMT = 16;
  public static final int ETYPE = 18;
  public static final int PORTLCL = 20;
  public static final int EKTYPE = 22;
  public static final int EID = 24;
  public static final int ENAME = 280;
  public static final int EVER = 536;
  public static final int EID_SIZE = 256;
  public static final int ENAME_SIZE = 256;
  public static final int EVER_SIZE = 64;

  public static final int FORMAT_BASIC = 1;
  public static final int FORMAT_EXTENDED = 2;
  public static final int ENTITY_HOST = 1;
  public static final int ENTITY_DDC = 2;
  public static final int ENTITY_CDC = 3;
  public static final int KEY_ADDRESS = 0x5F;
  public static final int KEY_PORT_ID = 0x3F;

  /** CDW10 bits 3:0, the task. */
  public static final int TASK_REGISTER = 0;

  public static final int TASK_DEREGISTER = 1;
  public static final int TASK_UPDATE = 2;

  /** NQNs are at most 223 bytes (NVMe Base, "NVMe Qualified Names"). */
  public static final int MAX_NQN = 223;

  /** Entries one command may carry here; more is "Insufficient Discovery Resources". */
  public static final int MAX_ENTRIES = 64;

  public DiscoveryInformation {
    entries = List.copyOf(entries);
  }

  public boolean extended() {
    return format == FORMAT_EXTENDED;
  }

  /** TDL: the header and every entry. */
  public int size() {
    int size = HEADER_SIZE;
    for (DiscoveryInformationEntry e : entries) {
      size += e.wireSize(extended());
    }
    return size;
  }

  /** Writes the data at the writer index. */
  public void encode(ByteBuf out) {
    int base = out.writerIndex();
    int size = size();
    out.writeZero(size);
    out.setIntLE(base + TDL, size);
    out.setLongLE(base + NUMENT, entries.size());
    out.setShortLE(base + ENTFMT, format);
    out.setShortLE(base + ETYPE, entityType);
    out.setByte(base + PORTLCL, portLocal ? 1 : 0);
    out.setShortLE(base + EKTYPE, keyType);
    Strings.writePadded(out, base + EID, EID_SIZE, entityId, (byte) 0);
    Strings.writePadded(out, base + ENAME, ENAME_SIZE, entityName, (byte) 0);
    Strings.writePadded(out, base + EVER, EVER_SIZE, entityVersion, (byte) 0);
    int at = base + HEADER_SIZE;
    for (DiscoveryInformationEntry e : entries) {
      e.encodeAt(out, at, extended());
      at += e.wireSize(extended());
    }
  }

  /**
   * Decodes and checks {@code length} bytes of data at {@code base}: every length inside must agree
   * with the others and stay within the data, and the entries must be what the entity may register
   * (a host or a centralized controller registers host entries with its Host ID; a direct discovery
   * controller registers NVM subsystems with their addresses).
   */
  public static DiscoveryInformation decode(ByteBuf b, int base, int length)
      throws InvalidDiscoveryInformation {
    if (length < HEADER_SIZE) {
      throw invalid(TDL, "shorter than the 1024-byte header: " + length + " bytes");
    }
    long tdl = b.getUnsignedIntLE(base + TDL);
    if (tdl < HEADER_SIZE || tdl > length) {
      throw invalid(TDL, "TDL " + tdl + " does not fit the " + length + " bytes sent");
    }
    long nument = b.getLongLE(base + NUMENT);
    if (nument == 0) {
      throw invalid(NUMENT, "no entries");
    }
    if (nument < 0 || nument > MAX_ENTRIES) {
      throw new InvalidDiscoveryInformation(
          Status.INSUFFICIENT_DISCOVERY_RESOURCES | Status.DNR,
          NUMENT,
          "more than " + MAX_ENTRIES + " entries in one command");
    }
    int format = b.getUnsignedShortLE(base + ENTFMT);
    if (format != FORMAT_BASIC && format != FORMAT_EXTENDED) {
      throw invalidField(ENTFMT, "entry format " + format);
    }
    int entity = b.getUnsignedShortLE(base + ETYPE);
    if (entity < ENTITY_HOST || entity > ENTITY_CDC) {
      throw invalidField(ETYPE, "entity type " + entity);
    }
    boolean portLocal = (b.getByte(base + PORTLCL) & 1) != 0;
    if (portLocal && entity != ENTITY_DDC) {
      throw invalidField(PORTLCL, "only a direct discovery controller may register port-local");
    }
    int keyType = b.getUnsignedShortLE(base + EKTYPE);
    boolean registersHosts = entity != ENTITY_DDC;
    if (keyType != KEY_ADDRESS && (registersHosts || keyType != KEY_PORT_ID)) {
      throw invalidField(EKTYPE, "entry key type 0x" + Integer.toHexString(keyType));
    }
    String eid = nqn(b, base, EID, EID_SIZE, "EID");
    String name = text(b, base + ENAME, ENAME_SIZE);
    String version = text(b, base + EVER, EVER_SIZE);
    List<DiscoveryInformationEntry> entries = new ArrayList<>();
    boolean extended = format == FORMAT_EXTENDED;
    int at = HEADER_SIZE;
    boolean emptyAddressSeen = false;
    for (long i = 0; i < nument; i++) {
      int size = extended ? extendedSize(b, base, at, tdl) : DiscoveryInformationEntry.BASIC_SIZE;
      if (at + (long) size > tdl) {
        throw invalid(at, "entry " + i + " runs past TDL");
      }
      DiscoveryInformationEntry e = entry(b, base, at, size, extended);
      if (registersHosts) {
        checkHostEntry(e, at, extended);
        if (e.traddr().isEmpty()) {
          if (emptyAddressSeen) {
            throw invalidField(at + DiscoveryLogEntry.TRADDR, "more than one entry without TRADDR");
          }
          emptyAddressSeen = true;
        }
      } else {
        checkSubsystemEntry(e, at);
      }
      entries.add(e);
      at += size;
    }
    if (at != tdl) {
      throw invalid(TDL, "TDL " + tdl + " but the entries end at " + at);
    }
    return new DiscoveryInformation(
        format, entity, portLocal, keyType, eid, name, version, entries);
  }

  /** TEL of the extended entry at {@code at}, checked against the data. */
  private static int extendedSize(ByteBuf b, int base, int at, long tdl)
      throws InvalidDiscoveryInformation {
    if (at + (long) DiscoveryInformationEntry.ATTRIBUTES > tdl) {
      throw invalid(
          at, "an extended entry needs " + DiscoveryInformationEntry.ATTRIBUTES + " bytes");
    }
    long tel = b.getUnsignedIntLE(base + at + DiscoveryInformationEntry.TEL);
    if (tel < DiscoveryInformationEntry.ATTRIBUTES || (tel & 3) != 0 || at + tel > tdl) {
      throw invalid(at + DiscoveryInformationEntry.TEL, "TEL " + tel);
    }
    return (int) tel;
  }

  private static DiscoveryInformationEntry entry(
      ByteBuf b, int base, int at, int size, boolean extended) throws InvalidDiscoveryInformation {
    int e = base + at;
    List<ExtendedAttribute> attributes = new ArrayList<>();
    if (extended) {
      int count = b.getUnsignedShortLE(e + DiscoveryInformationEntry.NUMEXAT);
      int a = DiscoveryInformationEntry.ATTRIBUTES;
      for (int i = 0; i < count; i++) {
        if (a + ExtendedAttribute.EXATVAL > size) {
          throw invalid(at + a, "attribute " + i + " runs past TEL");
        }
        int type = b.getUnsignedShortLE(e + a + ExtendedAttribute.EXATTYPE);
        int len = b.getUnsignedShortLE(e + a + ExtendedAttribute.EXATLEN);
        if (len == 0 || (len & 3) != 0) {
          throw invalidField(at + a + ExtendedAttribute.EXATLEN, "EXATLEN " + len);
        }
        if (a + ExtendedAttribute.EXATVAL + len > size) {
          throw invalid(at + a, "attribute " + i + " runs past TEL");
        }
        byte[] value = new byte[len];
        b.getBytes(e + a + ExtendedAttribute.EXATVAL, value);
        attributes.add(new ExtendedAttribute(type, value));
        a += ExtendedAttribute.EXATVAL + len;
      }
      if (a != size) {
        throw invalid(at + DiscoveryInformationEntry.NUMEXAT, "NUMEXAT and TEL disagree");
      }
    }
    return new DiscoveryInformationEntry(
        b.getUnsignedByte(e + DiscoveryLogEntry.TRTYPE),
        b.getUnsignedByte(e + DiscoveryLogEntry.ADRFAM),
        b.getUnsignedByte(e + DiscoveryLogEntry.SUBTYPE),
        b.getUnsignedByte(e + DiscoveryLogEntry.TREQ),
        b.getUnsignedShortLE(e + DiscoveryLogEntry.PORTID),
        b.getUnsignedShortLE(e + DiscoveryLogEntry.CNTLID),
        b.getUnsignedShortLE(e + DiscoveryLogEntry.ASQSZ),
        text(b, e + DiscoveryLogEntry.TRSVCID, 32),
        nqn(b, base, at + DiscoveryLogEntry.SUBNQN, 256, "entry NQN"),
        text(b, e + DiscoveryLogEntry.TRADDR, 256),
        b.getUnsignedByte(e + DiscoveryLogEntry.TSAS),
        attributes);
  }

  /** A host (or a CDC for its hosts) registers host entries, each with its Host ID. */
  private static void checkHostEntry(DiscoveryInformationEntry e, int at, boolean extended)
      throws InvalidDiscoveryInformation {
    if (e.subtype() != DiscoveryInformationEntry.SUBTYPE_HOST) {
      throw invalid(at + DiscoveryLogEntry.SUBTYPE, "a host entry has SUBTYPE 0");
    }
    if (extended && e.attributes().isEmpty()) {
      throw invalid(at + DiscoveryInformationEntry.NUMEXAT, "a host entry carries its Host ID");
    }
    ExtendedAttribute id = e.attribute(ExtendedAttribute.HOST_ID);
    if (extended && (id == null || id.value().length != 16)) {
      throw invalid(at + DiscoveryInformationEntry.ATTRIBUTES, "no 16-byte Host ID attribute");
    }
  }

  /** A direct discovery controller registers NVM subsystems it can be reached at. */
  private static void checkSubsystemEntry(DiscoveryInformationEntry e, int at)
      throws InvalidDiscoveryInformation {
    if (e.subtype() != DiscoveryLogEntry.SUBTYPE_NVM) {
      throw invalid(at + DiscoveryLogEntry.SUBTYPE, "a subsystem entry has SUBTYPE 2");
    }
    if (e.trtype() != DiscoveryLogEntry.TRTYPE_TCP) {
      throw invalid(at + DiscoveryLogEntry.TRTYPE, "only TCP subsystems are served here");
    }
    if (e.traddr().isEmpty() || e.trsvcid().isEmpty()) {
      throw invalid(at + DiscoveryLogEntry.TRADDR, "a subsystem entry needs TRADDR and TRSVCID");
    }
  }

  private static String nqn(ByteBuf b, int base, int at, int width, String what)
      throws InvalidDiscoveryInformation {
    String s = Strings.readNulTerminated(b, base + at, width);
    if (!s.startsWith("nqn.")
        || s.getBytes(StandardCharsets.UTF_8).length > MAX_NQN
        || !printable(s)) {
      throw invalid(at, what + " is not an NQN");
    }
    return s;
  }

  /** A NUL-padded text field, with anything unprintable shown as '?' (it reaches logs and CLIs). */
  private static String text(ByteBuf b, int index, int width) {
    String s = Strings.readNulTerminated(b, index, width).strip();
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      out.append(c >= 0x20 && c < 0x7F ? c : '?');
    }
    return out.toString();
  }

  private static boolean printable(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c <= 0x20 || c >= 0x7F) {
        return false;
      }
    }
    return true;
  }

  private static InvalidDiscoveryInformation invalid(int offset, String why) {
    return new InvalidDiscoveryInformation(
        Status.INVALID_DISCOVERY_INFORMATION | Status.DNR, offset, why);
  }

  private static InvalidDiscoveryInformation invalidField(int offset, String why) {
    return new InvalidDiscoveryInformation(Status.INVALID_FIELD | Status.DNR, offset, why);
  }
}
