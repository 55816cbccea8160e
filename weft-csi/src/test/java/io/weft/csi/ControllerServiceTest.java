package io.weft.csi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.netty.buffer.Unpooled;
import io.weft.csi.proto.CapacityRange;
import io.weft.csi.proto.ControllerExpandVolumeRequest;
import io.weft.csi.proto.ControllerExpandVolumeResponse;
import io.weft.csi.proto.ControllerGrpc;
import io.weft.csi.proto.ControllerPublishVolumeRequest;
import io.weft.csi.proto.ControllerUnpublishVolumeRequest;
import io.weft.csi.proto.CreateVolumeRequest;
import io.weft.csi.proto.CreateVolumeResponse;
import io.weft.csi.proto.DeleteVolumeRequest;
import io.weft.csi.proto.GetCapacityRequest;
import io.weft.csi.proto.GetCapacityResponse;
import io.weft.csi.proto.GetPluginInfoRequest;
import io.weft.csi.proto.IdentityGrpc;
import io.weft.csi.proto.ListVolumesRequest;
import io.weft.csi.proto.ListVolumesResponse;
import io.weft.csi.proto.NodeGetInfoRequest;
import io.weft.csi.proto.NodeGetInfoResponse;
import io.weft.csi.proto.NodeGrpc;
import io.weft.csi.proto.ProbeRequest;
import io.weft.csi.proto.Topology;
import io.weft.csi.proto.TopologyRequirement;
import io.weft.csi.proto.VolumeCapability;
import io.weft.csi.proto.VolumeCapability.AccessMode.Mode;
import io.weft.host.ConnectOptions;
import io.weft.host.HostController;
import io.weft.host.NvmeException;
import io.weft.node.NodeInfo;
import io.weft.node.volume.VolumeRecord;
import io.weft.tgt.qos.QosPolicy;
import io.weft.tgt.qos.WorkloadClass;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CSI Controller over its unix socket against three storage nodes in zones a, b and c (zone c
 * small): placement follows the consumer's topology, publishing opens the volume to exactly the
 * published node's host NQN, and every error is the status the CSI spec names.
 */
class ControllerServiceTest {
  private static final long GIB = 1L << 30;
  private static final String CONSUMER_A = "nqn.2014-08.org.nvmexpress:uuid:" + UUID.randomUUID();
  private static final String CONSUMER_B = "nqn.2014-08.org.nvmexpress:uuid:" + UUID.randomUUID();

  @TempDir Path dir;
  private CsiCluster cluster;
  private ControllerGrpc.ControllerBlockingStub controller;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws IOException {
    cluster = new CsiCluster(dir);
    cluster.node("a1", "a", 8 * GIB);
    cluster.node("b1", "b", 8 * GIB);
    cluster.node("c1", "c", GIB);
    channel = cluster.driver(CONSUMER_A, "a");
    cluster.registerConsumer(CONSUMER_B, "b");
    controller = ControllerGrpc.newBlockingStub(channel);
  }

  @AfterEach
  void stop() {
    cluster.close();
  }

  private static VolumeCapability mount() {
    return VolumeCapability.newBuilder()
        .setMount(VolumeCapability.MountVolume.newBuilder().setFsType("ext4"))
        .setAccessMode(VolumeCapability.AccessMode.newBuilder().setMode(Mode.SINGLE_NODE_WRITER))
        .build();
  }

  private static Topology zone(String z) {
    return Topology.newBuilder().putSegments(CsiVolumes.ZONE_KEY, z).build();
  }

