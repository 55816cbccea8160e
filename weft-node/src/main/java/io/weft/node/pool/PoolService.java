package io.weft.node.pool;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.node.NodeException;
import io.weft.store.ClusterStore;
import io.weft.store.KeyValue;
import io.weft.store.Op;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Pools' settings in the cluster store. Writing them is the volume service's (a change of ratio
 * moves the same key as every placement, so no placement counts with a ratio changed meanwhile):
 * this class reads them and checks and encodes a new one.
 */
public final class PoolService {
  public static final String PREFIX = "pools/";

  /** The most a pool may promise: beyond that a thin pool is a bet nobody should take. */
  public static final double MAX_OVERCOMMIT = 20.0;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");

  private final ClusterStore store;

  public PoolService(ClusterStore store) {
    this.store = store;
  }

  /** Every configured pool by name (pools nobody configured are not here: their ratio is 1). */
  public Map<String, PoolRecord> configured() {
    Map<String, PoolRecord> out = new TreeMap<>();
    for (KeyValue kv : store.list(PREFIX)) {
      PoolRecord p = parse(kv);
      out.put(p.name(), p);
    }
    return out;
  }

  /** The write that sets a pool's overcommit ratio, once checked. */
  public static Op put(String name, double overcommitRatio) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new NodeException(
          "invalid pool name '" + name + "': lower-case letters, digits, . _ -");
    }
    if (!(overcommitRatio >= 1.0 && overcommitRatio <= MAX_OVERCOMMIT)) {
      throw new NodeException(
          "an overcommit ratio is from 1 (promise no more than the disks hold) to "
              + MAX_OVERCOMMIT
              + ", not "
              + overcommitRatio);
    }
    try {
      return Op.put(PREFIX + name, JSON.writeValueAsBytes(new PoolRecord(name, overcommitRatio)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static PoolRecord parse(KeyValue kv) {
    try {
      return JSON.readValue(kv.value(), PoolRecord.class);
    } catch (IOException e) {
      throw new UncheckedIOException("bad pool record " + kv.key(), e);
    }
  }
}
