package io.weft.cli;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.host.Command;
import io.weft.host.HostController;
import io.weft.host.NvmeNamespace;
import io.weft.protocol.nvme.Opcodes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code weft read} and {@code weft write}: one transfer between a namespace and a file (or
 * stdin/stdout), with nvme-cli's options. The whole transfer is held in memory, as nvme-cli does;
 * the library splits it into commands of at most the controller's maximum transfer (MDTS).
 *
 * <p>A range beyond the end of the namespace is left to the controller to refuse, as with nvme-cli:
 * one command for the first block past the end goes out, so the error is the controller's own
 * status and no block inside the namespace is touched.
 */
abstract class BlockIoCommand extends HostCommand {
  /** Largest transfer: held in one array. */
  static final long MAX_DATA_SIZE = 1L << 30;

  @Mixin SubsystemOption subsystem;

  @Mixin NamespaceIdOption namespace;

  @Option(
      names = {"-s", "--start-block"},
      paramLabel = "LBA",
      defaultValue = "0",
      description = "First logical block. Default: ${DEFAULT-VALUE}.")
  long startBlock;

  @Option(
      names = {"-c", "--block-count"},
      paramLabel = "N",
      description = "Blocks to transfer, zero-based as in nvme-cli: 0 is one block.")
  Long blockCount;

  @Option(
      names = {"-z", "--data-size"},
      paramLabel = "BYTES",
      converter = TargetCommand.SizeConverter.class,
      description =
          "Bytes to transfer (4096, 64K, 3M, ...; at most 1G), a multiple of the block"
              + " size. With --block-count both must agree.")
  Long dataSize;

  /** Whether data goes to the namespace. */
  abstract boolean writes();

  /** The file {@code --data} names, or null for stdin/stdout. */
  abstract Path dataFile();

  @Override
  final int run() throws IOException {
    checkFlags();
    InputStream input = writes() ? openInput() : null;
    try {
      byte[] buffer = transfer(input);
      if (!writes()) {
        emit(buffer);
      }
      err()
          .println(
              spec.qualifiedName()
                  + ": "
                  + (writes() ? "wrote " : "read ")
                  + buffer.length
                  + " bytes at LBA "
                  + startBlock
                  + " of namespace "
                  + namespace.nsid);
      err().flush();
      return ExitCodes.OK;
    } finally {
      if (input != null && dataFile() != null) {
        input.close();
      }
    }
  }

  private void checkFlags() {
    if (startBlock < 0) {
      throw usage("--start-block must not be negative: " + startBlock);
    }
    if (blockCount != null && (blockCount < 0 || blockCount >= MAX_DATA_SIZE / 512)) {
      throw usage(
          "--block-count must be from 0 (one block) to "
              + (MAX_DATA_SIZE / 512 - 1)
              + ", not "
              + blockCount);
    }
    if (dataSize != null && dataSize > MAX_DATA_SIZE) {
      throw usage("--data-size must be at most " + MAX_DATA_SIZE + " (1 GiB), not " + dataSize);
    }
    if (dataSize == null && blockCount == null) {
      throw usage("give the transfer size: --data-size BYTES or --block-count N (zero-based)");
    }
  }

  private byte[] transfer(InputStream input) throws IOException {
    try (HostController controller =
        connect(
            connection.toConnectOptions(
                spec,
                subsystem.nqn,
                ConnectionOptions.DEFAULT_PORT,
                1,
                ConnectionOptions.DEFAULT_QUEUE_SIZE,
                0))) {
      if (controller.ioQueueCount() == 0) {
        throw new CliException(ExitCodes.FAILED, "the controller granted no I/O queues");
      }
      NvmeNamespace ns = controller.namespace(namespace.nsid);
      int blockSize = ns.blockSize();
      long bytes = transferBytes(blockSize);
      byte[] buffer = new byte[(int) bytes];
      if (writes()) {
        fill(input, buffer);
      }
      ByteBuf buf = Unpooled.wrappedBuffer(buffer);
      int blocks = (int) (bytes / blockSize);
      if (startBlock > ns.sizeBlocks() - blocks) {
        ns = beyondTheEnd(controller, ns, buf, blocks);
      }
      if (writes()) {
        ns.writeBlocking(startBlock, blocks, buf, 0);
      } else {
        ns.readBlocking(startBlock, blocks, buf, 0);
      }
      return buffer;
    }
  }

