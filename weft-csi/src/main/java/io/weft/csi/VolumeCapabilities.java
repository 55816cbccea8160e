package io.weft.csi;

import io.weft.csi.proto.VolumeCapability;
import io.weft.csi.proto.VolumeCapability.AccessMode.Mode;
import java.util.List;
import java.util.Set;

/**
 * Which ways of using a volume the driver serves. A Weft volume is one NVMe namespace that any
 * number of hosts can reach; what limits sharing is the consumer: a file system that is not a
 * cluster file system must be mounted by one node at a time, so many writers are served only as a
 * raw block device (RWX block, for applications that coordinate their own writes). Readers (ROX)
 * are enforced by the target, which refuses their writes.
 */
final class VolumeCapabilities {
  /** File systems the node plugin can make and mount. */
  static final Set<String> FILE_SYSTEMS = Set.of("ext4", "xfs");

  private VolumeCapabilities() {}

  /** Why {@code c} is not served, or null if it is. */
  static String unsupported(VolumeCapability c) {
    if (c.getAccessTypeCase() == VolumeCapability.AccessTypeCase.ACCESSTYPE_NOT_SET) {
      return "a volume capability names neither block nor mount access";
    }
    if (c.hasMount()) {
      String fs = c.getMount().getFsType();
      if (!fs.isEmpty() && !FILE_SYSTEMS.contains(fs)) {
        return "file system '" + fs + "' is not served (ext4 or xfs)";
      }
    }
    Mode mode = c.getAccessMode().getMode();
    return switch (mode) {
      case SINGLE_NODE_WRITER,
          SINGLE_NODE_SINGLE_WRITER,
          SINGLE_NODE_READER_ONLY,
          MULTI_NODE_READER_ONLY ->
          null;
      case MULTI_NODE_MULTI_WRITER ->
          c.hasBlock()
              ? null
              : "many writers are served as a raw block device only: a mounted ext4 or xfs"
                  + " written from two nodes is corrupted";
      case MULTI_NODE_SINGLE_WRITER -> "one writer with many readers is not served";
      default -> "access mode " + mode + " is not served";
    };
  }

  /**
   * The capability a call names, if it names one the driver serves; else INVALID_ARGUMENT, as the
   * CSI spec asks.
   */
  static VolumeCapability require(boolean present, VolumeCapability c) {
    if (!present) {
      throw Calls.error(io.grpc.Status.INVALID_ARGUMENT, "no volume capability");
    }
    String why = unsupported(c);
    if (why != null) {
      throw Calls.error(io.grpc.Status.INVALID_ARGUMENT, why);
    }
    return c;
  }

  /** Why one of {@code caps} is not served, or null if all are. */
  static String unsupported(List<VolumeCapability> caps) {
    for (VolumeCapability c : caps) {
      String why = unsupported(c);
      if (why != null) {
        return why;
      }
    }
    return null;
  }

  /**
   * Whether {@code c} only reads: its node is published as a reader, and the target refuses its
   * writes (ROX is the model-distribution case: one volume read by many hosts).
   */
  static boolean readOnly(VolumeCapability c) {
    Mode mode = c.getAccessMode().getMode();
    return mode == Mode.SINGLE_NODE_READER_ONLY || mode == Mode.MULTI_NODE_READER_ONLY;
  }

  /** Whether {@code c} lets only one node use the volume at a time. */
  static boolean singleNode(VolumeCapability c) {
    Mode mode = c.getAccessMode().getMode();
    return mode == Mode.SINGLE_NODE_WRITER
        || mode == Mode.SINGLE_NODE_SINGLE_WRITER
        || mode == Mode.SINGLE_NODE_READER_ONLY
        || mode == Mode.SINGLE_NODE_MULTI_WRITER;
  }
}
