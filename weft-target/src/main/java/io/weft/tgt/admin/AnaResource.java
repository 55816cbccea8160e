package io.weft.tgt.admin;

import io.weft.tgt.Target;

/**
 * {@code GET /v1/subsystems/{nqn}/ana}: the ANA state of each (port, group); {@code PUT
 * /v1/subsystems/{nqn}/ana/{port}/{group}} with {@code {"state": "inaccessible"}} changes one.
 */
final class AnaResource implements AdminResource {
  private final Target target;

  AnaResource(Target target) {
    this.target = target;
  }

  /** The body of a state change. */
  record StateChange(String state) {}

  @Override
  public void register(Router router) {
    router.get(
        "/v1/subsystems/{nqn}/ana",
        request -> AdminResponse.ok(target.anaStates(request.param("nqn"))));
    router.add(
        "PUT",
        "/v1/subsystems/{nqn}/ana/{port}/{group}",
        request -> {
          StateChange change = request.body(StateChange.class);
          if (change.state() == null) {
            throw new HttpError(400, "body needs a \"state\"");
          }
          return AdminResponse.ok(
              target.setAnaState(
                  request.param("nqn"),
                  request.intParam("port"),
                  request.intParam("group"),
                  change.state()));
        });
  }
}
