/**
 * The target's HTTP management interface: one small JSON API over the JDK's built-in HTTP server.
 *
 * <p>Layout: {@link io.weft.tgt.admin.AdminServer} owns the socket and the threads; {@link
 * io.weft.tgt.admin.Router} maps method and path to a handler; each resource class (health,
 * subsystems, namespaces, controllers) registers the routes of one resource and calls {@link
 * io.weft.tgt.Target}; {@link io.weft.tgt.admin.AdminErrors} is the one place that turns an
 * exception into an HTTP status and a {@code {"error": "..."}} body. A new feature adds a resource
 * class and one line in {@code AdminServer.resources}.
 *
 * <pre>
 * GET    /v1/health                              200 {"status":"ok"}
 * GET    /v1/subsystems                          200 [SubsystemInfo...]
 * POST   /v1/subsystems/{nqn}/namespaces         201 NamespaceInfo    (body: NamespaceConfig)
 * DELETE /v1/subsystems/{nqn}/namespaces/{nsid}  204
 * PUT    /v1/subsystems/{nqn}/namespaces/{nsid}/qos  200 NamespaceInfo (body: QosPolicy)
 * DELETE /v1/subsystems/{nqn}/namespaces/{nsid}/qos  200 NamespaceInfo
 * PUT    /v1/subsystems/{nqn}/namespaces/{nsid}/size 200 NamespaceInfo (body: {"sizeBytes": N})
 * GET    /v1/controllers                         200 [ControllerInfo...]
 * </pre>
 *
 * Path segments are percent-decoded, so an NQN may be sent as is or encoded ({@code %3A} for {@code
 * :}).
 */
package io.weft.tgt.admin;
