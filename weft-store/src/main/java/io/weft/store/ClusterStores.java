package io.weft.store;

import io.weft.store.embedded.EmbeddedStore;
import io.weft.store.etcd.EtcdStore;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Opens the cluster store a node is configured with. */
public final class ClusterStores {
  /** Where the etcd implementation keeps Weft's keys. */
  public static final String ETCD_NAMESPACE = "/weft/";

  private ClusterStores() {}

  /**
   * {@code null} or empty: the embedded store in {@code dataDir/cluster}; {@code
   * etcd://HOST:PORT[,HOST:PORT...]}: an etcd cluster through those members' client URLs.
   */
  public static ClusterStore open(String spec, Path dataDir) {
    return open(spec, dataDir, EtcdAccess.none());
  }

  /** As {@link #open(String, Path)}, authenticating to etcd as {@code access} says. */
  public static ClusterStore open(String spec, Path dataDir, EtcdAccess access) {
    if (spec == null || spec.isBlank()) {
      return EmbeddedStore.open(dataDir.resolve("cluster"));
    }
    return EtcdStore.connect(etcdEndpoints(spec), ETCD_NAMESPACE, access);
  }

  /** The client URLs in an {@code etcd://HOST:PORT[,HOST:PORT...]} spec. */
  public static List<URI> etcdEndpoints(String spec) {
    if (!spec.startsWith("etcd://")) {
      throw new IllegalArgumentException(
          "unknown cluster store '" + spec + "': expected etcd://HOST:PORT[,HOST:PORT...]");
    }
    List<URI> endpoints = new ArrayList<>();
    for (String member : spec.substring("etcd://".length()).split(",")) {
      String m = member.strip();
      if (m.isEmpty() || !m.contains(":")) {
        throw new IllegalArgumentException("'" + m + "' in " + spec + " is not HOST:PORT");
      }
      endpoints.add(URI.create("http://" + m));
    }
    return endpoints;
  }
}
