package io.weft.host;

import io.netty.buffer.ByteBuf;
import io.weft.protocol.nvme.Opcodes;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Block I/O on one namespace of a connected controller: asynchronous (callbacks or futures) with a
 * blocking convenience layer. Requests larger than the controller's maximum transfer (MDTS, or 1280
 * KiB when it reports none) are split into several commands and complete when all have.
 */
public final class NvmeNamespace {
  private final HostController controller;
  private final int nsid;
  private final int blockShift;
  private final long sizeBlocks;

  NvmeNamespace(HostController controller, int nsid, int blockShift, long sizeBlocks) {
    this.controller = controller;
    this.nsid = nsid;
    this.blockShift = blockShift;
    this.sizeBlocks = sizeBlocks;
  }

  public int nsid() {
    return nsid;
  }

  public int blockSize() {
    return 1 << blockShift;
  }

  public long sizeBlocks() {
    return sizeBlocks;
  }

  public long sizeBytes() {
    return sizeBlocks << blockShift;
  }

  public HostController controller() {
    return controller;
  }

  /** Reads {@code blocks} blocks at {@code slba} into {@code dst} from absolute {@code index}. */
  public CompletableFuture<Void> read(long slba, int blocks, ByteBuf dst, int index) {
    return transfer(Opcodes.NVM_READ, slba, blocks, dst, index, 0);
  }

  /** Writes {@code blocks} blocks from {@code src} at absolute {@code index} to {@code slba}. */
  public CompletableFuture<Void> write(long slba, int blocks, ByteBuf src, int index) {
    return transfer(Opcodes.NVM_WRITE, slba, blocks, src, index, 0);
  }

  /** Writes with Force Unit Access: durable when it completes. */
  public CompletableFuture<Void> writeFua(long slba, int blocks, ByteBuf src, int index) {
    return transfer(Opcodes.NVM_WRITE, slba, blocks, src, index, 1 << 30);
  }

  public CompletableFuture<Void> flush() {
    Command c = new Command();
    c.opcode = Opcodes.NVM_FLUSH;
    c.nsid = nsid;
    return single(c, "Flush");
  }

  public CompletableFuture<Void> writeZeroes(long slba, int blocks) {
    return ranged(Opcodes.NVM_WRITE_ZEROES, slba, blocks, 65536, "Write Zeroes");
  }

  /** Dataset Management with the deallocate attribute, one range per command. */
  public CompletableFuture<Void> deallocate(long slba, long blocks) {
    if (blocks <= 0 || slba < 0 || slba + blocks > sizeBlocks) {
      return CompletableFuture.failedFuture(
          new NvmeException(
              HostStatus.INVALID_REQUEST,
              Opcodes.NVM_DATASET_MANAGEMENT,
              "Deallocate of " + blocks + " blocks at " + slba));
    }
    ByteBuf ranges = controller.alloc().buffer(4096).writeZero(4096);
    long done = 0;
    int n = 0;
    while (done < blocks && n < 256) {
      long chunk = Math.min(blocks - done, 0xFFFFFFFFL);
      ranges.setIntLE(n * 16 + 4, (int) chunk);
      ranges.setLongLE(n * 16 + 8, slba + done);
      done += chunk;
      n++;
    }
    Command c = new Command();
    c.opcode = Opcodes.NVM_DATASET_MANAGEMENT;
    c.nsid = nsid;
    c.cdw10 = n - 1;
    c.cdw11 = 1 << 2;
    c.data = ranges;
    c.dataLength = 4096;
    return single(c, "Deallocate").whenComplete((v, e) -> ranges.release());
  }

  private CompletableFuture<Void> ranged(
      int opcode, long slba, int blocks, int maxBlocks, String what) {
    if (blocks <= 0 || slba < 0 || slba + blocks > sizeBlocks) {
      return CompletableFuture.failedFuture(
          new NvmeException(
              HostStatus.INVALID_REQUEST, opcode, what + " of " + blocks + " blocks at " + slba));
    }
    int parts = (blocks + maxBlocks - 1) / maxBlocks;
    CompletableFuture<Void> all = new CompletableFuture<>();
    AtomicInteger remaining = new AtomicInteger(parts);
    for (int i = 0; i < parts; i++) {
      int n = Math.min(maxBlocks, blocks - i * maxBlocks);
      Command c = new Command().io(opcode, nsid, slba + (long) i * maxBlocks, n);
      c.callback = done -> complete(all, remaining, done, what);
      controller.submit(c);
    }
    return all;
  }

  private CompletableFuture<Void> transfer(
      int opcode, long slba, int blocks, ByteBuf buf, int index, int flags) {
    String what = opcode == Opcodes.NVM_READ ? "Read" : "Write";
    if (blocks <= 0 || slba < 0 || slba + blocks > sizeBlocks || blocks > 65536 * 1024) {
      return CompletableFuture.failedFuture(
          new NvmeException(
              HostStatus.INVALID_REQUEST,
              opcode,
              what
                  + " of "
                  + blocks
                  + " blocks at LBA "
                  + slba
                  + " (namespace has "
                  + sizeBlocks
                  + ")"));
    }
    long bytes = (long) blocks << blockShift;
    if (index < 0 || index + bytes > buf.capacity()) {
      return CompletableFuture.failedFuture(
          new NvmeException(HostStatus.INVALID_REQUEST, opcode, what + ": buffer too small"));
    }
    int maxBlocks = Math.max(1, Math.min(65536, controller.maxTransferBytes() >>> blockShift));
    int parts = (blocks + maxBlocks - 1) / maxBlocks;
    CompletableFuture<Void> all = new CompletableFuture<>();
    AtomicInteger remaining = new AtomicInteger(parts);
    for (int i = 0; i < parts; i++) {
      int first = i * maxBlocks;
      int n = Math.min(maxBlocks, blocks - first);
      Command c = new Command().io(opcode, nsid, slba + first, n);
      c.cdw12 |= flags;
      c.data = buf;
      c.dataIndex = index + (first << blockShift);
      c.dataLength = n << blockShift;
      c.callback = done -> complete(all, remaining, done, what);
      controller.submit(c);
    }
    return all;
  }

  private CompletableFuture<Void> single(Command c, String what) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    c.callback = done -> complete(f, new AtomicInteger(1), done, what);
    controller.submit(c);
    return f;
  }

  private static void complete(
      CompletableFuture<Void> all, AtomicInteger remaining, Command done, String what) {
    if (!HostStatus.isSuccess(done.status)) {
      all.completeExceptionally(new NvmeException(done.status, done.opcode, what));
    } else if (remaining.decrementAndGet() == 0) {
      all.complete(null);
    }
  }

  // ---- blocking convenience ----

  public void readBlocking(long slba, int blocks, ByteBuf dst, int index) throws IOException {
    join(read(slba, blocks, dst, index));
  }

  public void writeBlocking(long slba, int blocks, ByteBuf src, int index) throws IOException {
    join(write(slba, blocks, src, index));
  }

  public void flushBlocking() throws IOException {
    join(flush());
  }

  static void join(CompletableFuture<Void> f) throws IOException {
    try {
      f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable c = e.getCause();
      throw c instanceof IOException io ? io : new IOException(c);
    }
  }
}