  /**
   * A claim the way the provisioner sends one under WaitForFirstConsumer: preferred = the pod's.
   */
  private static CreateVolumeRequest.Builder claim(String name, long bytes, String consumerZone) {
    CreateVolumeRequest.Builder b =
        CreateVolumeRequest.newBuilder()
            .setName(name)
            .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(bytes))
            .addVolumeCapabilities(mount());
    if (consumerZone != null) {
      b.setAccessibilityRequirements(
          TopologyRequirement.newBuilder()
              .addRequisite(zone(consumerZone))
              .addPreferred(zone(consumerZone)));
    }
    return b;
  }

  private static ControllerPublishVolumeRequest publishing(
      String volume, String node, VolumeCapability capability) {
    return ControllerPublishVolumeRequest.newBuilder()
        .setVolumeId(volume)
        .setNodeId(node)
        .setVolumeCapability(capability)
        .build();
  }

  private static Status.Code codeOf(Runnable call) {
    return assertThrows(StatusRuntimeException.class, call::run).getStatus().getCode();
  }

  @Test
  void identityNamesTheDriverAndIsReadyWhileTheStoreAnswers() {
    var identity = IdentityGrpc.newBlockingStub(channel);
    assertEquals(
        "csi.weft.io", identity.getPluginInfo(GetPluginInfoRequest.getDefaultInstance()).getName());
    assertTrue(identity.probe(ProbeRequest.getDefaultInstance()).getReady().getValue());
    NodeGetInfoResponse info =
        NodeGrpc.newBlockingStub(channel).nodeGetInfo(NodeGetInfoRequest.getDefaultInstance());
    assertEquals(CONSUMER_A, info.getNodeId());
    assertEquals(zone("a"), info.getAccessibleTopology());
  }

  @Test
  void theOwnerLandsInTheConsumersZoneAndARetriedCreateFindsTheSameVolume() {
    CreateVolumeResponse first =
        controller.createVolume(
            claim("pvc-0b7e", 2 * GIB, "b").putParameters("replicas", "2").build());
    String id = first.getVolume().getVolumeId();
    VolumeRecord v = cluster.record(id);
    assertEquals("b1", v.owner(), "owner in the consumer's zone");
    assertNotEquals("b1", v.nodes().get(1), "the second replica on another node");
    assertEquals(List.of(zone("b")), first.getVolume().getAccessibleTopologyList());
    assertEquals(2 * GIB, first.getVolume().getCapacityBytes());
    assertEquals(List.of(CsiVolumes.NO_HOST), v.allowedHosts(), "published to no node yet");

    CreateVolumeResponse again =
        controller.createVolume(
            claim("pvc-0b7e", 2 * GIB, "b").putParameters("replicas", "2").build());
    assertEquals(first.getVolume(), again.getVolume());
    assertEquals(1, cluster.volumes().list().size());

    assertEquals(
        Status.Code.ALREADY_EXISTS,
        codeOf(() -> controller.createVolume(claim("pvc-0b7e", 3 * GIB, "b").build())));
  }

  @Test
  void theStorageClassesWorkloadClassAndLimitsBecomeTheVolumesQos() {
    controller.createVolume(
        claim("pvc-qos", GIB, null)
            .putParameters("qosClass", "best-effort")
            .putParameters("readIops", "3000")
            .putParameters("writeBandwidth", "50Mi")
            .putParameters("minIops", "200")
            .build());
    assertEquals(
        new QosPolicy(WorkloadClass.BEST_EFFORT, 3000, 0, 0, 50L << 20, 200, 0),
        cluster.record("pvc-qos").qos());
    assertEquals(
        Status.Code.ALREADY_EXISTS,
        codeOf(
            () ->
                controller.createVolume(
                    claim("pvc-qos", GIB, null).putParameters("qosClass", "throughput").build())),
        "the same name with another QoS is another volume");
    controller.createVolume(
        claim("pvc-limit-only", GIB, null).putParameters("readIops", "10").build());
    assertEquals(
        WorkloadClass.THROUGHPUT,
        cluster.record("pvc-limit-only").qos().workloadClass(),
        "a limit without a class is a throughput volume's");
    controller.createVolume(claim("pvc-plain", GIB, null).build());
    assertNull(cluster.record("pvc-plain").qos(), "no QoS parameter, no QoS");
    for (String[] bad :
        new String[][] {
          {"qosClass", "gold"}, {"readIops", "-1"}, {"writeBandwidth", "fast"}, {"minIops", "x"}
        }) {
      assertEquals(
          Status.Code.INVALID_ARGUMENT,
          codeOf(
              () ->
                  controller.createVolume(
                      claim("pvc-bad", GIB, null).putParameters(bad[0], bad[1]).build())),
          bad[0] + ": " + bad[1]);
    }
  }

  @Test
  void expandingGrowsTheVolumeOnlineAndAsksTheNodeToGrowAFileSystemOnly() throws Exception {
    String id =
        controller.createVolume(claim("pvc-grow", GIB, "a").build()).getVolume().getVolumeId();
    ControllerExpandVolumeResponse grown =
        controller.controllerExpandVolume(
            ControllerExpandVolumeRequest.newBuilder()
                .setVolumeId(id)
                .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(2 * GIB))
                .setVolumeCapability(mount())
                .build());
    assertEquals(2 * GIB, grown.getCapacityBytes());
    assertTrue(grown.getNodeExpansionRequired(), "a file system must grow on the node");
    assertEquals(2 * GIB, cluster.record(id).sizeBytes());
    VolumeRecord v = cluster.record(id);
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (hostFacingSize(v) != 2 * GIB) {
      assertTrue(System.nanoTime() < deadline, "the owner never served the new size");
      Thread.sleep(50);
    }

    ControllerExpandVolumeResponse again =
        controller.controllerExpandVolume(
            ControllerExpandVolumeRequest.newBuilder()
                .setVolumeId(id)
                .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(GIB))
                .setVolumeCapability(
                    VolumeCapability.newBuilder()
                        .setBlock(VolumeCapability.BlockVolume.getDefaultInstance())
                        .setAccessMode(
                            VolumeCapability.AccessMode.newBuilder()
                                .setMode(Mode.SINGLE_NODE_WRITER)))
                .build());
    assertEquals(2 * GIB, again.getCapacityBytes(), "never shrinks: asking for less is done");
    assertFalse(again.getNodeExpansionRequired(), "a raw block volume needs nothing on the node");

    assertEquals(
        Status.Code.OUT_OF_RANGE,
        codeOf(
            () ->
                controller.controllerExpandVolume(
                    ControllerExpandVolumeRequest.newBuilder()
                        .setVolumeId(id)
                        .setCapacityRange(
                            CapacityRange.newBuilder().setRequiredBytes(GIB).setLimitBytes(GIB))
                        .build())));
    assertEquals(
        Status.Code.RESOURCE_EXHAUSTED,
        codeOf(
            () ->
                controller.controllerExpandVolume(
                    ControllerExpandVolumeRequest.newBuilder()
                        .setVolumeId(id)
                        .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(64 * GIB))
                        .build())));
    assertEquals(
        Status.Code.NOT_FOUND,
        codeOf(
            () ->
                controller.controllerExpandVolume(
                    ControllerExpandVolumeRequest.newBuilder()
                        .setVolumeId("pvc-none")
                        .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(GIB))
                        .build())));
  }

  /** The size the owner's target shows hosts for {@code v}. */
  private long hostFacingSize(VolumeRecord v) {
    return cluster.node(v.owner()).target().subsystems().stream()
        .filter(s -> s.nqn().equals(v.nqn()))
        .flatMap(s -> s.namespaces().stream())
        .mapToLong(n -> n.sizeBytes())
        .findFirst()
        .orElse(-1);
  }

  @Test
  void aTenantsVolumesArePublishedOnlyToItsNodesAndKeepToItsQuota() {
    cluster.volumes().createTenant("acme", 3 * GIB, List.of(CONSUMER_A));
    String id =
        controller
            .createVolume(claim("pvc-acme", 2 * GIB, "a").putParameters("tenant", "acme").build())
            .getVolume()
            .getVolumeId();
    assertEquals("acme", cluster.record(id).tenant());
    controller.controllerPublishVolume(publishing(id, CONSUMER_A, mount()));
    assertEquals(
        Status.Code.FAILED_PRECONDITION,
        codeOf(() -> controller.controllerPublishVolume(publishing(id, CONSUMER_B, mount()))),
        "a node that is not the tenant's");
    assertEquals(
        Status.Code.RESOURCE_EXHAUSTED,
        codeOf(
            () ->
                controller.createVolume(
                    claim("pvc-acme-2", 2 * GIB, "a").putParameters("tenant", "acme").build())),
        "over the tenant's quota");
    String plain =
        controller.createVolume(claim("pvc-plain", GIB, "b").build()).getVolume().getVolumeId();
    assertEquals(
        Status.Code.FAILED_PRECONDITION,
        codeOf(() -> controller.controllerPublishVolume(publishing(plain, CONSUMER_A, mount()))),
        "the tenant's node uses the tenant's volumes only");
  }

  @Test
  void aZoneWithoutRoomFailsClearlyUnlessTheStorageClassAllowsFallback() {
    StatusRuntimeException refused =
        assertThrows(
            StatusRuntimeException.class,
            () -> controller.createVolume(claim("pvc-big", 2 * GIB, "c").build()));
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getStatus().getCode());
    assertTrue(refused.getStatus().getDescription().contains("zone c"), refused.getMessage());
    assertTrue(cluster.volumes().list().isEmpty(), "nothing left behind");

    CreateVolumeResponse placed =
        controller.createVolume(
            claim("pvc-big", 2 * GIB, "c").putParameters("zoneFallback", "true").build());
    VolumeRecord v = cluster.record("pvc-big");
    assertNotEquals("c1", v.owner());
    String ownerZone = v.owner().substring(0, 1);
    assertEquals(
        List.of(zone("c"), zone(ownerZone)),
        placed.getVolume().getAccessibleTopologyList(),
        "usable from the consumer's zone (it is scheduled there) and the owner's");
  }

  @Test
  void publishingOpensTheVolumeToExactlyThatNodesHostNqn() throws Exception {
    String id =
        controller.createVolume(claim("pvc-pub", 64L << 20, "a").build()).getVolume().getVolumeId();
    var published = controller.controllerPublishVolume(publishing(id, CONSUMER_A, mount()));
    VolumeRecord v = cluster.record(id);
    assertEquals(List.of(CONSUMER_A), v.allowedHosts());
    assertEquals(v.nqn(), published.getPublishContextOrThrow(CsiVolumes.CONTEXT_NQN));
    NodeInfo owner = cluster.ownerInfo(v);
    assertEquals(
        owner.nvmeAddress(), published.getPublishContextOrThrow(CsiVolumes.CONTEXT_TARGETS));

    byte[] data = new byte[4096];
    new Random(7).nextBytes(data);
    NodeInfo.Address at = NodeInfo.Address.parse(owner.nvmeAddress());
    try (HostController c = connectAs(CONSUMER_A, at, v.nqn())) {
      c.namespace(1).writeBlocking(0, 8, Unpooled.wrappedBuffer(data), 0);
      io.netty.buffer.ByteBuf back = Unpooled.buffer(4096);
      c.namespace(1).readBlocking(0, 8, back, 0);
      byte[] read = new byte[4096];
      back.getBytes(0, read);
      assertArrayEquals(data, read);
    }
    assertThrows(IOException.class, () -> connectAs(CONSUMER_B, at, v.nqn()).close());

    // single-node access: a second node is refused while the first holds it
    assertEquals(
        Status.Code.FAILED_PRECONDITION,
        codeOf(() -> controller.controllerPublishVolume(publishing(id, CONSUMER_B, mount()))));
    assertEquals(
        Status.Code.FAILED_PRECONDITION,
        codeOf(
            () ->
                controller.deleteVolume(DeleteVolumeRequest.newBuilder().setVolumeId(id).build())),
        "a published volume is not deleted from under its pod");

    controller.controllerUnpublishVolume(
        ControllerUnpublishVolumeRequest.newBuilder()
            .setVolumeId(id)
            .setNodeId(CONSUMER_A)
            .build());
    assertEquals(List.of(CsiVolumes.NO_HOST), cluster.record(id).allowedHosts());
    assertThrows(IOException.class, () -> connectAs(CONSUMER_A, at, v.nqn()).close());

    controller.deleteVolume(DeleteVolumeRequest.newBuilder().setVolumeId(id).build());
    assertTrue(cluster.volumes().get(id).isEmpty());
    controller.deleteVolume(DeleteVolumeRequest.newBuilder().setVolumeId(id).build());
  }

  /** Connects as {@code hostNqn}, waiting out the owner's start (it exports within a second). */
  private static HostController connectAs(String hostNqn, NodeInfo.Address at, String nqn)
      throws Exception {
    ConnectOptions o =
        ConnectOptions.defaults(at.host(), at.port(), nqn)
            .withHost(hostNqn, UUID.nameUUIDFromBytes(hostNqn.getBytes()))
            .withTimeouts(5, 1, 1, 1)
            .withIoTimeout(10);
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      try {
        return HostController.connect(o);
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(200);
      }
    }
  }

  /**
   * ROX, the model-distribution case: one writer fills the volume, then three consumer nodes read
   * it at once, and the target refuses each reader's write with Namespace Is Write Protected.
   */
  @Test
  void readersOfOneVolumeReadTogetherAndTheirWritesAreRefused() throws Exception {
    String consumerC = "nqn.2014-08.org.nvmexpress:uuid:" + UUID.randomUUID();
    cluster.registerConsumer(consumerC, "c");
    String id =
        controller
            .createVolume(claim("pvc-model", 64L << 20, "a").build())
            .getVolume()
            .getVolumeId();
    VolumeCapability rox =
        mount().toBuilder()
            .setAccessMode(
                VolumeCapability.AccessMode.newBuilder().setMode(Mode.MULTI_NODE_READER_ONLY))
            .build();
    controller.controllerPublishVolume(publishing(id, CONSUMER_A, mount()));
    VolumeRecord v = cluster.record(id);
    NodeInfo.Address at = NodeInfo.Address.parse(cluster.ownerInfo(v).nvmeAddress());
    byte[] model = new byte[64 << 10];
    new Random(42).nextBytes(model);
    try (HostController loader = connectAs(CONSUMER_A, at, v.nqn())) {
      loader.namespace(1).writeBlocking(0, model.length / 512, Unpooled.wrappedBuffer(model), 0);
      loader.namespace(1).flushBlocking();
    }
    controller.controllerUnpublishVolume(
        ControllerUnpublishVolumeRequest.newBuilder()
            .setVolumeId(id)
            .setNodeId(CONSUMER_A)
            .build());

    List<String> readers = List.of(CONSUMER_A, CONSUMER_B, consumerC);
    for (String node : readers) {
      controller.controllerPublishVolume(publishing(id, node, rox));
    }
    assertEquals(readers, cluster.record(id).readOnlyHosts());
    assertEquals(
        Status.Code.ALREADY_EXISTS,
        codeOf(() -> controller.controllerPublishVolume(publishing(id, CONSUMER_B, mount()))),
        "a reader is not made a writer by a second publish");

    List<HostController> hosts = new ArrayList<>();
    try {
      for (String node : readers) {
        hosts.add(connectAs(node, at, v.nqn()));
      }
      for (HostController h : hosts) {
        io.netty.buffer.ByteBuf back = Unpooled.buffer(model.length);
        h.namespace(1).readBlocking(0, model.length / 512, back, 0);
        byte[] read = new byte[model.length];
        back.getBytes(0, read);
        assertArrayEquals(model, read);
        NvmeException refused =
            assertThrows(
                NvmeException.class,
                () ->
                    h.namespace(1).writeBlocking(0, 8, Unpooled.wrappedBuffer(new byte[4096]), 0));
        assertEquals(
            io.weft.protocol.nvme.Status.NAMESPACE_WRITE_PROTECTED,
            io.weft.protocol.nvme.Status.sc(refused.status()));
      }
    } finally {
      for (HostController h : hosts) {
        h.close();
      }
    }
  }

  @Test
  void unknownVolumesAndNodesAreNotFoundAndBadRequestsInvalid() {
    String id =
        controller.createVolume(claim("pvc-x", 64L << 20, null).build()).getVolume().getVolumeId();
    assertEquals(
        Status.Code.NOT_FOUND,
        codeOf(
            () -> controller.controllerPublishVolume(publishing("pvc-none", CONSUMER_A, mount()))));
    assertEquals(
        Status.Code.NOT_FOUND,
        codeOf(
            () ->
                controller.controllerPublishVolume(
                    publishing(id, "nqn.2014-08.org.nvmexpress:uuid:no-such-node", mount()))));
    assertEquals(
        Status.Code.INVALID_ARGUMENT,
        codeOf(
            () ->
                controller.createVolume(
                    claim("pvc-y", GIB, null).putParameters("replica", "2").build())),
        "a misspelt parameter");
    VolumeCapability sharedFileSystem =
        mount().toBuilder()
            .setAccessMode(
                VolumeCapability.AccessMode.newBuilder().setMode(Mode.MULTI_NODE_MULTI_WRITER))
            .build();
    assertEquals(
        Status.Code.INVALID_ARGUMENT,
        codeOf(
            () ->
                controller.createVolume(
                    claim("pvc-y", GIB, null)
                        .clearVolumeCapabilities()
                        .addVolumeCapabilities(sharedFileSystem)
                        .build())));
    assertEquals(
        Status.Code.OUT_OF_RANGE,
        codeOf(
            () ->
                controller.createVolume(
                    claim("pvc-y", GIB, null)
                        .setCapacityRange(
                            CapacityRange.newBuilder().setRequiredBytes(GIB).setLimitBytes(4096))
                        .build())));
    assertFalse(cluster.volumes().get("pvc-y").isPresent());
  }

  @Test
  void listVolumesPagesThroughEveryVolumeOnce() {
    for (String n : List.of("pvc-1", "pvc-2", "pvc-3", "pvc-4", "pvc-5")) {
      controller.createVolume(claim(n, 16L << 20, null).build());
    }
    List<String> seen = new ArrayList<>();
    String token = "";
    int pages = 0;
    do {
      ListVolumesResponse page =
          controller.listVolumes(
              ListVolumesRequest.newBuilder().setMaxEntries(2).setStartingToken(token).build());
      page.getEntriesList().forEach(e -> seen.add(e.getVolume().getVolumeId()));
      token = page.getNextToken();
      pages++;
    } while (!token.isEmpty());
    assertEquals(List.of("pvc-1", "pvc-2", "pvc-3", "pvc-4", "pvc-5"), seen);
    assertEquals(3, pages);
    assertEquals(
        Status.Code.ABORTED,
        codeOf(
            () ->
                controller.listVolumes(
                    ListVolumesRequest.newBuilder().setStartingToken("bogus").build())));
  }

  @Test
  void capacityIsWhatPlacementWouldStillAccept() {
    GetCapacityResponse c =
        controller.getCapacity(
            GetCapacityRequest.newBuilder().setAccessibleTopology(zone("c")).build());
    assertEquals(GIB, c.getAvailableCapacity());
    assertEquals(GIB, c.getMaximumVolumeSize().getValue());

    controller.createVolume(claim("pvc-c", 256L << 20, "c").build());
    GetCapacityResponse after =
        controller.getCapacity(
            GetCapacityRequest.newBuilder().setAccessibleTopology(zone("c")).build());
    assertEquals(GIB - (256L << 20), after.getAvailableCapacity());

    GetCapacityResponse twoCopies =
        controller.getCapacity(
            GetCapacityRequest.newBuilder()
                .setAccessibleTopology(zone("a"))
                .putAllParameters(Map.of("replicas", "2"))
                .build());
    assertEquals(8 * GIB, twoCopies.getMaximumVolumeSize().getValue(), "a1 and b1 have 8 GiB each");
    assertEquals(4 * GIB, twoCopies.getAvailableCapacity());

    // thin volumes: the default pool may promise three times what its disks hold
    cluster.volumes().setPool("default", 3.0);
    GetCapacityResponse overcommitted =
        controller.getCapacity(
            GetCapacityRequest.newBuilder().setAccessibleTopology(zone("c")).build());
    assertEquals(3 * GIB - (256L << 20), overcommitted.getAvailableCapacity());
    controller.createVolume(claim("pvc-c-big", 2 * GIB, "c").build());
    assertEquals(
        0,
        controller
            .getCapacity(
                GetCapacityRequest.newBuilder()
                    .setAccessibleTopology(zone("a"))
                    .putAllParameters(Map.of("pool", "fast"))
                    .build())
            .getAvailableCapacity(),
        "no node is in pool fast");
  }
}
