package io.weft.block.atrest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.block.BlockDevice;
import io.weft.block.BlockStatus;
import io.weft.block.FileBlockDevice;
import io.weft.block.IoCallback;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Encrypted file volumes: what lands on disk, keys, wrong keys and rotation. */
class EncryptedVolumesTest {
  private static final long SIZE = 4 << 20;
  private static final byte[] PATTERN =
      "WEFT-PLAINTEXT-MARKER-0123456789".getBytes(StandardCharsets.US_ASCII);

  @TempDir Path dir;

  private final ExecutorService io =
      Executors.newFixedThreadPool(2, r -> new Thread(r, "atrest-io"));

  @AfterEach
  void stop() {
    io.shutdown();
  }

  private Path volume() {
    return dir.resolve("vol.img");
  }

  private BlockDevice open(WrappingKey key) throws IOException {
    return EncryptedVolumes.open(volume(), SIZE, false, 512, key, io);
  }

  private static byte[] patterned(int length) {
    byte[] data = new byte[length];
    for (int i = 0; i < length; i++) {
      data[i] = PATTERN[i % PATTERN.length];
    }
    return data;
  }

  private static int await(Consumer<IoCallback> request) {
    CompletableFuture<Integer> done = new CompletableFuture<>();
    request.accept(done::complete);
    try {
      return done.get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static void write(BlockDevice device, long offset, byte[] data) {
    ByteBuf src = Unpooled.wrappedBuffer(data);
    assertEquals(BlockStatus.OK, await(cb -> device.write(offset, src, 0, data.length, false, cb)));
  }

  private static byte[] read(BlockDevice device, long offset, int length) {
    ByteBuf dst = Unpooled.directBuffer(length);
    assertEquals(BlockStatus.OK, await(cb -> device.read(offset, dst, 0, length, cb)));
    byte[] out = new byte[length];
    dst.getBytes(0, out);
    dst.release();
    return out;
  }

  private static boolean contains(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  private static String sha256(Path file) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }

  @Test
  void writtenDataIsNotInTheClearAndReadsBack() throws Exception {
    byte[] data = patterned(64 << 10);
    try (WrappingKey key = WrappingKey.generate();
        BlockDevice device = open(key)) {
      write(device, 8192, data);
      write(device, SIZE - 4096, patterned(4096));
      assertArrayEquals(data, read(device, 8192, data.length));
      assertArrayEquals(new byte[4096], read(device, 0, 4096), "never written: zeros");
      assertEquals(
          BlockStatus.OK, await(cb -> device.deallocate(8192 + 4096, 4096, cb)), "deallocate");
      assertArrayEquals(new byte[4096], read(device, 8192 + 4096, 4096), "deallocated: zeros");
      assertArrayEquals(patterned(4096), read(device, 8192, 4096), "its neighbour kept");
    }
    byte[] onDisk = Files.readAllBytes(volume());
    assertFalse(contains(onDisk, PATTERN), "the pattern is in the backing file in clear");
    assertFalse(contains(onDisk, new byte[] {'W', 'E', 'F', 'T', '-', 'P'}));
  }

  @Test
  void everyRequestRunsAndCompletesOnTheIoWorkers() throws Exception {
    try (WrappingKey key = WrappingKey.generate();
        BlockDevice device = open(key)) {
      ByteBuf buf = Unpooled.directBuffer(4096).writeZero(4096);
      List<Consumer<IoCallback>> requests =
          List.of(
              cb -> device.write(0, buf, 0, 4096, true, cb),
              cb -> device.read(0, buf, 0, 4096, cb),
              device::flush,
              cb -> device.writeZeroes(0, 4096, cb),
              cb -> device.deallocate(4096, 4096, cb));
      for (Consumer<IoCallback> request : requests) {
        CompletableFuture<String> thread = new CompletableFuture<>();
        request.accept(status -> thread.complete(status + " " + Thread.currentThread().getName()));
        assertEquals("0 atrest-io", thread.get(30, TimeUnit.SECONDS));
      }
      buf.release();
    }
  }

  @Test
  void theCallersBufferIsOnlyRead() throws Exception {
    byte[] data = patterned(8192);
    ByteBuf src = Unpooled.wrappedBuffer(data.clone());
    try (WrappingKey key = WrappingKey.generate();
        BlockDevice device = open(key)) {
      assertEquals(BlockStatus.OK, await(cb -> device.write(0, src, 0, 8192, true, cb)));
    }
    byte[] after = new byte[8192];
    src.getBytes(0, after);
    assertArrayEquals(data, after);
  }

  @Test
  void theDataKeyIsNeverOnDiskInTheClear() throws Exception {
    try (WrappingKey key = WrappingKey.generate();
        BlockDevice device = open(key)) {
      write(device, 0, patterned(4096));
    }
    Path keyFile = VolumeKeyFile.pathFor(volume());
    assertEquals(
        "rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)));
    VolumeKeyFile stored = VolumeKeyFile.read(keyFile);
    assertEquals(VolumeKeyFile.CIPHER, stored.cipher());
    assertEquals(512, stored.dataUnit());
    // The wrapped key is not the key: 8 more bytes, and unwrapping with the right key differs.
    assertEquals(VolumeKeyFile.DATA_KEY_LENGTH + 8, stored.wrappedKey().length);
    String text = Files.readString(keyFile);
    assertFalse(text.contains("BEGIN"), text);
  }

  @Test
  void theWrongKeyIsRefusedAtOpenAndNothingIsTouched() throws Exception {
    byte[] data = patterned(16 << 10);
    try (WrappingKey right = WrappingKey.generate()) {
      try (BlockDevice device = open(right)) {
        write(device, 0, data);
      }
      String volumeBefore = sha256(volume());
      String keyFileBefore = sha256(VolumeKeyFile.pathFor(volume()));
      try (WrappingKey wrong = WrappingKey.generate()) {
        WrongKeyException e = assertThrows(WrongKeyException.class, () -> open(wrong));
        assertTrue(e.getMessage().contains(right.fingerprint()), e.getMessage());
        assertTrue(e.getMessage().contains(wrong.fingerprint()), e.getMessage());
      }
      assertEquals(volumeBefore, sha256(volume()));
      assertEquals(keyFileBefore, sha256(VolumeKeyFile.pathFor(volume())));
      try (BlockDevice device = open(right)) {
        assertArrayEquals(data, read(device, 0, data.length));
      }
    }
  }

  @Test
  void aDamagedWrappedKeyIsRefusedEvenUnderTheRightFingerprint() throws Exception {
    try (WrappingKey key = WrappingKey.generate()) {
      open(key).close();
      Path keyFile = VolumeKeyFile.pathFor(volume());
      VolumeKeyFile stored = VolumeKeyFile.read(keyFile);
      byte[] wrapped = stored.wrappedKey();
      wrapped[5] ^= 1;
      new VolumeKeyFile(stored.cipher(), stored.dataUnit(), stored.wrappingKey(), wrapped)
          .write(keyFile);
      WrongKeyException e = assertThrows(WrongKeyException.class, () -> open(key));
      assertTrue(e.getMessage().contains("integrity"), e.getMessage());
    }
  }

  @Test
  void rotationRewrapsOnlyTheKeyFileAndEveryByteStaysReadable() throws Exception {
    byte[] data = new byte[256 << 10];
    new java.util.Random(9).nextBytes(data);
    Path keyFile = VolumeKeyFile.pathFor(volume());
    try (WrappingKey old = WrappingKey.generate();
        WrappingKey fresh = WrappingKey.generate()) {
      try (BlockDevice device = open(old)) {
        write(device, 512 * 3, data);
      }
      String volumeBefore = sha256(volume());

      assertEquals(
          EncryptedVolumes.Rotation.REWRAPPED, EncryptedVolumes.rotate(keyFile, old, fresh));
      assertEquals(volumeBefore, sha256(volume()), "the data was not rewritten");
      assertEquals(fresh.fingerprint(), VolumeKeyFile.read(keyFile).wrappingKey());
      assertEquals(
          EncryptedVolumes.Rotation.ALREADY_NEW, EncryptedVolumes.rotate(keyFile, old, fresh));

      assertThrows(WrongKeyException.class, () -> open(old), "the old key no longer works");
      try (BlockDevice device = open(fresh)) {
        assertArrayEquals(data, read(device, 512 * 3, data.length));
      }
      try (WrappingKey other = WrappingKey.generate()) {
        assertThrows(WrongKeyException.class, () -> EncryptedVolumes.rotate(keyFile, other, other));
      }
    }
  }

  @Test
  void plainAndEncryptedVolumesAreNotMistakenForEachOther() throws Exception {
    try (FileBlockDevice plain = FileBlockDevice.open(volume(), SIZE, false, io)) {
      write(plain, 0, patterned(512));
    }
    EncryptedVolumes.refuseIfEncrypted(volume()); // a plain volume opens as before
    try (WrappingKey key = WrappingKey.generate()) {
      IOException e = assertThrows(IOException.class, () -> open(key));
      assertTrue(e.getMessage().contains("not encrypted"), e.getMessage());
      assertFalse(Files.exists(VolumeKeyFile.pathFor(volume())));

      Path other = dir.resolve("crypt.img");
      EncryptedVolumes.open(other, SIZE, false, 512, key, io).close();
      IOException plainOpen =
          assertThrows(IOException.class, () -> EncryptedVolumes.refuseIfEncrypted(other));
      assertTrue(plainOpen.getMessage().contains("encrypted"), plainOpen.getMessage());
      IOException unit =
          assertThrows(
              IOException.class, () -> EncryptedVolumes.open(other, SIZE, false, 4096, key, io));
      assertTrue(unit.getMessage().contains("512-byte"), unit.getMessage());
    }
  }

  @Test
  void keysComeFromFilesTheEnvironmentOrTheNodeKey() throws Exception {
    byte[] raw = new byte[32];
    new java.util.Random(5).nextBytes(raw);
    Path hexFile = dir.resolve("k.hex");
    Files.writeString(hexFile, HexFormat.of().formatHex(raw) + "\n");
    String b64 = Base64.getEncoder().encodeToString(raw);
    Map<String, String> env = Map.of("WEFT_KEY", b64, "SHORT", "AAAA");
    try (WrappingKey fromFile = WrappingKey.load("@" + hexFile, dir, env::get);
        WrappingKey fromEnv = WrappingKey.load("env:WEFT_KEY", dir, env::get)) {
      assertEquals(fromFile.fingerprint(), fromEnv.fingerprint());
      assertEquals(32, fromFile.fingerprint().length());
    }
    assertThrows(IOException.class, () -> WrappingKey.load("env:SHORT", dir, env::get));
    assertThrows(IOException.class, () -> WrappingKey.load("env:MISSING", dir, env::get));
    assertThrows(IOException.class, () -> WrappingKey.load("@" + dir.resolve("no"), dir, env::get));
    IOException unknown =
        assertThrows(IOException.class, () -> WrappingKey.load(b64, dir, env::get));
    assertFalse(unknown.getMessage().contains(b64), "a key given as a source is not repeated");

    Path nodeDir = dir.resolve("data");
    String first;
    try (WrappingKey node = WrappingKey.load(null, nodeDir, env::get)) {
      first = node.fingerprint();
    }
    Path nodeKey = WrappingKey.nodeKeyFile(nodeDir);
    assertEquals(
        "rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(nodeKey)));
    try (WrappingKey again = WrappingKey.load("node", nodeDir, env::get)) {
      assertEquals(first, again.fingerprint(), "created once, then reused");
    }
    try (WrappingKey other = WrappingKey.load(null, dir.resolve("elsewhere"), env::get)) {
      assertNotEquals(first, other.fingerprint());
    }
  }

  @Test
  void aKeyFileIsNeverOverwritten() throws Exception {
    Path file = dir.resolve("keys").resolve("k");
    String first;
    try (WrappingKey key = WrappingKey.generate()) {
      key.writeTo(file);
      first = key.fingerprint();
    }
    try (WrappingKey other = WrappingKey.generate()) {
      assertThrows(java.nio.file.FileAlreadyExistsException.class, () -> other.writeTo(file));
    }
    try (WrappingKey read = WrappingKey.fromFile(file, "k")) {
      assertEquals(first, read.fingerprint());
    }
    try (var listing = Files.list(file.getParent())) {
      assertEquals(List.of(file), listing.toList(), "no temporary file left behind");
    }
  }

  @Test
  void aDestroyedKeyCannotBeUsed() {
    WrappingKey key = WrappingKey.generate();
    key.close();
    assertTrue(key.isDestroyed());
    assertThrows(IllegalStateException.class, () -> key.wrap(new byte[64]));
  }
}
