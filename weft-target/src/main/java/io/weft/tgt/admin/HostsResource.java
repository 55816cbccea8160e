package io.weft.tgt.admin;

import io.weft.protocol.auth.DhchapSecret;
import io.weft.tgt.Target;
import io.weft.tgt.config.DhchapKeys;

/**
 * The hosts of a subsystem and their DH-HMAC-CHAP keys:
 *
 * <ul>
 *   <li>{@code GET /v1/subsystems/{nqn}/hosts}: each allowed host with its keys' fingerprints;
 *   <li>{@code POST /v1/subsystems/{nqn}/hosts} with {@code {"nqn", "dhchapSecret",
 *       "dhchapCtrlSecret"}} (secrets optional, as {@code DHHC-1:} text) allows a host: 201;
 *   <li>{@code DELETE /v1/subsystems/{nqn}/hosts/{host}} removes it and ends its connections: 204;
 *   <li>{@code POST /v1/subsystems/{nqn}/hosts/{host}/rotate-key} with {@code {"dhchapSecret",
 *       "dhchapCtrlSecret", "graceSeconds"}} makes the new keys current and keeps the old ones
 *       valid for the grace window: 200.
 * </ul>
 *
 * Answers carry fingerprints only; secrets in requests are never echoed or logged.
 */
final class HostsResource implements AdminResource {
  /** How long an old key stays valid after a rotation unless the request says otherwise. */
  static final long DEFAULT_GRACE_SECONDS = 600;

  private final Target target;

  HostsResource(Target target) {
    this.target = target;
  }

  /** The body of an add. */
  record AddHost(String nqn, String dhchapSecret, String dhchapCtrlSecret) {}

  /** The body of a rotation. */
  record Rotation(String dhchapSecret, String dhchapCtrlSecret, Long graceSeconds) {}

  @Override
  public void register(Router router) {
    router.get(
        "/v1/subsystems/{nqn}/hosts",
        request -> AdminResponse.ok(target.hosts(request.param("nqn"))));
    router.post("/v1/subsystems/{nqn}/hosts", this::add);
    router.delete(
        "/v1/subsystems/{nqn}/hosts/{host}",
        request -> {
          target.removeHost(request.param("nqn"), request.param("host"));
          return AdminResponse.noContent();
        });
    router.post("/v1/subsystems/{nqn}/hosts/{host}/rotate-key", this::rotate);
  }

  private AdminResponse add(AdminRequest request) throws Exception {
    AddHost body = request.body(AddHost.class);
    if (body.nqn() == null || body.nqn().isBlank()) {
      throw new HttpError(400, "body needs the host's \"nqn\"");
    }
    DhchapKeys keys = keys(body.dhchapSecret(), body.dhchapCtrlSecret(), false);
    String nqn = request.param("nqn");
    target.addHost(nqn, body.nqn(), keys);
    return AdminResponse.created(
        target.hosts(nqn).stream()
            .filter(h -> h.nqn().equals(body.nqn()))
            .findFirst()
            .orElseThrow());
  }

  private AdminResponse rotate(AdminRequest request) throws Exception {
    Rotation body = request.body(Rotation.class);
    long grace = body.graceSeconds() == null ? DEFAULT_GRACE_SECONDS : body.graceSeconds();
    if (grace < 0) {
      throw new HttpError(400, "graceSeconds must not be negative");
    }
    String nqn = request.param("nqn");
    String host = request.param("host");
    target.rotateHostKeys(
        nqn, host, keys(body.dhchapSecret(), body.dhchapCtrlSecret(), true), grace * 1000);
    return AdminResponse.ok(
        target.hosts(nqn).stream().filter(h -> h.nqn().equals(host)).findFirst().orElseThrow());
  }

  private static DhchapKeys keys(String secret, String ctrlSecret, boolean required) {
    if (secret == null) {
      if (required || ctrlSecret != null) {
        throw new HttpError(400, "body needs \"dhchapSecret\" (a DHHC-1: secret)");
      }
      return null;
    }
    try {
      return new DhchapKeys(
          DhchapSecret.parse(secret), ctrlSecret == null ? null : DhchapSecret.parse(ctrlSecret));
    } catch (IllegalArgumentException e) {
      // The parser's messages describe the format, never the key.
      throw new HttpError(400, e.getMessage());
    }
  }
}
