package io.weft.node.discovery;

import static io.weft.node.StoreUnavailable.guard;

import io.weft.node.NodeException;
import io.weft.node.NodeRegistry;
import io.weft.node.NodeStatus;
import io.weft.node.volume.VolumeRecord;
import io.weft.node.volume.VolumeService;
import io.weft.store.ClusterStore;
import io.weft.tgt.admin.AdminResource;
import io.weft.tgt.admin.AdminResponse;
import io.weft.tgt.admin.HttpError;
import io.weft.tgt.admin.Router;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The discovery service's registrations on every node's management API (and a standalone
 * service's): {@code GET/POST /v1/discovery/targets}, {@code DELETE /v1/discovery/targets/{id}} for
 * foreign targets; {@code GET /v1/discovery/hosts}, {@code DELETE /v1/discovery/hosts/{nqn}} for
 * hosts that registered with Discovery Information Management; {@code GET /v1/discovery/entries}
 * for everything the service lists, each with its source and health. A foreign target's health is
 * this process's discovery service's view, "unknown" where it runs none.
 */
public final class DiscoveryResource implements AdminResource {
  private final ForeignTargets targets;
  private final DiscoveryRegistrations registrations;
  private final NodeRegistry nodes;
  private final VolumeService volumes;
  private final Supplier<Map<String, String>> health;

  public DiscoveryResource(
      ClusterStore store, NodeRegistry nodes, Supplier<Map<String, String>> health) {
    this.targets = new ForeignTargets(store);
    this.registrations = new DiscoveryRegistrations(store);
    this.nodes = nodes;
    this.volumes = new VolumeService(store, nodes);
    this.health = health;
  }

  /**
   * One thing the service knows: a path to a subsystem ("subsystem"), another discovery service
   * ("referral") or a registered host ("host"); where it is, who put it there ("node n1",
   * "operator", "dim:NQN" for a discovery controller's registration, "dim" for a host's own) and
   * whether it answers ("up", "down"; "-" for hosts).
   */
  public record EntryView(
      String kind,
      String address,
      String nqn,
      List<String> allowedHosts,
      String source,
      String health) {}

  /** A registration as the API shows it. */
  public record TargetView(
      String id,
      String traddr,
      int trsvcid,
      String nqn,
      List<String> allowedHosts,
      String source,
      String health) {
    public static TargetView of(ForeignTarget t, String health) {
      return new TargetView(
          t.id(), t.traddr(), t.trsvcid(), t.nqn(), t.allowedHosts(), t.source(), health);
    }
  }

  /**
   * What {@code POST /v1/discovery/targets} takes: {@code kind} "subsystem" (the default),
   * "referral" (another discovery service) or "pull" (a target's discovery controller whose log is
   * served).
   */
  public record Registration(
      String traddr, Integer trsvcid, String nqn, List<String> allowedHosts, String kind) {}

  /** Every entry the discovery service can list, before any host's view is cut from it. */
  public List<EntryView> entries() {
    List<EntryView> out = new ArrayList<>();
    Map<String, NodeStatus> byId = new HashMap<>();
    nodes.nodes().forEach(n -> byId.put(n.info().id(), n));
    for (var v : volumes.list()) {
      VolumeRecord r = v.volume();
      for (String node : r.nodes()) {
        NodeStatus n = byId.get(node);
        out.add(
            new EntryView(
                "subsystem",
                n == null ? "?" : n.info().nvmeAddress(),
                r.nqn(),
                r.allowedHosts(),
                "node " + node,
                n != null && n.state() == NodeStatus.State.UP ? "up" : "down"));
      }
    }
    Map<String, String> h = health.get();
    for (ForeignTarget t : targets.list()) {
      out.add(
          new EntryView(
              t.kind().name().toLowerCase(java.util.Locale.ROOT),
              t.traddr() + ":" + t.trsvcid(),
              t.nqn(),
              t.allowedHosts(),
              t.source(),
              h.getOrDefault(t.id(), "unknown")));
    }
    for (RegisteredHost host : registrations.hosts()) {
      out.add(new EntryView("host", host.address(), host.nqn(), List.of(), "dim", "-"));
    }
    return out;
  }

  private static ForeignTarget.Kind kind(String kind) {
    if (kind == null) {
      return ForeignTarget.Kind.SUBSYSTEM;
    }
    try {
      return ForeignTarget.Kind.valueOf(kind.toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new HttpError(400, "kind '" + kind + "': subsystem, referral or pull");
    }
  }

  @Override
  public void register(Router router) {
    router.get("/v1/discovery/entries", guard(request -> AdminResponse.ok(entries())));
    router.get("/v1/discovery/hosts", guard(request -> AdminResponse.ok(registrations.hosts())));
    router.delete(
        "/v1/discovery/hosts/{nqn}",
        guard(
            request -> {
              try {
                registrations.deregisterHost(request.param("nqn"));
              } catch (NodeException e) {
                throw new HttpError(404, e.getMessage());
              }
              return AdminResponse.noContent();
            }));
    router.get(
        "/v1/discovery/targets",
        guard(
            request -> {
              Map<String, String> h = health.get();
              return AdminResponse.ok(
                  targets.list().stream()
                      .map(t -> TargetView.of(t, h.getOrDefault(t.id(), "unknown")))
                      .toList());
            }));
    router.post(
        "/v1/discovery/targets",
        guard(
            request -> {
              Registration r = request.body(Registration.class);
              try {
                ForeignTarget.Kind kind = kind(r.kind());
                boolean discoveryController = kind != ForeignTarget.Kind.SUBSYSTEM;
                ForeignTarget t =
                    targets.register(
                        new ForeignTarget(
                            r.traddr(),
                            r.trsvcid() != null ? r.trsvcid() : discoveryController ? 8009 : 4420,
                            r.nqn() != null || !discoveryController
                                ? r.nqn()
                                : io.weft.protocol.discovery.DiscoveryLogPage.DISCOVERY_NQN,
                            r.allowedHosts(),
                            "operator",
                            kind));
                return AdminResponse.created(TargetView.of(t, "unknown"));
              } catch (NodeException e) {
                throw new HttpError(400, e.getMessage());
              }
            }));
    router.delete(
        "/v1/discovery/targets/{id}",
        guard(
            request -> {
              try {
                targets.deregister(request.param("id"));
              } catch (NodeException e) {
                throw new HttpError(404, e.getMessage());
              }
              return AdminResponse.noContent();
            }));
  }
}
