package io.weft.protocol.fabrics;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * The 1024-byte data of a Fabrics Connect command (NVMe over Fabrics 1.1, "Connect Command Data"):
 * host identifier, controller ID, subsystem NQN and host NQN.
 */
public record ConnectData(UUID hostId, int cntlid, String subsystemNqn, String hostNqn) {
  public static final int SIZE = 1024;
  public static final int HOSTID = 0;
  public static final int CNTLID = 16;
  public static final int SUBNQN = 256;
  public static final int HOSTNQN = 512;
  public static final int NQN_FIELD_SIZE = 256;

  /** The dynamic controller model: the host asks the target to pick a controller ID. */
  public static final int CNTLID_DYNAMIC = 0xFFFF;

  public static ConnectData decode(ByteBuf b, int base) {
    UUID hostId = new UUID(b.getLong(base + HOSTID), b.getLong(base + HOSTID + 8));
    int cntlid = b.getUnsignedShortLE(base + CNTLID);
    return new ConnectData(
        hostId,
        cntlid,
        Strings.readNulTerminated(b, base + SUBNQN, NQN_FIELD_SIZE),
        Strings.readNulTerminated(b, base + HOSTNQN, NQN_FIELD_SIZE));
  }

  public void encode(ByteBuf out) {
    int base = out.writerIndex();
    out.writeZero(SIZE);
    out.setLong(base + HOSTID, hostId.getMostSignificantBits());
    out.setLong(base + HOSTID + 8, hostId.getLeastSignificantBits());
    out.setShortLE(base + CNTLID, cntlid);
    Strings.writePadded(out, base + SUBNQN, NQN_FIELD_SIZE, subsystemNqn, (byte) 0);
    Strings.writePadded(out, base + HOSTNQN, NQN_FIELD_SIZE, hostNqn, (byte) 0);
  }

  /**
   * True when the NQN as read left room for its terminating NUL, i.e. the 256-byte field held a
   * NUL. An empty NQN is terminated (SPDK's initiator tools send one unless told a host NQN).
   */
  public static boolean terminated(String nqn) {
    return nqn.getBytes(StandardCharsets.UTF_8).length < NQN_FIELD_SIZE;
  }
}