  /** Bytes to move: {@code --data-size}, or {@code --block-count} + 1 blocks; both must agree. */
  long transferBytes(int blockSize) {
    if (dataSize != null && dataSize % blockSize != 0) {
      throw usage(
          "--data-size "
              + dataSize
              + " is not a multiple of namespace "
              + namespace.nsid
              + "'s block size, "
              + blockSize);
    }
    long counted = blockCount != null ? (blockCount + 1) * blockSize : -1;
    if (dataSize != null && blockCount != null && counted != dataSize) {
      throw usage(
          "--data-size "
              + dataSize
              + " and --block-count "
              + blockCount
              + " disagree: --block-count is zero-based, so it means "
              + (blockCount + 1)
              + " blocks of "
              + blockSize
              + " bytes, "
              + counted
              + " bytes");
    }
    long bytes = dataSize != null ? dataSize : counted;
    if (bytes > MAX_DATA_SIZE) {
      throw usage(
          "--block-count "
              + blockCount
              + " means "
              + bytes
              + " bytes, more than the most one transfer may be, "
              + MAX_DATA_SIZE
              + " (1 GiB)");
    }
    return bytes;
  }

  /**
   * The range ends past the namespace (as Identify reported it): sends the command for the first
   * block past the end, so the controller refuses it with its own status, as it would refuse
   * nvme-cli's single command. Should it accept, the namespace has grown: identified again.
   */
  private NvmeNamespace beyondTheEnd(
      HostController controller, NvmeNamespace ns, ByteBuf buf, int blocks) throws IOException {
    long lba = Math.max(startBlock, ns.sizeBlocks());
    Command c =
        new Command().io(writes() ? Opcodes.NVM_WRITE : Opcodes.NVM_READ, namespace.nsid, lba, 1);
    c.data = buf;
    c.dataIndex = (int) ((lba - startBlock) * ns.blockSize());
    c.dataLength = ns.blockSize();
    controller.execute(c, writes() ? "Write" : "Read");
    NvmeNamespace again = controller.namespace(namespace.nsid);
    if (startBlock > again.sizeBlocks() - blocks) {
      throw new CliException(
          ExitCodes.FAILED,
          "LBA "
              + startBlock
              + " + "
              + blocks
              + " blocks is beyond the end of namespace "
              + namespace.nsid
              + " ("
              + again.sizeBlocks()
              + " blocks), yet the controller accepted LBA "
              + lba);
    }
    return again;
  }

  private InputStream openInput() {
    Path file = dataFile();
    if (file == null) {
      return stdin();
    }
    try {
      return Files.newInputStream(file);
    } catch (IOException e) {
      throw new CliException(
          ExitCodes.USAGE, "cannot read --data " + file + ": " + fileError(e), e);
    }
  }

  /** Reads exactly the transfer; less input is an error, not zeros. */
  private void fill(InputStream input, byte[] buffer) throws IOException {
    String source = dataFile() != null ? dataFile().toString() : "stdin";
    int got;
    try {
      got = input.readNBytes(buffer, 0, buffer.length);
    } catch (IOException e) {
      throw new CliException(ExitCodes.FAILED, "cannot read " + source + ": " + fileError(e), e);
    }
    if (got < buffer.length) {
      throw new CliException(
          ExitCodes.FAILED,
          "short input: "
              + source
              + " ended after "
              + got
              + " of "
              + buffer.length
              + " bytes; nothing was written");
    }
  }

  /** The data read, to the {@code --data} file (replaced) or stdout. */
  private void emit(byte[] buffer) {
    Path file = dataFile();
    try {
      if (file == null) {
        out().flush();
        OutputStream stdout = stdout();
        stdout.write(buffer);
        stdout.flush();
      } else {
        Files.write(file, buffer);
      }
    } catch (IOException e) {
      throw new CliException(
          ExitCodes.FAILED,
          "cannot write " + (file != null ? file : "stdout") + ": " + fileError(e),
          e);
    }
  }

  private static String fileError(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file or directory";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    return Errors.describe(e);
  }

  /** {@code --data} given as {@code -} means stdin/stdout, as usual. */
  static Path fileOrNull(Path data) {
    return data == null || data.toString().equals("-") ? null : data;
  }
}
