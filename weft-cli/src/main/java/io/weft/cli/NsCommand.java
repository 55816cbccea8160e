package io.weft.cli;

import io.weft.tgt.NamespaceInfo;
import io.weft.tgt.SubsystemInfo;
import io.weft.tgt.config.NamespaceConfig;
import java.io.PrintWriter;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code weft ns add|remove|list}: namespaces of a running target, through its admin API. */
@Command(
    name = "ns",
    mixinStandardHelpOptions = true,
    description = "Add, remove and list namespaces of a running target (via its admin API).",
    subcommands = {
      NsCommand.Add.class,
      NsCommand.Remove.class,
      NsCommand.Resize.class,
      NsCommand.ListCommand.class
    })
final class NsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  /** {@code weft ns} alone: the usage on stderr, as an error. */
  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return ExitCodes.USAGE;
  }

  @Command(
      name = "add",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = "Add a namespace; connected hosts are told with an asynchronous event.")
  static final class Add implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin AdminOptions admin;

    @Mixin NamespaceRef target;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Backend backend;

    static final class Backend {
      @ArgGroup(exclusive = false, multiplicity = "1")
      FileBackend file;

      @Option(
          names = "--memory",
          paramLabel = "SIZE",
          required = true,
          converter = TargetCommand.SizeConverter.class,
          description = "A memory namespace of this size (lost when the target stops).")
      Long memory;
    }

    static final class FileBackend {
      @Option(
          names = "--file",
          paramLabel = "PATH",
          required = true,
          description = "Backing file on the target's machine; relative to its data dir.")
      String path;

      @Option(
          names = "--size",
          paramLabel = "SIZE",
          required = true,
          converter = TargetCommand.SizeConverter.class,
          description = "Size of the file namespace: 512M, 1G, ...")
      Long size;

      @Option(names = "--direct", description = "Open the file with O_DIRECT.")
      boolean direct;

      @Option(
          names = "--encrypt",
          description = "Encrypt the file at rest, under the target's at-rest key.")
      boolean encrypt;
    }

    @Option(
        names = "--block-size",
        paramLabel = "512|4096",
        defaultValue = "512",
        description = "Logical block size. Default: ${DEFAULT-VALUE}.")
    int blockSize;

    @Option(
        names = "--uuid",
        paramLabel = "UUID",
        description = "Namespace UUID. Default: derived by the target.")
    UUID uuid;

    @Override
    public Integer call() {
      if (blockSize != 512 && blockSize != 4096) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--block-size must be 512 or 4096, not " + blockSize);
      }
      NamespaceConfig config =
          backend.memory != null
              ? new NamespaceConfig(
                  target.nsid, "memory", null, backend.memory, blockSize, false, uuidText())
              : new NamespaceConfig(
                  target.nsid,
                  "file",
                  backend.file.path,
                  backend.file.size,
                  blockSize,
                  backend.file.direct,
                  uuidText(),
                  backend.file.encrypt);
      NamespaceInfo added;
      try (AdminClient client = admin.client()) {
        added = client.addNamespace(target.nqn, config);
      }
      PrintWriter out = spec.commandLine().getOut();
      out.println("added namespace " + added.nsid() + " to " + target.nqn + ": " + describe(added));
      out.flush();
      return ExitCodes.OK;
    }

    private String uuidText() {
      return uuid == null ? null : uuid.toString();
    }
  }

  @Command(
      name = "resize",
      mixinStandardHelpOptions = true,
      description = {
        "Grow a namespace online (file namespaces). Connected hosts are told with an",
        "asynchronous event and see the new size; a namespace never shrinks."
      })
  static final class Resize implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin AdminOptions admin;

    @Mixin NamespaceRef target;

    @Option(
        names = "--size",
        required = true,
        paramLabel = "SIZE",
        converter = TargetCommand.SizeConverter.class,
        description = "The new size: 4096, 512M, 2G, ... (binary units).")
    long size;

    @Override
    public Integer call() {
      NamespaceInfo grown;
      try (AdminClient client = admin.client()) {
        grown = client.resizeNamespace(target.nqn, target.nsid, size);
      }
      spec.commandLine()
          .getOut()
          .println(
              "namespace "
                  + target.nsid
                  + " of "
                  + target.nqn
                  + " is "
                  + Sizes.format(grown.sizeBytes()));
      spec.commandLine().getOut().flush();
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "remove",
      mixinStandardHelpOptions = true,
      description = "Remove a namespace; connected hosts are told with an asynchronous event.")
  static final class Remove implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin AdminOptions admin;

    @Mixin NamespaceRef target;

    @Override
    public Integer call() {
      try (AdminClient client = admin.client()) {
        client.removeNamespace(target.nqn, target.nsid);
      }
      spec.commandLine()
          .getOut()
          .println("removed namespace " + target.nsid + " from " + target.nqn);
      spec.commandLine().getOut().flush();
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "List subsystems and their namespaces.")
  static final class ListCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin AdminOptions admin;

    @Option(
        names = "--nqn",
        paramLabel = "NQN",
        description = "Only this subsystem (default: all).")
    String nqn;

    @Mixin OutputOption output;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (AdminClient client = admin.client()) {
        List<SubsystemInfo> subsystems = client.subsystems();
        if (nqn != null) {
          subsystems = subsystems.stream().filter(s -> s.nqn().equals(nqn)).toList();
          if (subsystems.isEmpty()) {
            throw new CliException(ExitCodes.FAILED, "no subsystem " + nqn + " on " + admin.admin);
          }
        }
        if (output.json()) {
          out.println(client.toJson(subsystems));
        } else {
          printSubsystems(out, subsystems);
        }
      }
      out.flush();
      return ExitCodes.OK;
    }

    private static void printSubsystems(PrintWriter out, List<SubsystemInfo> subsystems) {
      if (subsystems.isEmpty()) {
        out.println("no subsystems");
      }
      for (SubsystemInfo s : subsystems) {
        out.println(
            s.nqn()
                + "  serial "
                + s.serial()
                + "  model \""
                + s.model()
                + "\"  hosts: "
                + (s.allowedHosts().isEmpty() ? "any" : String.join(", ", s.allowedHosts())));
        if (s.namespaces().isEmpty()) {
          out.println("  (no namespaces)");
          continue;
        }
        Table table = new Table("NSID", "BACKEND", "SIZE", "BLOCK", "USED", "UUID", "PATH");
        for (NamespaceInfo n : s.namespaces()) {
          table.row(
              n.nsid(),
              n.backend() + (n.encrypted() ? " (encrypted)" : ""),
              Sizes.format(n.sizeBytes()),
              n.blockSize(),
              Sizes.format(n.usedBytes()),
              n.uuid(),
              n.path());
        }
        table.print(out, "  ");
      }
    }
  }

  /** "memory, 256 MiB, 512-byte blocks, uuid ..." */
  static String describe(NamespaceInfo n) {
    return n.backend()
        + (n.path() != null ? " " + n.path() : "")
        + ", "
        + Sizes.format(n.sizeBytes())
        + ", "
        + n.blockSize()
        + "-byte blocks"
        + (n.encrypted() ? ", encrypted at rest" : "")
        + (n.uuid() != null ? ", uuid " + n.uuid() : "");
  }
}
