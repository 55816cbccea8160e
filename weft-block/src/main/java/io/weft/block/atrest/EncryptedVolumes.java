package io.weft.block.atrest;

import io.weft.block.BlockDevice;
import io.weft.block.FileBlockDevice;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.stream.Stream;

/**
 * Opening, creating and re-keying file volumes encrypted at rest: a backing file of ciphertext
 * ({@link EncryptedBlockDevice}) and its {@link VolumeKeyFile} beside it.
 */
public final class EncryptedVolumes {
  private EncryptedVolumes() {}

  /**
   * Opens an encrypted file volume, creating it (a random data key, wrapped by {@code key}, written
   * before the backing file exists) if neither file exists yet.
   *
   * @param dataUnit the namespace's logical block size (512 or 4096); must match an existing volume
   * @throws WrongKeyException if {@code key} does not unwrap the volume's data key (nothing is read
   *     or written then)
   * @throws IOException if the backing file exists without a key file (it holds data that is not
   *     encrypted), the key file is damaged, or the file cannot be opened
   */
  public static BlockDevice open(
      Path file, long sizeBytes, boolean direct, int dataUnit, WrappingKey key, Executor executor)
      throws IOException {
    Path keyFile = VolumeKeyFile.pathFor(file);
    VolumeKeyFile volumeKey;
    byte[] dataKey;
    if (Files.exists(keyFile)) {
      volumeKey = VolumeKeyFile.read(keyFile);
      if (volumeKey.dataUnit() != dataUnit) {
        throw new IOException(
            file
                + " was encrypted with "
                + volumeKey.dataUnit()
                + "-byte data units and cannot be served with "
                + dataUnit
                + "-byte blocks; keep its block size");
      }
      dataKey = volumeKey.unwrap(key, keyFile);
    } else {
      if (Files.exists(file)) {
        throw new IOException(
            file
                + " exists but has no "
                + keyFile.getFileName()
                + ": it holds data that is not encrypted. Encrypting an existing volume in place"
                + " is not supported; copy it into a new encrypted volume through a host");
      }
      dataKey = newDataKey();
      // The key file first: a backing file never exists without the key that reads it.
      VolumeKeyFile.create(key, dataUnit, dataKey).write(keyFile);
    }
    try {
      // The file works on the thread that calls it: the encrypting device calls it from the I/O
      // workers, after encrypting or before decrypting there, so each request crosses threads once.
      FileBlockDevice device = FileBlockDevice.open(file, sizeBytes, direct, Runnable::run);
      try {
        return new EncryptedBlockDevice(device, dataKey, dataUnit, executor);
      } catch (RuntimeException e) {
        device.close();
        throw e;
      }
    } finally {
      Arrays.fill(dataKey, (byte) 0);
    }
  }

  /**
   * Refuses to open a volume as plain when it is encrypted: served as plain, hosts would read
   * ciphertext and every write would land in the clear beside it.
   */
  public static void refuseIfEncrypted(Path file) throws IOException {
    Path keyFile = VolumeKeyFile.pathFor(file);
    if (Files.exists(keyFile)) {
      throw new IOException(
          file
              + " is encrypted at rest (it has "
              + keyFile.getFileName()
              + "); serve it with encryption on");
    }
  }

  /** Whether a backing file belongs to an encrypted volume. */
  public static boolean isEncrypted(Path file) {
    return Files.exists(VolumeKeyFile.pathFor(file));
  }

  /** What {@link #rotate} did to one volume. */
  public enum Rotation {
    /** Re-wrapped under the new key. */
    REWRAPPED,
    /** Already wrapped by the new key (an interrupted rotation run again). */
    ALREADY_NEW
  }

  /**
   * Re-wraps one volume's data key from {@code old} to {@code fresh}; the data is not touched. Safe
   * while the volume is served: a running device keeps its data key in memory, and the key file is
   * replaced atomically.
   *
   * @param keyFile a {@link VolumeKeyFile}
   * @throws WrongKeyException if neither key wraps it
   */
  public static Rotation rotate(Path keyFile, WrappingKey old, WrappingKey fresh)
      throws IOException {
    VolumeKeyFile current = VolumeKeyFile.read(keyFile);
    if (current.wrappingKey().equals(fresh.fingerprint())) {
      current.unwrap(fresh, keyFile); // proves it, rather than trusting the fingerprint
      return Rotation.ALREADY_NEW;
    }
    current.rewrap(old, fresh, keyFile).write(keyFile);
    return Rotation.REWRAPPED;
  }

  /** Every volume key file under a directory (recursively), sorted. */
  public static List<Path> keyFilesUnder(Path dir) throws IOException {
    List<Path> found = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.filter(p -> p.getFileName().toString().endsWith(VolumeKeyFile.SUFFIX))
          .filter(Files::isRegularFile)
          .sorted()
          .forEach(found::add);
    }
    return found;
  }

  private static byte[] newDataKey() {
    SecureRandom random = new SecureRandom();
    byte[] key = new byte[VolumeKeyFile.DATA_KEY_LENGTH];
    do {
      random.nextBytes(key);
      // XTS needs distinct halves; equal ones from a working generator will not happen.
    } while (Arrays.equals(key, 0, 32, key, 32, 64));
    return key;
  }
}
