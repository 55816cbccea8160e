package io.weft.csi;

import io.grpc.Status;
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
 */
record StorageClassParameters(
    int replicas, Integer blockSize, boolean zoneFallback, Map<String, String> connect) {
  static final String CTRL_LOSS_TMO = "ctrlLossTmo";
  static final String KEEP_ALIVE_TMO = "keepAliveTmo";
  static final String NR_IO_QUEUES = "nrIoQueues";

  static StorageClassParameters parse(Map<String, String> params) {
    int replicas = 1;
    Integer blockSize = null;
    boolean fallback = false;
    Map<String, String> connect = new java.util.TreeMap<>();
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
        case CTRL_LOSS_TMO, KEEP_ALIVE_TMO ->
            connect.put(e.getKey(), Integer.toString(number(e.getKey(), value, -1, 3600)));
        case NR_IO_QUEUES ->
            connect.put(e.getKey(), Integer.toString(number(e.getKey(), value, 1, 128)));
        default -> {
          if (!e.getKey().startsWith("csi.storage.k8s.io/")) {
            throw invalid(
                "unknown StorageClass parameter '"
                    + e.getKey()
                    + "' (known: replicas, blockSize, zoneFallback, ctrlLossTmo, keepAliveTmo,"
                    + " nrIoQueues)");
          }
        }
      }
    }
    return new StorageClassParameters(replicas, blockSize, fallback, Map.copyOf(connect));
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
