package io.weft.node.discovery;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.node.NodeException;
import io.weft.store.ClusterStore;
import io.weft.store.KeyValue;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Foreign targets registered with the cluster's discovery service, in the store ({@code
 * discovery/targets/<address>:<port>:<nqn>}), so every discovery instance serves them.
 */
public final class ForeignTargets {
  static final String PREFIX = "discovery/targets/";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ClusterStore store;

  public ForeignTargets(ClusterStore store) {
    this.store = store;
  }

  /** Registers (or registers again, replacing the allowed hosts) a foreign target. */
  public ForeignTarget register(ForeignTarget t) {
    ForeignTarget checked = t.checked();
    try {
      store.put(PREFIX + checked.id(), JSON.writeValueAsBytes(checked));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return checked;
  }

  /** Removes a registration; refused if there is none. */
  public void deregister(String id) {
    if (store.get(PREFIX + id).isEmpty()) {
      throw new NodeException("no registered target '" + id + "'");
    }
    store.delete(PREFIX + id);
  }

  public List<ForeignTarget> list() {
    List<ForeignTarget> out = new ArrayList<>();
    for (KeyValue kv : store.list(PREFIX)) {
      try {
        out.add(JSON.readValue(kv.value(), ForeignTarget.class));
      } catch (IOException e) {
        // an unreadable registration is skipped, not served
      }
    }
    out.sort((a, b) -> a.id().compareTo(b.id()));
    return out;
  }
}
