package io.weft.node.tenant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.node.NodeException;
import io.weft.node.StorageNode;
import io.weft.node.volume.VolumeRecord;
import io.weft.node.volume.VolumeService;
import io.weft.store.embedded.EmbeddedStore;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tenants over two storage nodes on one store: quotas hold across creates and growths, hosts stay
 * with their tenant both ways, and a tenant is removed only when it has no volume.
 */
class TenantsTest {
  static final long MIB = 1L << 20;
  static final String HA = "nqn.2014-08.org.nvmexpress:uuid:aaaaaaaa-0000-0000-0000-00000000000a";
  static final String HA2 = "nqn.2014-08.org.nvmexpress:uuid:aaaaaaaa-0000-0000-0000-00000000002a";
  static final String HB = "nqn.2014-08.org.nvmexpress:uuid:bbbbbbbb-0000-0000-0000-00000000000b";
  static final String LONER =
      "nqn.2014-08.org.nvmexpress:uuid:cccccccc-0000-0000-0000-00000000000c";

  @TempDir Path dir;
  private EmbeddedStore store;
  private StorageNode n1;
  private StorageNode n2;
  private VolumeService volumes;

  @BeforeEach
  void start() throws Exception {
    store = EmbeddedStore.open(dir.resolve("store"));
    n1 = StorageNode.start(config("n1"), store);
    n2 = StorageNode.start(config("n2"), store);
    volumes = new VolumeService(store, n1.registry());
  }

  @AfterEach
  void stop() {
    n2.close();
    n1.close();
    store.close();
  }

  private StorageNode.Config config(String id) {
    TargetConfig target =
        new TargetConfig(
            dir.resolve(id),
            List.of(ListenerConfig.of("127.0.0.1", 0)),
            List.of(),
            "127.0.0.1:0",
            TuningConfig.defaults().withSpinNanos(0));
    return new StorageNode.Config(
        id, Map.of("zone", "z-" + id), 1L << 30, null, Duration.ofSeconds(3), target);
  }

  private VolumeRecord create(String name, long size, String tenant, String... hosts) {
    return volumes.create(
        new VolumeService.CreateRequest(
            name,
            size,
            2,
            List.of("n1", "n2"),
            List.of(hosts),
            null,
            null,
            null,
            null,
            null,
            null,
            tenant,
            null,
            null));
  }

  @Test
  void aTenantsVolumesStayWithinItsQuotaThroughCreatesAndGrowths() {
    volumes.createTenant("acme", 40 * MIB, List.of(HA));
    create("a1", 16 * MIB, "acme", HA);
    create("a2", 16 * MIB, "acme", HA);
    QuotaExceededException third =
        assertThrows(QuotaExceededException.class, () -> create("a3", 16 * MIB, "acme", HA));
    assertTrue(third.getMessage().contains("32 of its 41943040 bytes"), third.getMessage());
    assertThrows(QuotaExceededException.class, () -> volumes.resize("a2", 32 * MIB));
    assertEquals(16 * MIB, volumes.require("a2").volume().sizeBytes(), "nothing grew");
    NodeException below =
        assertThrows(NodeException.class, () -> volumes.setTenantQuota("acme", 16 * MIB));
    assertTrue(below.getMessage().contains("holds"), below.getMessage());

    volumes.setTenantQuota("acme", 64 * MIB);
    create("a3", 16 * MIB, "acme", HA);
    volumes.resize("a3", 32 * MIB);
    TenantView v = TenantView.of(volumes.tenants().require("acme"), volumes.tenantView());
    assertEquals(64 * MIB, v.usedBytes());
    assertEquals(List.of("a1", "a2", "a3"), v.volumes());
    assertThrows(QuotaExceededException.class, () -> create("a4", 512 * 1024, "acme", HA));
  }

  @Test
  void hostsStayWithTheirTenantBothWays() {
    create("plain", 16 * MIB, null, LONER);
    volumes.createTenant("acme", 0, List.of(HA));
    volumes.createTenant("bolt", 0, List.of(HB));
    create("a1", 16 * MIB, "acme", HA);
    create("b1", 16 * MIB, "bolt", HB);

    String other = message(() -> create("a2", 16 * MIB, "acme", HB));
    assertTrue(other.contains("not one of tenant 'acme''s hosts"), other);
    String anyHost = message(() -> create("a3", 16 * MIB, "acme"));
    assertTrue(anyHost.contains("must name its hosts"), anyHost);
    String stolen = message(() -> create("p2", 16 * MIB, null, HA));
    assertTrue(stolen.contains("belongs to tenant 'acme'"), stolen);
    String open = message(() -> create("p3", 16 * MIB, null));
    assertTrue(open.contains("every volume names its hosts"), open);
    String published = message(() -> volumes.setAllowedHosts("plain", List.of(LONER, HB)));
    assertTrue(published.contains("belongs to tenant 'bolt'"), published);
    String crossed = message(() -> volumes.setAllowedHosts("a1", List.of(HA, HB)));
    assertTrue(crossed.contains("not one of tenant 'acme''s hosts"), crossed);
    assertEquals(List.of(HA), volumes.require("a1").volume().allowedHosts(), "refused: unchanged");

    // tenants' own changes keep to the same rules
    String taken = message(() -> volumes.setTenantHosts("bolt", List.of(HB, HA)));
    assertTrue(taken.contains("belongs to tenant 'acme' already"), taken);
    String inUse = message(() -> volumes.setTenantHosts("bolt", List.of(HB, LONER)));
    assertTrue(inUse.contains("allowed on volume 'plain'"), inUse);
    String stillAllowed = message(() -> volumes.setTenantHosts("acme", List.of(HA2)));
    assertTrue(stillAllowed.contains("still allowed on the tenant's volume 'a1'"), stillAllowed);
    volumes.setTenantHosts("acme", List.of(HA, HA2));
    volumes.setAllowedHosts("a1", List.of(HA, HA2));
    // a volume published to nobody yet (CSI) names a host that never connects: allowed
    volumes.setAllowedHosts("a1", List.of(VolumeRecord.NO_HOST));

    String hasVolumes = message(() -> volumes.deleteTenant("acme"));
    assertTrue(hasVolumes.contains("still has volumes [a1]"), hasVolumes);
    volumes.delete("a1");
    volumes.deleteTenant("acme");
    assertTrue(volumes.tenants().get("acme").isEmpty());
  }

  @Test
  void tenantsComeOnlyOnceEveryVolumeNamesItsHosts() {
    create("open", 16 * MIB, null);
    String refused = message(() -> volumes.createTenant("acme", 0, List.of(HA)));
    assertTrue(refused.contains("'open' admits every host"), refused);
    volumes.setAllowedHosts("open", List.of(LONER));
    volumes.createTenant("acme", 0, List.of(HA));
    assertThrows(NodeException.class, () -> volumes.createTenant("acme", 0, List.of()));
    assertThrows(NodeException.class, () -> volumes.createTenant("Bad Name", 0, List.of()));
  }

  private static String message(org.junit.jupiter.api.function.Executable e) {
    return assertThrows(NodeException.class, e).getMessage();
  }
}
