package io.weft.cli;

import io.weft.node.snapshot.SnapshotRecord;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code weft snapshot ...}: point-in-time copies of volumes, on the nodes of their in-sync
 * replicas, instant and thin (the data directories' file system shares extents: XFS with reflink=1
 * or btrfs). {@code weft volume create --from-snapshot} makes a clone of one.
 */
@Command(
    name = "snapshot",
    mixinStandardHelpOptions = true,
    description =
        "Take, list and delete snapshots of volumes (clones: weft volume create --from-snapshot).",
    subcommands = {
      SnapshotCommand.Create.class,
      SnapshotCommand.ListSnapshots.class,
      SnapshotCommand.Delete.class
    })
final class SnapshotCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return ExitCodes.USAGE;
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = {
        "Take a snapshot: the volume's owner holds writes for a moment while every in-sync",
        "replica is copied. Answers once the snapshot is ready."
      })
  static final class Create implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin AdminOptions admin;

    @Option(names = "--volume", required = true, paramLabel = "VOLUME", description = "The volume.")
    String volume;

    @Option(names = "--name", required = true, paramLabel = "NAME", description = "Snapshot name.")
    String name;

    @Override
    public Integer call() {
      SnapshotRecord s;
      try (AdminClient client = admin.client()) {
        s = client.createSnapshot(name, volume);
      }
      spec.commandLine()
          .getOut()
          .println(
              "snapshot "
                  + s.name()
                  + " of "
                  + s.volume()
                  + " ("
                  + Sizes.format(s.sizeBytes())
                  + ") ready on "
                  + String.join(",", s.nodes()));
      spec.commandLine().getOut().flush();
      return ExitCodes.OK;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List snapshots.")
  static final class ListSnapshots implements Callable<Integer> {
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
            client.snapshots(),
            "no snapshots",
            new Table("NAME", "VOLUME", "SIZE", "STATE", "NODES", "TAKEN"),
            (t, s) ->
                t.row(
                    s.name(),
                    s.volume(),
                    Sizes.format(s.sizeBytes()),
                    s.state().name().toLowerCase(Locale.ROOT),
                    String.join(",", s.nodes()),
                    Instant.ofEpochMilli(s.createdAtMillis()).toString()));
      }
      out.flush();
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      description = "Delete a snapshot; its clones live on.")
  static final class Delete implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin AdminOptions admin;

    @Parameters(index = "0", paramLabel = "NAME", description = "Snapshot name.")
    String name;

    @Override
    public Integer call() {
      try (AdminClient client = admin.client()) {
        client.deleteSnapshot(name);
      }
      spec.commandLine().getOut().println("deleted snapshot " + name);
      spec.commandLine().getOut().flush();
      return ExitCodes.OK;
    }
  }
}
