package io.weft.tgt.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The access decisions, from configurations alone (nothing binds here). */
class AccessPolicyTest {
  private static final String NQN = "nqn.2026-11.io.weft.test:policy";
  private static final String HOST = "nqn.2014-08.org.example:host1";

  private static TargetConfig config(String listen, List<String> hosts, String admin) {
    return new TargetConfig(
        Path.of("/nonexistent"),
        List.of(ListenerConfig.of(listen, 4420)),
        List.of(new SubsystemConfig(NQN, null, null, null, hosts, List.of())),
        admin,
        TuningConfig.defaults());
  }

  @Test
  void loopbackNamesAndAddressesAreLoopback() {
    for (String h : List.of("127.0.0.1", "127.3.4.5", "::1", "[::1]", "localhost")) {
      assertTrue(AccessPolicy.isLoopback(h), h);
    }
    for (String h : List.of("0.0.0.0", "::", "192.0.2.10", "2001:db8::1", "", "no-such.invalid")) {
      assertFalse(AccessPolicy.isLoopback(h), h);
    }
  }

  @Test
  void loopbackNeedsNothing() throws Exception {
    assertEquals(List.of(), AccessPolicy.check(config("127.0.0.1", List.of(), "127.0.0.1:9420")));
  }

  @Test
  void anyHostBeyondLoopbackIsRefusedWithTheFix() {
    AccessPolicy.Refused refused =
        assertThrows(
            AccessPolicy.Refused.class,
            () -> AccessPolicy.check(config("0.0.0.0", List.of(), null)));
    assertEquals(
        "listener 0.0.0.0:4420 is not loopback and subsystem "
            + NQN
            + " allows any host: add --allow-host NQN (allowedHosts in the config file), or"
            + " listen on 127.0.0.1",
        refused.getMessage());
  }

  @Test
  void anAllowListIsEnough() throws Exception {
    assertEquals(List.of(), AccessPolicy.check(config("192.0.2.10", List.of(HOST), null)));
  }

  @Test
  void theLabOptOutTurnsTheProblemIntoAWarning() throws Exception {
    TargetConfig c =
        config("192.0.2.10", List.of(), null)
            .withSecurity(SecurityConfig.defaults().withAllowAnyHostBeyondLoopback(true));
    List<String> warnings = AccessPolicy.check(c);
    assertEquals(1, warnings.size());
    assertTrue(warnings.get(0).contains("192.0.2.10:4420 is not loopback"), warnings.get(0));
  }

  @Test
  void anAdminApiBeyondLoopbackNeedsTls() {
    AccessPolicy.Refused refused =
        assertThrows(
            AccessPolicy.Refused.class,
            () -> AccessPolicy.check(config("127.0.0.1", List.of(), "[2001:db8::1]:9420")));
    assertTrue(
        refused
            .getMessage()
            .startsWith("admin API [2001:db8::1]:9420 is not loopback and has no TLS"),
        refused.getMessage());
    // The opt-out is for hosts on the NVMe/TCP side, never for the management API.
    TargetConfig lab =
        config("127.0.0.1", List.of(), "192.0.2.10:9420")
            .withSecurity(SecurityConfig.defaults().withAllowAnyHostBeyondLoopback(true));
    assertThrows(AccessPolicy.Refused.class, () -> AccessPolicy.check(lab));
  }

  @Test
  void everyProblemIsSaidAtOnce() {
    AccessPolicy.Refused refused =
        assertThrows(
            AccessPolicy.Refused.class,
            () -> AccessPolicy.check(config("192.0.2.10", List.of(), "192.0.2.10:9420")));
    assertTrue(refused.getMessage().contains("admin API 192.0.2.10:9420"), refused.getMessage());
    assertTrue(refused.getMessage().contains("subsystem " + NQN), refused.getMessage());
  }

  @Test
  void authenticationIsRequiredBeyondLoopbackAndWhereverATokenIsConfigured() {
    AdminSecurityConfig none = AdminSecurityConfig.none();
    AdminSecurityConfig token = new AdminSecurityConfig(null, null, "env:WEFT_ADMIN_TOKEN", null);
    assertFalse(AccessPolicy.adminRequiresAuthentication("127.0.0.1", none));
    assertTrue(AccessPolicy.adminRequiresAuthentication("127.0.0.1", token));
    assertTrue(AccessPolicy.adminRequiresAuthentication("192.0.2.10", none));
  }
}
