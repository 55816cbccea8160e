package io.weft.tgt.config;

/**
 * Who may reach the target beyond loopback, and how the management API is locked. The decisions
 * made from it are {@link AccessPolicy}'s.
 *
 * @param allowAnyHostBeyondLoopback the lab opt-out: start even when a subsystem reachable beyond
 *     loopback lets any host connect (logged as a warning at every start)
 * @param admin how the management API authenticates callers and encrypts its traffic
 */
public record SecurityConfig(boolean allowAnyHostBeyondLoopback, AdminSecurityConfig admin) {

  public SecurityConfig {
    if (admin == null) {
      admin = AdminSecurityConfig.none();
    }
  }

  /** Nothing configured: enough for a target that stays on loopback. */
  public static SecurityConfig defaults() {
    return new SecurityConfig(false, AdminSecurityConfig.none());
  }

  public SecurityConfig withAllowAnyHostBeyondLoopback(boolean allow) {
    return new SecurityConfig(allow, admin);
  }

  public SecurityConfig withAdmin(AdminSecurityConfig a) {
    return new SecurityConfig(allowAnyHostBeyondLoopback, a);
  }
}
