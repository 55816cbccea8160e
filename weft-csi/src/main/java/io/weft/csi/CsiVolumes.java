package io.weft.csi;

import io.grpc.Status;
import io.weft.csi.proto.CapacityRange;
import io.weft.csi.proto.Topology;
import io.weft.node.volume.VolumeRecord;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/** How CSI's names, sizes, topology and publish state map onto a Weft volume. */
final class CsiVolumes {
  /** The topology key of a node's zone, in CSI topology segments. */
  static final String ZONE_KEY = "topology.weft.io/zone";

  static final String CONTEXT_NQN = "nqn";
  static final String CONTEXT_TARGETS = "targets";
  static final String CONTEXT_REPLICAS = "replicas";

  /** In a publish context: the node is published as a reader (the target refuses its writes). */
  static final String CONTEXT_READ_ONLY = "readOnly";

  /**
   * The one host NQN a volume published to no node admits. A Weft volume with no allowed hosts is
   * open to every host, so an unpublished CSI volume names a host that never connects instead.
   */
  static final String NO_HOST = VolumeRecord.NO_HOST;

  /** The size a volume gets when the request names none. */
  static final long DEFAULT_SIZE = 1L << 30;

  private static final long MIB = 1L << 20;
  private static final long GRAIN = 4096;
  private static final Pattern WEFT_NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");

  private CsiVolumes() {}

  /**
   * The Weft volume (and CSI volume id) for a CSI volume name. Kubernetes names ({@code pvc-UUID})
   * are valid Weft names and stay as they are, so an operator sees the same name in {@code weft
   * volume list}; any other name maps to a digest of itself, the same one every time (CreateVolume
   * is retried with the same name and must find what it made).
   */
  static String volumeName(String csiName) {
    if (WEFT_NAME.matcher(csiName).matches()) {
      return csiName;
    }
    try {
      byte[] d =
          MessageDigest.getInstance("SHA-256").digest(csiName.getBytes(StandardCharsets.UTF_8));
      return "csi-" + HexFormat.of().formatHex(d, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The size for a capacity range: the required bytes (1 GiB if none) rounded up to a MiB, or to 4
   * KiB when a MiB would pass the limit.
   */
  static long size(CapacityRange range) {
    long required = range.getRequiredBytes();
    long limit = range.getLimitBytes();
    if (required < 0 || limit < 0) {
      throw Calls.error(Status.INVALID_ARGUMENT, "negative capacity");
    }
    if (limit > 0 && required > limit) {
      throw Calls.error(
          Status.OUT_OF_RANGE, "required bytes " + required + " exceed the limit " + limit);
    }
    long want = required > 0 ? required : limit > 0 ? Math.min(DEFAULT_SIZE, limit) : DEFAULT_SIZE;
    long size = roundUp(want, MIB);
    if (limit > 0 && size > limit) {
      size = roundUp(want, GRAIN);
    }
    if (limit > 0 && size > limit) {
      throw Calls.error(
          Status.OUT_OF_RANGE,
          "no size in 4 KiB steps lies between " + required + " and " + limit + " bytes");
    }
    return size;
  }

  /** Whether an existing volume of {@code size} bytes satisfies {@code range}. */
  static boolean fits(long size, CapacityRange range) {
    return size >= range.getRequiredBytes()
        && (range.getLimitBytes() == 0 || size <= range.getLimitBytes());
  }

  private static long roundUp(long n, long unit) {
    return (n + unit - 1) / unit * unit;
  }

  /** The nodes (host NQNs) a volume is published to. */
  static List<String> publishedTo(VolumeRecord v) {
    return v.allowedHosts().stream().filter(h -> !h.equals(NO_HOST)).toList();
  }

  static Topology zoneTopology(String zone) {
    return Topology.newBuilder().putSegments(ZONE_KEY, zone).build();
  }

  /** Where a ListVolumes page starts: its token is the index of its first entry. */
  static int startOf(String token, int size) {
    if (token.isEmpty()) {
      return 0;
    }
    try {
      int start = Integer.parseInt(token);
      if (start >= 0 && start <= size) {
        return start;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw Calls.error(Status.ABORTED, "starting token '" + token + "' is not one this driver gave");
  }

  /**
   * The largest volume placement would accept: its owner on a node of {@code inSegment}, each other
   * replica on another node (any zone) with that much free. Free space is per node.
   */
  static long largestPlaceable(List<Long> inSegment, List<Long> everywhere, int replicas) {
    if (inSegment.isEmpty() || everywhere.size() < replicas) {
      return 0;
    }
    List<Long> sorted = new ArrayList<>(everywhere);
    sorted.sort(Comparator.reverseOrder());
    // the replicas-th largest free space anywhere bounds a volume that needs that many nodes; the
    // owner additionally needs a node in the segment
    long bound = sorted.get(replicas - 1);
    long ownerBest = inSegment.stream().mapToLong(Long::longValue).max().orElse(0);
    return Math.min(bound, ownerBest);
  }
}
