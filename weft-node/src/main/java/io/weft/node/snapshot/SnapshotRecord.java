package io.weft.node.snapshot;

import java.util.List;

/**
 * A snapshot of a volume as the cluster store holds it ({@code snapshots/<name>}): one point in the
 * volume's writes, kept on every node that held an in-sync replica then, as an instant thin copy of
 * that replica (a reflink, {@code volumes/snapshots/<uuid>.img}).
 *
 * <p>How it is taken: {@link State#TAKING} when asked for; the volume's owner stops taking writes
 * and lets those in flight complete, then marks it {@link State#FROZEN}; every node of {@code
 * nodes} copies its replica and says so ({@code snapshot-acks/<name>/<node>}); the owner marks it
 * {@link State#READY} and takes writes again. If a node does not answer in time, or the owner
 * changes meanwhile, it is {@link State#FAILED}: its copies are removed and the record stays to say
 * so until deleted.
 *
 * @param generation the volume's ownership generation it was asked for under: only that owner takes
 *     it
 * @param failure why it failed, or null
 */
public record SnapshotRecord(
    String name,
    String volume,
    String uuid,
    long sizeBytes,
    int blockSize,
    List<String> nodes,
    State state,
    long generation,
    long createdAtMillis,
    String failure) {

  /** Where a snapshot is in its taking. */
  public enum State {
    TAKING,
    FROZEN,
    READY,
    FAILED
  }

  public SnapshotRecord {
    nodes = List.copyOf(nodes);
  }

  public SnapshotRecord withState(State next) {
    return new SnapshotRecord(
        name,
        volume,
        uuid,
        sizeBytes,
        blockSize,
        nodes,
        next,
        generation,
        createdAtMillis,
        failure);
  }

  public SnapshotRecord failed(String why) {
    return new SnapshotRecord(
        name,
        volume,
        uuid,
        sizeBytes,
        blockSize,
        nodes,
        State.FAILED,
        generation,
        createdAtMillis,
        why);
  }

  /** Taken, or being taken: its copies are to be kept. */
  public boolean live() {
    return state != State.FAILED;
  }
}
