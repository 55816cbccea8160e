package io.weft.cli;

import io.weft.node.volume.VolumeService;
import io.weft.node.volume.VolumeView;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code weft volume create|list|show|delete|move-owner|set-hosts}: the cluster's replicated
 * volumes.
 */
@Command(
    name = "volume",
    mixinStandardHelpOptions = true,
    description = "Create, list, show, delete and move replicated volumes (any node's admin API).",
    subcommands = {
      VolumeCommand.Create.class,
      VolumeCommand.ListVolumes.class,
      VolumeCommand.Show.class,
      VolumeCommand.Delete.class,
      VolumeCommand.MoveOwner.class,
      VolumeCommand.SetHosts.class,
      VolumeCommand.SetQos.class,
      VolumeCommand.Resize.class
    })
final class VolumeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return ExitCodes.USAGE;
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Create a thin replicated volume. Replicas go on distinct nodes, spread across",
        "zones when labels allow; with --nodes, on those (the first becomes owner)."
      })
  static final class Create implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin AdminOptions admin;

    @Option(names = "--name", required = true, paramLabel = "NAME", description = "Volume name.")
    String name;

    @Option(
        names = "--size",
        paramLabel = "SIZE",
        converter = TargetCommand.SizeConverter.class,
        description = "Size: 512M, 1G, ... (binary units). A clone's default: its snapshot's.")
    long size;

    @Option(
        names = "--from-snapshot",
        paramLabel = "SNAPSHOT",
        description = {
          "Make the volume a clone of a snapshot: at once, on the snapshot's nodes, each",
          "replica sharing the snapshot's blocks until either side writes them."
        })
    String fromSnapshot;

    @Option(
        names = "--replicas",
        paramLabel = "N",
        defaultValue = "1",
        description = "Replica count. Default: ${DEFAULT-VALUE}.")
    int replicas;

    @Option(
        names = "--nodes",
        paramLabel = "N1,N2",
        split = ",",
        description = "Place replicas on these nodes; the first owns the volume.")
    List<String> nodes = new ArrayList<>();

    @Option(
        names = "--allow-host",
        paramLabel = "NQN",
        description = "Host NQN allowed to connect; repeatable. None: any host.")
    List<String> allowHosts = new ArrayList<>();

    @Option(
        names = "--nqn",
        paramLabel = "NQN",
        description = "Subsystem NQN. Default: nqn.2026-11.io.weft:vol:NAME.")
    String nqn;

    @Option(
        names = "--block-size",
        paramLabel = "512|4096",
        description = "Logical block size. Default 512.")
    Integer blockSize;

    @Option(
        names = "--encrypt",
        description = {
          "Encrypt at rest (XTS-AES-256): each node keeps its replica under a data key of",
          "its own, wrapped by that node's at-rest key (weft node --at-rest-key)."
        })
    boolean encrypt;

    @Mixin QosOptions qos;

    @Option(
        names = "--pool",
        paramLabel = "POOL",
        description = "Place the replicas on the nodes of this pool only.")
    String pool;

    @Option(
        names = "--tenant",
        paramLabel = "NAME",
        description = "The tenant the volume belongs to: its hosts must be the tenant's.")
    String tenant;

    @Mixin OutputOption output;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      if (size == 0 && fromSnapshot == null) {
        throw new CliException(ExitCodes.USAGE, "--size is needed (or --from-snapshot)");
      }
      try (AdminClient client = admin.client()) {
        VolumeView v =
            client.createVolume(
                new VolumeService.CreateRequest(
                    name,
                    size,
                    replicas,
                    nodes,
                    allowHosts,
                    nqn,
                    blockSize,
                    encrypt ? true : null,
                    null,
                    null,
                    qos.policy(),
                    tenant,
                    pool,
                    fromSnapshot));
        if (output.json()) {
          out.println(client.toJson(v));
        } else {
          out.println(
              "created volume "
                  + v.name()
                  + " ("
                  + Sizes.format(v.sizeBytes())
                  + ", "
                  + v.replicas()
                  + " replicas on "
                  + String.join(
                      ",", v.replicaStates().stream().map(VolumeView.Replica::node).toList())
                  + ", owner "
                  + v.owner()
                  + "): "
                  + v.nqn());
        }
      }
      out.flush();
      return ExitCodes.OK;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List volumes.")
  static final class ListVolumes implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin AdminOptions admin;

    @Mixin OutputOption output;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (AdminClient client = admin.client()) {
        output.print(
            out,
            client,
            client.volumes(),
            "no volumes",
            new Table("NAME", "SIZE", "REPLICAS", "OWNER", "GEN", "STATE", "NQN"),
            (t, v) ->
                t.row(
                    v.name(),
                    Sizes.format(v.sizeBytes()),
                    inSyncCount(v) + "/" + v.replicas(),
                    v.owner(),
                    v.generation(),
                    v.state(),
                    v.nqn()));
      }
      out.flush();
      return ExitCodes.OK;
    }
  }

  static long inSyncCount(VolumeView v) {
    return v.replicaStates().stream().filter(r -> r.state().equals("in-sync")).count();
  }

  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description = "Show one volume and its replicas.")
  static final class Show implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin AdminOptions admin;

    @Parameters(index = "0", paramLabel = "NAME", description = "Volume name.")
    String name;

    @Mixin OutputOption output;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (AdminClient client = admin.client()) {
        VolumeView v = client.volume(name);
        if (output.json()) {
          out.println(client.toJson(v));
        } else {
          out.println("volume      " + v.name());
          out.println("nqn         " + v.nqn());
          out.println("uuid        " + v.uuid());
          out.println(
              "size        "
                  + Sizes.format(v.sizeBytes())
                  + ", block size "
                  + v.blockSize()
                  + (v.encrypted() ? ", encrypted at rest" : "")
                  + (v.servedBytes() < v.sizeBytes()
                      ? " (growing: hosts see " + Sizes.format(v.servedBytes()) + ")"
                      : ""));
          out.println(
              "state       "
                  + v.state()
                  + " ("
                  + inSyncCount(v)
                  + " of "
                  + v.replicas()
                  + " replicas in sync)");
          out.println("owner       " + v.owner() + ", generation " + v.generation());
          out.println(
              "hosts       "
                  + (v.allowedHosts().isEmpty() ? "any" : String.join(", ", v.allowedHosts())));
          if (!v.readOnlyHosts().isEmpty()) {
            out.println("read-only   " + String.join(", ", v.readOnlyHosts()));
          }
          out.println("qos         " + QosOptions.describe(v.qos()));
          if (v.tenant() != null) {
            out.println("tenant      " + v.tenant());
          }
          Table t = new Table("NODE", "ROLE", "STATE");
          for (VolumeView.Replica r : v.replicaStates()) {
            t.row(r.node(), r.owner() ? "owner" : "replica", r.state());
          }
          t.print(out, "");
        }
      }
      out.flush();
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      description = "Delete a volume and its replicas.")
  static final class Delete implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin AdminOptions admin;

    @Parameters(index = "0", paramLabel = "NAME", description = "Volume name.")
    String name;

    @Override
    public Integer call() {
      try (AdminClient client = admin.client()) {
        client.deleteVolume(name);
      }
      spec.commandLine().getOut().println("deleted volume " + name);
      spec.commandLine().getOut().flush();
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "move-owner",
      mixinStandardHelpOptions = true,
      description = "Make another in-sync replica the owner (the next generation).")
  static final class MoveOwner implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin AdminOptions admin;

    @Parameters(index = "0", paramLabel = "NAME", description = "Volume name.")
    String name;

    @Option(names = "--to", required = true, paramLabel = "NODE", description = "The new owner.")
    String to;

    @Override
    public Integer call() {
      VolumeView v;
      try (AdminClient client = admin.client()) {
        v = client.moveOwner(name, to);
      }
      spec.commandLine()
          .getOut()
          .println("volume " + name + ": owner " + v.owner() + ", generation " + v.generation());
      spec.commandLine().getOut().flush();
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "set-hosts",
      mixinStandardHelpOptions = true,
      description = {
        "Change which hosts may use a volume (zoning): --allow-host, repeatable; none: every",
        "host. Hosts no longer allowed are disconnected, and the discovery service tells",
        "the hosts whose log changed at once. --read-only-host adds a host that may only read",
        "(ROX: the target refuses its writes)."
      })
  static final class SetHosts implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin AdminOptions admin;

    @Parameters(index = "0", paramLabel = "NAME", description = "Volume name.")
    String name;

    @Option(names = "--allow-host", paramLabel = "HOSTNQN", description = "A host; repeatable.")
    List<String> hosts = new java.util.ArrayList<>();

    @Option(
        names = "--read-only-host",
        paramLabel = "HOSTNQN",
        description = "A host that may only read; repeatable.")
    List<String> readers = new java.util.ArrayList<>();

    @Override
    public Integer call() {
      VolumeView v;
      List<String> all = new java.util.ArrayList<>(hosts);
      readers.stream().filter(h -> !all.contains(h)).forEach(all::add);
      try (AdminClient client = admin.client()) {
        v = client.setVolumeHosts(name, all, readers);
      }
      spec.commandLine()
          .getOut()
          .println(
              "volume "
                  + name
                  + ": "
                  + (v.allowedHosts().isEmpty()
                      ? "every host"
                      : String.join(",", v.allowedHosts())));
      spec.commandLine().getOut().flush();
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "set-qos",
      mixinStandardHelpOptions = true,
      description = {
        "Set a volume's QoS: its workload class, ceilings (reads and writes apart) and floor.",
        "Every node serving the volume applies it to the next I/O. --none lifts it."
      })
  static final class SetQos implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin AdminOptions admin;

    @Parameters(index = "0", paramLabel = "NAME", description = "Volume name.")
    String name;

    @Mixin QosOptions qos;

    @Option(names = "--none", description = "Lift the volume's QoS.")
    boolean none;

    @Override
    public Integer call() {
      io.weft.tgt.qos.QosPolicy policy = qos.policy();
      if (none == (policy != null)) {
        // exactly one of them: a policy, or --none
        throw new CliException(
            ExitCodes.USAGE,
            none
                ? "--none lifts the QoS; it takes no other QoS option"
                : "say what QoS (--qos-class, --read-iops, ...), or --none to lift it");
      }
      VolumeView v;
      try (AdminClient client = admin.client()) {
        v = client.setVolumeQos(name, policy);
      }
      spec.commandLine()
          .getOut()
          .println("volume " + name + ": qos " + QosOptions.describe(v.qos()));
      spec.commandLine().getOut().flush();
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "resize",
      mixinStandardHelpOptions = true,
      description = {
        "Grow a volume online. Every node holding a replica needs the room; each grows its",
        "replica, then the owner serves the new size (hosts hold their I/O for a moment, as in",
        "a planned move) and connected hosts are told. A volume never shrinks."
      })
  static final class Resize implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin AdminOptions admin;

    @Parameters(index = "0", paramLabel = "NAME", description = "Volume name.")
    String name;

    @Option(
        names = "--size",
        required = true,
        paramLabel = "SIZE",
        converter = TargetCommand.SizeConverter.class,
        description = "The new size: 512M, 20G, ... (binary units).")
    long size;

    @Override
    public Integer call() {
      VolumeView v;
      try (AdminClient client = admin.client()) {
        v = client.resizeVolume(name, size);
      }
      spec.commandLine()
          .getOut()
          .println(
              "volume "
                  + name
                  + ": "
                  + Sizes.format(v.sizeBytes())
                  + " (hosts see it once every replica has grown)");
      spec.commandLine().getOut().flush();
      return ExitCodes.OK;
    }
  }
}
