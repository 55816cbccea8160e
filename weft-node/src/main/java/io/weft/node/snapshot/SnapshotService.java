package io.weft.node.snapshot;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.node.NodeException;
import io.weft.store.ClusterStore;
import io.weft.store.Compare;
import io.weft.store.KeyValue;
import io.weft.store.Op;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/** Snapshots in the cluster store: their records, and each node's word that its copy is made. */
public final class SnapshotService {
  public static final String PREFIX = "snapshots/";
  public static final String ACKS = "snapshot-acks/";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");

  private final ClusterStore store;

  public SnapshotService(ClusterStore store) {
    this.store = store;
  }

  /** A snapshot with the revision its record was read at. */
  public record Versioned(SnapshotRecord snapshot, long modRevision) {}

  /** Asks for a snapshot of a volume whose in-sync replicas are on {@code nodes}. */
  public SnapshotRecord create(
      String name,
      String volume,
      long sizeBytes,
      int blockSize,
      List<String> nodes,
      long generation) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new NodeException(
          "invalid snapshot name '" + name + "': lower-case letters, digits, . _ -");
    }
    SnapshotRecord s =
        new SnapshotRecord(
            name,
            volume,
            UUID.randomUUID().toString(),
            sizeBytes,
            blockSize,
            nodes,
            SnapshotRecord.State.TAKING,
            generation,
            System.currentTimeMillis(),
            null);
    if (!store
        .txn(
            List.of(Compare.absent(PREFIX + name)),
            List.of(Op.put(PREFIX + name, json(s))),
            List.of())
        .succeeded()) {
      throw new NodeException("snapshot '" + name + "' exists");
    }
    return s;
  }

  public List<Versioned> list() {
    List<Versioned> out = new ArrayList<>();
    for (KeyValue kv : store.list(PREFIX)) {
      out.add(new Versioned(parse(kv), kv.modRevision()));
    }
    return out;
  }

  public Optional<Versioned> get(String name) {
    return store.get(PREFIX + name).map(kv -> new Versioned(parse(kv), kv.modRevision()));
  }

  /** Moves a snapshot to {@code next} if it is still as read; false if it changed meanwhile. */
  public boolean advance(Versioned s, SnapshotRecord.State next) {
    return replace(s, s.snapshot().withState(next));
  }

  /** Marks a snapshot failed, saying why, if it is still as read. */
  public boolean fail(Versioned s, String why) {
    return replace(s, s.snapshot().failed(why));
  }

  private boolean replace(Versioned s, SnapshotRecord next) {
    String key = PREFIX + s.snapshot().name();
    return store
        .txn(
            List.of(Compare.modRevision(key, s.modRevision())),
            List.of(Op.put(key, json(next))),
            List.of())
        .succeeded();
  }

  /** {@code node} made its copy. */
  public void ack(String name, String node) {
    store.put(ACKS + name + "/" + node, "1".getBytes());
  }

  /** The nodes that made their copy. */
  public Set<String> acks(String name) {
    Set<String> out = new HashSet<>();
    for (KeyValue kv : store.list(ACKS + name + "/")) {
      out.add(kv.key().substring((ACKS + name + "/").length()));
    }
    return out;
  }

  /** Deletes a snapshot's record and acks; every node then removes its copy. */
  public void delete(String name) {
    List<Op> ops = new ArrayList<>();
    ops.add(Op.delete(PREFIX + name));
    for (KeyValue kv : store.list(ACKS + name + "/")) {
      ops.add(Op.delete(kv.key()));
    }
    store.txn(List.of(), ops, List.of());
  }

  private static SnapshotRecord parse(KeyValue kv) {
    try {
      return JSON.readValue(kv.value(), SnapshotRecord.class);
    } catch (IOException e) {
      throw new UncheckedIOException("bad snapshot record " + kv.key(), e);
    }
  }

  private static byte[] json(SnapshotRecord s) {
    try {
      return JSON.writeValueAsBytes(s);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
