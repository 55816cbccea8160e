package io.weft.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;
import io.weft.csi.proto.CapacityRange;
import io.weft.csi.proto.ControllerGrpc;
import io.weft.csi.proto.CreateVolumeRequest;
import io.weft.csi.proto.DeleteVolumeRequest;
import io.weft.csi.proto.ListVolumesRequest;
import io.weft.csi.proto.ListVolumesResponse;
import io.weft.csi.proto.VolumeCapability;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Three CSI controller processes on one three-member etcd: while three clients create volumes
 * through them, one controller is killed with SIGKILL and one etcd member with it. Every client
 * goes on through the controllers left (retrying a call the dead one never answered, as the
 * provisioner does), every volume asked for exists exactly once, capacity is counted once per
 * volume, and deleting them all leaves nothing behind. Logs:
 * weft-interop/target/interop-logs/csi-controllers-ha-*.
 */
@Tag("interop")
class CsiControllersHaInteropTest {
  private static final int CLIENTS = 3;
  private static final int PER_CLIENT = 8;
  private static final long SIZE = 16L << 20;

  @Test
  void theApiKeepsAnsweringAndNoOperationIsLostWhenAControllerDies() throws Exception {
    Path runDir = Interop.newRunLogDir("csi-controllers-ha");
    Path work = Interop.newWorkDir("csi-controllers-ha");
    EpollEventLoopGroup loop = new EpollEventLoopGroup(1);
    List<Process> controllers = new ArrayList<>();
    List<ManagedChannel> channels = new ArrayList<>();
    try (EtcdMembers etcd = EtcdMembers.start(work.resolve("etcd"), runDir, 3);
        ClusterProcesses nodes = ClusterProcesses.onStore(etcd.storeSpec(), "csi-ha", runDir, 5)) {
      nodes.add("n1", "z1", null);
      nodes.add("n2", "z2", null);
      nodes.start("n1");
      nodes.start("n2");
      for (int i = 0; i < 3; i++) {
        Path socket = work.resolve("c" + i + ".sock");
        controllers.add(
            new ProcessBuilder(
                    Interop.javaBinary().toString(),
                    "-jar",
                    nodes.jar().toString(),
                    "csi",
                    "--endpoint",
                    "unix://" + socket,
                    "--store",
                    etcd.storeSpec(),
                    "--controller")
                .redirectErrorStream(true)
                .redirectOutput(runDir.resolve("controller-" + i + ".log").toFile())
                .start());
        channels.add(
            NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toFile()))
                .channelType(EpollDomainSocketChannel.class)
                .eventLoopGroup(loop)
                .usePlaintext()
                .build());
      }
      for (int i = 0; i < 3; i++) {
        Path socket = work.resolve("c" + i + ".sock");
        Process p = controllers.get(i);
        Path log = runDir.resolve("controller-" + i + ".log");
        Interop.waitFor(
            "controller " + i + " listening",
            Duration.ofSeconds(60),
            () -> {
              assertTrue(p.isAlive(), () -> "a controller exited: " + Interop.tail(log, 20));
              return Files.exists(socket);
            });
      }

      Set<String> asked = ConcurrentHashMap.newKeySet();
      java.util.concurrent.atomic.AtomicIntegerArray served =
          new java.util.concurrent.atomic.AtomicIntegerArray(3);
      List<String> retries = java.util.Collections.synchronizedList(new ArrayList<>());
      ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
      List<Future<?>> done = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        int client = c;
        done.add(
            clients.submit(
                () -> {
                  for (int k = 0; k < PER_CLIENT; k++) {
                    String name = "pvc-ha-" + client + "-" + k;
                    asked.add(name);
                    // each client prefers its own controller, then the others in turn
                    served.incrementAndGet(create(channels, client, name, retries));
                  }
                  return null;
                }));
      }
      // killed once it has answered some creates, while its client's next one is on its way
      Interop.waitFor("controller 0 at work", Duration.ofSeconds(60), () -> served.get(0) >= 2);
      controllers.get(0).destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      etcd.kill(etcd.leader());
      for (Future<?> f : done) {
        f.get(5, TimeUnit.MINUTES);
      }
      clients.shutdown();
      System.out.println(
          "csi ha: creates answered per controller "
              + served
              + "; "
              + retries.size()
              + " calls retried on another controller: "
              + retries);
      assertTrue(served.get(0) < PER_CLIENT, "the killed controller's client moved on");

      ControllerGrpc.ControllerBlockingStub survivor =
          ControllerGrpc.newBlockingStub(channels.get(1)).withDeadlineAfter(30, TimeUnit.SECONDS);
      Set<String> listed = new TreeSet<>();
      List<String> all = new ArrayList<>();
      for (ListVolumesResponse.Entry e :
          survivor.listVolumes(ListVolumesRequest.getDefaultInstance()).getEntriesList()) {
        listed.add(e.getVolume().getVolumeId());
        all.add(e.getVolume().getVolumeId());
      }
      assertEquals(new TreeSet<>(asked), listed, "every volume asked for, and nothing else");
      assertEquals(listed.size(), all.size(), "each exactly once");

      // capacity is counted once per volume: a 1-replica 16 MiB volume each
      long committed =
          nodes.get("n2", "/v1/volumes").findValues("sizeBytes").stream()
              .mapToLong(n -> n.asLong())
              .sum();
      assertEquals(asked.size() * SIZE, committed);

      for (String name : listed) {
        ControllerGrpc.newBlockingStub(channels.get(2 - (name.hashCode() & 1)))
            .withDeadlineAfter(30, TimeUnit.SECONDS)
            .deleteVolume(DeleteVolumeRequest.newBuilder().setVolumeId(name).build());
      }
      assertEquals(
          0,
          survivor.listVolumes(ListVolumesRequest.getDefaultInstance()).getEntriesCount(),
          "nothing left behind");
    } finally {
      for (ManagedChannel ch : channels) {
        ch.shutdownNow();
      }
      for (Process p : controllers) {
        p.destroyForcibly();
      }
      loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  /**
   * CreateVolume through the client's own controller, else the next one that answers: the call is
   * idempotent by name, so a retry after a controller died mid-call finds what it made, if
   * anything.
   *
   * @return the controller that answered
   */
  private static int create(
      List<ManagedChannel> channels, int client, String name, List<String> retries) {
    StatusRuntimeException last = null;
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    for (int attempt = 0; System.nanoTime() < deadline; attempt++) {
      int index = (client + attempt) % channels.size();
      ManagedChannel ch = channels.get(index);
      try {
        ControllerGrpc.newBlockingStub(ch)
            .withDeadlineAfter(20, TimeUnit.SECONDS)
            .createVolume(
                CreateVolumeRequest.newBuilder()
                    .setName(name)
                    .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(SIZE))
                    .addVolumeCapabilities(
                        VolumeCapability.newBuilder()
                            .setBlock(VolumeCapability.BlockVolume.getDefaultInstance())
                            .setAccessMode(
                                VolumeCapability.AccessMode.newBuilder()
                                    .setMode(VolumeCapability.AccessMode.Mode.SINGLE_NODE_WRITER)))
                    .build());
        return index;
      } catch (StatusRuntimeException e) {
        last = e;
        retries.add(name + ": " + e.getStatus().getCode());
      }
    }
    throw new AssertionError("CreateVolume " + name + " never succeeded", last);
  }
}
