package io.weft.csi;

import static io.weft.csi.Calls.error;

import com.google.protobuf.Timestamp;
import io.grpc.Status;
import io.weft.csi.proto.CreateSnapshotRequest;
import io.weft.csi.proto.ListSnapshotsRequest;
import io.weft.csi.proto.ListSnapshotsResponse;
import io.weft.csi.proto.Snapshot;
import io.weft.node.snapshot.SnapshotRecord;
import io.weft.node.snapshot.SnapshotService;
import io.weft.node.volume.VolumeRecord;
import io.weft.node.volume.VolumeService;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * CSI snapshots as Weft snapshots: a CSI snapshot id is the Weft snapshot's name (a CSI name made a
 * Weft name as for volumes), its source the volume's. Taking one waits until it is ready; a volume
 * cloned from another takes a snapshot of it, clones that and deletes it (the clone shares the
 * blocks, not the snapshot).
 */
final class CsiSnapshots {
  /** How long a CreateSnapshot waits for the snapshot to be taken. */
  static final Duration TAKING = Duration.ofSeconds(30);

  private final VolumeService volumes;

  CsiSnapshots(VolumeService volumes) {
    this.volumes = volumes;
  }

  /** Takes (or finds, if taken already of the same volume) the snapshot asked for. */
  Snapshot create(CreateSnapshotRequest request) throws InterruptedException {
    if (request.getName().isEmpty()) {
      throw error(Status.INVALID_ARGUMENT, "a snapshot needs a name");
    }
    if (request.getSourceVolumeId().isEmpty()) {
      throw error(Status.INVALID_ARGUMENT, "a snapshot needs a source volume");
    }
    String name = CsiVolumes.volumeName(request.getName());
    return toCsi(take(name, request.getSourceVolumeId()));
  }

  /** A ready snapshot {@code name} of {@code volume}: taken now, or found taken. */
  SnapshotRecord take(String name, String volume) throws InterruptedException {
    Optional<SnapshotService.Versioned> existing = volumes.snapshots().get(name);
    if (existing.isPresent() && !existing.get().snapshot().volume().equals(volume)) {
      throw error(
          Status.ALREADY_EXISTS,
          "snapshot '" + name + "' exists, of volume '" + existing.get().snapshot().volume() + "'");
    }
    if (existing.isEmpty() || existing.get().snapshot().state() == SnapshotRecord.State.FAILED) {
      if (volumes.get(volume).isEmpty()) {
        throw error(Status.NOT_FOUND, "no volume '" + volume + "'");
      }
      existing.ifPresent(failed -> volumes.deleteSnapshot(name));
      try {
        volumes.createSnapshot(volume, name);
      } catch (io.weft.node.NodeException e) {
        if (volumes.snapshots().get(name).isEmpty()) {
          throw e;
        }
        // taken meanwhile by another call: wait for it as for our own
      }
    }
    SnapshotRecord s = volumes.awaitSnapshot(name, TAKING);
    if (s.state() == SnapshotRecord.State.FAILED) {
      throw error(Status.INTERNAL, "snapshot '" + name + "' failed: " + s.failure());
    }
    if (s.state() != SnapshotRecord.State.READY) {
      throw error(Status.UNAVAILABLE, "snapshot '" + name + "' is still being taken; try again");
    }
    return s;
  }

  /** Deletes a snapshot; one that does not exist is deleted already. */
  void delete(String id) {
    if (id.isEmpty()) {
      throw error(Status.INVALID_ARGUMENT, "a snapshot id is required");
    }
    if (volumes.snapshots().get(id).isPresent()) {
      volumes.deleteSnapshot(id);
    }
  }

  ListSnapshotsResponse list(ListSnapshotsRequest request) {
    if (request.getMaxEntries() < 0) {
      throw error(Status.INVALID_ARGUMENT, "max_entries is negative");
    }
    List<SnapshotRecord> all =
        volumes.snapshots().list().stream()
            .map(SnapshotService.Versioned::snapshot)
            .filter(
                s -> request.getSnapshotId().isEmpty() || s.name().equals(request.getSnapshotId()))
            .filter(
                s ->
                    request.getSourceVolumeId().isEmpty()
                        || s.volume().equals(request.getSourceVolumeId()))
            .sorted(Comparator.comparing(SnapshotRecord::name))
            .toList();
    int start = CsiVolumes.startOf(request.getStartingToken(), all.size());
    int end =
        request.getMaxEntries() == 0
            ? all.size()
            : (int) Math.min(all.size(), (long) start + request.getMaxEntries());
    ListSnapshotsResponse.Builder b = ListSnapshotsResponse.newBuilder();
    for (SnapshotRecord s : all.subList(start, end)) {
      b.addEntries(ListSnapshotsResponse.Entry.newBuilder().setSnapshot(toCsi(s)));
    }
    if (end < all.size()) {
      b.setNextToken(Integer.toString(end));
    }
    return b.build();
  }

  /**
   * The snapshot a new volume is a clone of: the one named, or for a volume source a snapshot of it
   * taken now (named after the clone, deleted once the clone exists). NOT_FOUND if the source does
   * not exist.
   */
  SnapshotRecord sourceOf(io.weft.csi.proto.VolumeContentSource source, String cloneName)
      throws InterruptedException {
    if (source.hasSnapshot()) {
      SnapshotRecord s =
          volumes
              .snapshots()
              .get(source.getSnapshot().getSnapshotId())
              .orElseThrow(
                  () ->
                      error(
                          Status.NOT_FOUND,
                          "no snapshot '" + source.getSnapshot().getSnapshotId() + "'"))
              .snapshot();
      if (s.state() != SnapshotRecord.State.READY) {
        throw error(Status.UNAVAILABLE, "snapshot '" + s.name() + "' is not ready yet");
      }
      return s;
    }
    if (source.hasVolume()) {
      String volume = source.getVolume().getVolumeId();
      if (volumes.get(volume).isEmpty()) {
        throw error(Status.NOT_FOUND, "no volume '" + volume + "'");
      }
      return take(CsiVolumes.volumeName("clone-source-" + cloneName), volume);
    }
    throw error(Status.INVALID_ARGUMENT, "a content source is a snapshot or a volume");
  }

  static Snapshot toCsi(SnapshotRecord s) {
    return Snapshot.newBuilder()
        .setSnapshotId(s.name())
        .setSourceVolumeId(s.volume())
        .setSizeBytes(s.sizeBytes())
        .setReadyToUse(s.state() == SnapshotRecord.State.READY)
        .setCreationTime(
            Timestamp.newBuilder()
                .setSeconds(s.createdAtMillis() / 1000)
                .setNanos((int) (s.createdAtMillis() % 1000) * 1_000_000))
        .build();
  }

  /** Whether {@code v} was cloned from {@code s}. */
  static boolean clonedFrom(VolumeRecord v, SnapshotRecord s) {
    return s.uuid().equals(v.sourceSnapshot());
  }
}
