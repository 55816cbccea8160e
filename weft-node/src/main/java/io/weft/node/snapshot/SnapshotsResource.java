package io.weft.node.snapshot;

import static io.weft.node.StoreUnavailable.guard;

import io.weft.node.Refusals;
import io.weft.node.volume.VolumeService;
import io.weft.tgt.admin.AdminResource;
import io.weft.tgt.admin.AdminResponse;
import io.weft.tgt.admin.HttpError;
import io.weft.tgt.admin.Router;
import java.time.Duration;

/**
 * Snapshots on every node's management API: {@code GET/POST /v1/snapshots} ({@code {"name": "s1",
 * "volume": "v1"}}; answers once the snapshot is ready, or 409 if it failed), {@code GET/DELETE
 * /v1/snapshots/{name}}. A clone is a volume created with {@code "fromSnapshot"}.
 */
public final class SnapshotsResource implements AdminResource {
  /** How long a create waits for the snapshot to be taken. */
  static final Duration TAKING = Duration.ofSeconds(30);

  private final VolumeService volumes;

  public SnapshotsResource(VolumeService volumes) {
    this.volumes = volumes;
  }

  /** What {@code POST /v1/snapshots} takes. */
  public record CreateSnapshot(String name, String volume) {}

  @Override
  public void register(Router router) {
    router.get(
        "/v1/snapshots",
        guard(
            request ->
                AdminResponse.ok(
                    volumes.snapshots().list().stream()
                        .map(SnapshotService.Versioned::snapshot)
                        .toList())));
    router.post(
        "/v1/snapshots",
        guard(
            request -> {
              CreateSnapshot c = request.body(CreateSnapshot.class);
              if (c.name() == null || c.volume() == null) {
                throw new HttpError(400, "body needs \"name\" and \"volume\"");
              }
              Refusals.refusing("no volume", () -> volumes.createSnapshot(c.volume(), c.name()));
              SnapshotRecord s = volumes.awaitSnapshot(c.name(), TAKING);
              if (s.state() == SnapshotRecord.State.FAILED) {
                throw new HttpError(409, "snapshot '" + c.name() + "' failed: " + s.failure());
              }
              return AdminResponse.created(s);
            }));
    router.get(
        "/v1/snapshots/{name}",
        guard(
            request ->
                AdminResponse.ok(
                    volumes
                        .snapshots()
                        .get(request.param("name"))
                        .orElseThrow(
                            () -> new HttpError(404, "no snapshot '" + request.param("name") + "'"))
                        .snapshot())));
    router.delete(
        "/v1/snapshots/{name}",
        guard(
            request -> {
              Refusals.refusing(
                  "no snapshot",
                  () -> {
                    volumes.deleteSnapshot(request.param("name"));
                    return null;
                  });
              return AdminResponse.noContent();
            }));
  }
}
