package io.weft.cli;

import io.weft.block.atrest.EncryptedVolumes;
import io.weft.block.atrest.VolumeKeyFile;
import io.weft.block.atrest.WrappingKey;
import io.weft.cli.config.Defaults;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code weft at-rest-key generate|rotate|list}: the key that wraps the data keys of volumes
 * encrypted at rest. Works on files (the data directory, key files), so it needs no running target;
 * it may run beside one, since a served volume keeps its data key in memory and key files are
 * replaced atomically.
 */
@Command(
    name = "at-rest-key",
    mixinStandardHelpOptions = true,
    description = {
      "Generate, rotate and list the key that wraps the data keys of volumes",
      "encrypted at rest (namespaces with encrypt: true or --encrypt)."
    },
    subcommands = {
      AtRestKeyCommand.Generate.class,
      AtRestKeyCommand.Rotate.class,
      AtRestKeyCommand.ListKeys.class
    })
final class AtRestKeyCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return ExitCodes.USAGE;
  }

  /** The name the next node key waits under until every volume is wrapped by it. */
  static final String NEXT_NODE_KEY = WrappingKey.NODE_KEY_FILE + ".next";

  @Command(
      name = "generate",
      mixinStandardHelpOptions = true,
      description = "Write a new random key (base64, permissions 0600) and print its fingerprint.")
  static final class Generate implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
        names = "--out",
        required = true,
        paramLabel = "FILE",
        description = "The new key file; never overwritten.")
    Path out;

    @Override
    public Integer call() {
      try (WrappingKey key = WrappingKey.generate()) {
        key.writeTo(out);
        spec.commandLine().getOut().println(key.fingerprint() + "  " + out);
        return ExitCodes.OK;
      } catch (FileAlreadyExistsException e) {
        throw new CliException(ExitCodes.FAILED, out + " exists; not overwriting a key");
      } catch (IOException e) {
        throw new CliException(ExitCodes.FAILED, "cannot write " + out + ": " + e.getMessage(), e);
      }
    }
  }

  @Command(
      name = "rotate",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Re-wrap the data keys of encrypted volumes under a new key. Only the small",
        "VOLUME.wrapped-key files change; no data is rewritten. Run it again after an",
        "interruption: volumes already under the new key are left as they are."
      },
      footer = {
        "",
        "Without --new a fresh node key replaces DATA_DIR/at-rest.key once every",
        "volume is wrapped by it (it waits as at-rest.key.next until then). With --new",
        "the node key file is left alone: point the target's --at-rest-key (or",
        "atRestKey) at the new key before it restarts."
      })
  static final class Rotate implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
        names = "--data-dir",
        paramLabel = "DIR",
        description = "The target's data directory. Default ./" + Defaults.DATA_DIR + ".")
    Path dataDir = Path.of(Defaults.DATA_DIR);

    @Option(
        names = "--old",
        paramLabel = "@FILE|env:VAR|node",
        description = "The key the volumes are wrapped by now. Default: the node key.")
    String old;

    @Option(
        names = "--new",
        paramLabel = "@FILE|env:VAR",
        description = "The key to wrap them by. Default: a new node key.")
    String fresh;

    @Parameters(
        paramLabel = "VOLUME",
        arity = "0..*",
        description =
            "Backing files (or their .wrapped-key files). Default: every key file under"
                + " the data dir.")
    List<Path> volumes = new ArrayList<>();

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      List<Path> keyFiles = keyFiles(dataDir, volumes);
      boolean newNodeKey = fresh == null;
      if (newNodeKey && !WrappingKey.isNodeKey(old) && keyFiles.isEmpty()) {
        throw new CliException(ExitCodes.FAILED, "no encrypted volumes under " + dataDir);
      }
      if (WrappingKey.isNodeKey(old) && !Files.exists(WrappingKey.nodeKeyFile(dataDir))) {
        throw new CliException(
            ExitCodes.FAILED,
            "there is no node key "
                + WrappingKey.nodeKeyFile(dataDir)
                + " to rotate from; give the current key with --old");
      }
      try (WrappingKey oldKey = WrappingKey.load(old, dataDir);
          WrappingKey newKey =
              newNodeKey ? nextNodeKey(dataDir) : WrappingKey.load(fresh, dataDir)) {
        if (oldKey.fingerprint().equals(newKey.fingerprint())) {
          throw new CliException(ExitCodes.USAGE, "--old and --new are the same key");
        }
        int rewrapped = 0;
        for (Path keyFile : keyFiles) {
          EncryptedVolumes.Rotation r = EncryptedVolumes.rotate(keyFile, oldKey, newKey);
          out.println(
              (r == EncryptedVolumes.Rotation.REWRAPPED ? "re-wrapped   " : "already new  ")
                  + keyFile);
          rewrapped++;
        }
        if (newNodeKey) {
          Path next = dataDir.resolve(NEXT_NODE_KEY);
          WrappingKey.replace(next, WrappingKey.nodeKeyFile(dataDir));
          out.println("node key     " + WrappingKey.nodeKeyFile(dataDir) + " replaced");
        }
        out.println(
            rewrapped
                + " volume(s) now wrapped by key "
                + newKey.fingerprint()
                + "; key "
                + oldKey.fingerprint()
                + " no longer opens them");
        out.flush();
        return ExitCodes.OK;
      } catch (IOException e) {
        throw new CliException(
            ExitCodes.FAILED,
            "rotation stopped: "
                + e.getMessage()
                + (newNodeKey
                    ? "; the volumes re-wrapped so far need the key in "
                        + dataDir.resolve(NEXT_NODE_KEY)
                        + ": run the command again (with the right --old, or naming the volumes)"
                        + " to finish"
                    : ""),
            e);
      }
    }

    /** The next node key: the one an interrupted rotation left, or a new one. */
    private static WrappingKey nextNodeKey(Path dataDir) throws IOException {
      Path next = dataDir.resolve(NEXT_NODE_KEY);
      if (!Files.exists(next)) {
        try (WrappingKey generated = WrappingKey.generate()) {
          generated.writeTo(next);
        }
      }
      return WrappingKey.fromFile(next, "next node key " + next);
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = {
        "List encrypted volumes and the fingerprint of the key that wraps each;",
        "with --key, whether that key opens them."
      })
  static final class ListKeys implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
        names = "--data-dir",
        paramLabel = "DIR",
        description = "The target's data directory. Default ./" + Defaults.DATA_DIR + ".")
    Path dataDir = Path.of(Defaults.DATA_DIR);

    @Option(
        names = "--key",
        paramLabel = "@FILE|env:VAR|node",
        description = "A key to check against each volume.")
    String key;

    @Parameters(paramLabel = "VOLUME", arity = "0..*", description = "Default: the data dir's.")
    List<Path> volumes = new ArrayList<>();

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      List<Path> keyFiles = keyFiles(dataDir, volumes);
      try (WrappingKey check = key == null ? null : WrappingKey.load(key, dataDir)) {
        int notOpened = 0;
        for (Path keyFile : keyFiles) {
          VolumeKeyFile k = VolumeKeyFile.read(keyFile);
          String verdict = "";
          if (check != null) {
            boolean opens = check.fingerprint().equals(k.wrappingKey());
            verdict = opens ? "  opens" : "  DOES NOT OPEN";
            notOpened += opens ? 0 : 1;
          }
          out.println(
              k.wrappingKey() + "  " + k.cipher() + "/" + k.dataUnit() + "  " + keyFile + verdict);
        }
        out.flush();
        return notOpened == 0 ? ExitCodes.OK : ExitCodes.FAILED;
      } catch (IOException e) {
        throw new CliException(ExitCodes.FAILED, e.getMessage(), e);
      }
    }
  }

  /** The key files named (a backing file stands for its key file), or every one under the dir. */
  static List<Path> keyFiles(Path dataDir, List<Path> volumes) {
    if (!volumes.isEmpty()) {
      List<Path> keyFiles = new ArrayList<>();
      for (Path v : volumes) {
        Path k =
            v.getFileName().toString().endsWith(VolumeKeyFile.SUFFIX)
                ? v
                : VolumeKeyFile.pathFor(v);
        if (!Files.isRegularFile(k)) {
          throw new CliException(
              ExitCodes.FAILED, v + " is not an encrypted volume (no " + k + ")");
        }
        keyFiles.add(k);
      }
      return keyFiles;
    }
    if (!Files.isDirectory(dataDir)) {
      throw new CliException(ExitCodes.FAILED, "no data directory " + dataDir);
    }
    try {
      return EncryptedVolumes.keyFilesUnder(dataDir);
    } catch (IOException e) {
      throw new CliException(
          ExitCodes.FAILED, "cannot search " + dataDir + ": " + e.getMessage(), e);
    }
  }
}
