package io.weft.csi;

import io.grpc.Status;
import io.weft.block.BlockDevices;
import io.weft.tgt.qos.QosPolicy;
import io.weft.tgt.qos.WorkloadClass;
import java.util.Map;

/**
 * The StorageClass parameters the driver understands. Unknown keys are refused, so a typo in a
 * StorageClass fails the first claim instead of silently making a volume the operator did not ask
 * for. Keys that Kubernetes' sidecars add ({@code csi.storage.k8s.io/...}) are theirs and pass.
 *
 * @param replicas copies on distinct nodes, spread across zones ({@code replicas}, default 1)
 * @param blockSize the namespace's logical block size ({@code blockSize}: 512 or 4096)
 * @param zoneFallback place the owner outside the consumer's zones when they have no room ({@code
 *     zoneFallback: "true"}; default false: refuse)
 * @param connect how consumer nodes connect ({@code ctrlLossTmo}, {@code keepAliveTmo}, {@code
 *     nrIoQueues}, as nvme-cli names them): handed to the node plugin in the volume context
 * @param qos the volume's QoS ({@code qosClass}: latency-critical, throughput or best-effort;
 *     ceilings {@code readIops}, {@code writeIops}, {@code readBandwidth}, {@code writeBandwidth};
 *     floor while yielding {@code minIops}, {@code minBandwidth}; bandwidths as sizes per second,
 *     e.g. {@code 200Mi}), or null when the class names none
 * @param tenant the tenant its volumes belong to ({@code tenant}): published only to the tenant's
 *     hosts, counted against its quota; null for none
 * @param pool the pool whose nodes hold its volumes ({@code pool}), and whose capacity GetCapacity
 *     reports; null for any node
 */
record StorageClassParameters(
    int replicas,
    Integer blockSize,
    boolean zoneFallback,
    Map<String, String> connect,
    QosPolicy qos,
    String tenant,
    String pool) {
  static final String CTRL_LOSS_TMO = "ctrlLossTmo";
  static final String KEEP_ALIVE_TMO = "keepAliveTmo";
  static final String NR_IO_QUEUES = "nrIoQueues";

  static StorageClassParameters parse(Map<String, String> params) {
    int replicas = 1;
    Integer blockSize = null;
    boolean fallback = false;
    Map<String, String> connect = new java.util.TreeMap<>();
    Map<String, String> qos = new java.util.HashMap<>();
    String tenant = null;
    String pool = null;
    for (Map.Entry<String, String> e : params.entrySet()) {
      String value = e.getValue().trim();
      switch (e.getKey()) {
        case "replicas" -> replicas = number(e.getKey(), value, 1, 15);
        case "blockSize" -> {
          blockSize = number(e.getKey(), value, 512, 4096);
          if (blockSize != 512 && blockSize != 4096) {
            throw invalid("blockSize must be 512 or 4096, not " + value);
          }
        }
        case "zoneFallback" -> fallback = bool(e.getKey(), value);
        case "tenant" -> tenant = value.isEmpty() ? null : value;
        case "pool" -> pool = value.isEmpty() ? null : value;
        case CTRL_LOSS_TMO, KEEP_ALIVE_TMO ->
            connect.put(e.getKey(), Integer.toString(number(e.getKey(), value, -1, 3600)));
        case NR_IO_QUEUES ->
            connect.put(e.getKey(), Integer.toString(number(e.getKey(), value, 1, 128)));
        case "qosClass",
            "readIops",
            "writeIops",
            "readBandwidth",
            "writeBandwidth",
            "minIops",
            "minBandwidth" ->
            qos.put(e.getKey(), value);
        default -> {
          if (!e.getKey().startsWith("csi.storage.k8s.io/")) {
            throw invalid(
                "unknown StorageClass parameter '"
                    + e.getKey()
                    + "' (known: replicas, blockSize, zoneFallback, ctrlLossTmo, keepAliveTmo,"
                    + " nrIoQueues, qosClass, readIops, writeIops, readBandwidth, writeBandwidth,"
                    + " minIops, minBandwidth, tenant, pool)");
          }
        }
      }
    }
    return new StorageClassParameters(
        replicas, blockSize, fallback, Map.copyOf(connect), qos(qos), tenant, pool);
  }

  /** The QoS the class asks for; a limit without a class is a throughput volume's. */
  private static QosPolicy qos(Map<String, String> p) {
    if (p.isEmpty()) {
      return null;
    }
    try {
      return new QosPolicy(
          WorkloadClass.parse(p.getOrDefault("qosClass", WorkloadClass.THROUGHPUT.label())),
          count(p, "readIops"),
          count(p, "writeIops"),
          bandwidth(p, "readBandwidth"),
          bandwidth(p, "writeBandwidth"),
          count(p, "minIops"),
          bandwidth(p, "minBandwidth"));
    } catch (IllegalArgumentException e) {
      throw invalid(e.getMessage());
    }
  }

  private static long count(Map<String, String> p, String key) {
    String value = p.get(key);
    if (value == null) {
      return 0;
    }
    try {
      long n = Long.parseLong(value);
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw invalid(key + " must be a positive number, not '" + value + "'");
  }

  private static long bandwidth(Map<String, String> p, String key) {
    String value = p.get(key);
    if (value == null) {
      return 0;
    }
    try {
      // Kubernetes writes quantities as 200Mi; Weft's sizes as 200M or 200MiB
      return BlockDevices.parseSize(value.endsWith("i") ? value + "B" : value);
    } catch (IllegalArgumentException e) {
      throw invalid(key + " must be a size per second such as 200Mi: " + e.getMessage());
    }
  }

  private static int number(String key, String value, int min, int max) {
    try {
      int n = Integer.parseInt(value);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw invalid(key + " must be a number from " + min + " to " + max + ", not '" + value + "'");
  }

  private static boolean bool(String key, String value) {
    return switch (value) {
      case "true" -> true;
      case "false" -> false;
      default -> throw invalid(key + " must be true or false, not '" + value + "'");
    };
  }

  private static RuntimeException invalid(String message) {
    return Calls.error(Status.INVALID_ARGUMENT, message);
  }
}
