package io.weft.block.atrest;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The small file beside an encrypted volume's backing file ({@code <file>.wrapped-key}) that holds
 * the volume's data key wrapped by a {@link WrappingKey}, and what is needed to use it:
 *
 * <pre>
 * # Weft encryption at rest: ...
 * format: 1
 * cipher: aes-xts-256
 * data-unit: 512
 * wrapping-key: 3f0c...          (the wrapping key's fingerprint)
 * wrapped-data-key: q1w2...      (base64, AES key wrap of the 64-byte XTS key)
 * </pre>
 *
 * <p>The data key itself is never written anywhere. Replacing the wrapping key rewrites only this
 * file (atomically: a temporary file, forced, renamed over the old one, directory forced), so the
 * volume is readable with the old key or the new one at every instant. Losing this file, or the
 * wrapping key, loses the volume's data.
 */
public record VolumeKeyFile(String cipher, int dataUnit, String wrappingKey, byte[] wrappedKey) {
  public static final String SUFFIX = ".wrapped-key";
  public static final String CIPHER = "aes-xts-256";

  /** The XTS-AES-256 key: two AES-256 keys. */
  static final int DATA_KEY_LENGTH = 64;

  private static final int FORMAT = 1;

  public VolumeKeyFile {
    wrappedKey = wrappedKey.clone();
  }

  @Override
  public byte[] wrappedKey() {
    return wrappedKey.clone();
  }

  /** The key file of a backing file. */
  public static Path pathFor(Path backingFile) {
    return backingFile.resolveSibling(backingFile.getFileName() + SUFFIX);
  }

  /** Wraps a data key under {@code key}. */
  static VolumeKeyFile create(WrappingKey key, int dataUnit, byte[] dataKey) {
    return new VolumeKeyFile(CIPHER, dataUnit, key.fingerprint(), key.wrap(dataKey));
  }

  /**
   * The data key, unwrapped with {@code key}; the caller wipes it.
   *
   * @param file this key file, named in messages
   * @throws WrongKeyException if {@code key} is not the one that wrapped it, or the file is damaged
   */
  byte[] unwrap(WrappingKey key, Path file) throws WrongKeyException {
    if (!key.fingerprint().equals(wrappingKey)) {
      throw new WrongKeyException(
          file
              + ": this volume's data key is wrapped by the key with fingerprint "
              + wrappingKey
              + ", but the at-rest key given ("
              + key.source()
              + ") has fingerprint "
              + key.fingerprint());
    }
    byte[] dataKey;
    try {
      dataKey = key.unwrap(wrappedKey);
    } catch (GeneralSecurityException e) {
      throw new WrongKeyException(
          file + ": the wrapped data key fails its integrity check (the file is damaged)");
    }
    if (dataKey.length != DATA_KEY_LENGTH) {
      Arrays.fill(dataKey, (byte) 0);
      throw new WrongKeyException(file + ": the data key has the wrong length");
    }
    return dataKey;
  }

  /**
   * The same data key wrapped by {@code fresh} instead of {@code old}.
   *
   * @throws WrongKeyException if {@code old} does not unwrap it
   */
  VolumeKeyFile rewrap(WrappingKey old, WrappingKey fresh, Path file) throws WrongKeyException {
    byte[] dataKey = unwrap(old, file);
    try {
      return create(fresh, dataUnit, dataKey);
    } finally {
      Arrays.fill(dataKey, (byte) 0);
    }
  }

  /**
   * Reads and checks a key file.
   *
   * @throws NoSuchFileException if there is none
   * @throws IOException if it cannot be read or is not a key file this version understands
   */
  public static VolumeKeyFile read(Path file) throws IOException {
    Map<String, String> fields = new LinkedHashMap<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      String s = line.strip();
      if (s.isEmpty() || s.startsWith("#")) {
        continue;
      }
      int colon = s.indexOf(':');
      if (colon <= 0) {
        throw malformed(file, "line \"" + s + "\" is not 'name: value'");
      }
      fields.put(s.substring(0, colon).strip(), s.substring(colon + 1).strip());
    }
    String format = fields.get("format");
    if (!String.valueOf(FORMAT).equals(format)) {
      throw malformed(file, "format " + format + " is not " + FORMAT);
    }
    String cipher = fields.get("cipher");
    if (!CIPHER.equals(cipher)) {
      throw malformed(file, "cipher " + cipher + " is not " + CIPHER);
    }
    int dataUnit;
    try {
      dataUnit = Integer.parseInt(String.valueOf(fields.get("data-unit")));
    } catch (NumberFormatException e) {
      throw malformed(file, "data-unit is not a number");
    }
    if (dataUnit != 512 && dataUnit != 4096) {
      throw malformed(file, "data-unit " + dataUnit + " is not 512 or 4096");
    }
    String fingerprint = fields.get("wrapping-key");
    String wrapped = fields.get("wrapped-data-key");
    if (fingerprint == null || fingerprint.isEmpty() || wrapped == null) {
      throw malformed(file, "wrapping-key or wrapped-data-key is missing");
    }
    try {
      return new VolumeKeyFile(cipher, dataUnit, fingerprint, Base64.getDecoder().decode(wrapped));
    } catch (IllegalArgumentException e) {
      throw malformed(file, "wrapped-data-key is not base64");
    }
  }

  /** Writes this key file in place of {@code file}, atomically, with permissions 0600. */
  public void write(Path file) throws IOException {
    String text =
        "# Weft encryption at rest: the data key of volume "
            + file.getFileName().toString().replace(SUFFIX, "")
            + ", wrapped by the\n"
            + "# at-rest key with the fingerprint below. The volume cannot be read without this\n"
            + "# file and that key. Rotate the key with: weft at-rest-key rotate\n"
            + "format: "
            + FORMAT
            + "\ncipher: "
            + cipher
            + "\ndata-unit: "
            + dataUnit
            + "\nwrapping-key: "
            + wrappingKey
            + "\nwrapped-data-key: "
            + Base64.getEncoder().encodeToString(wrappedKey)
            + "\n";
    Path dir = file.toAbsolutePath().getParent();
    Path temporary = dir.resolve(file.getFileName() + ".tmp");
    Files.deleteIfExists(temporary);
    try (FileChannel channel =
        FileChannel.open(
            temporary,
            java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
      channel.write(java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
      channel.force(true);
    }
    try {
      Files.move(
          temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.deleteIfExists(temporary);
      throw new IOException("cannot replace " + file + " atomically", e);
    }
    syncDirectory(dir);
  }

  /** Forces a directory, so a file just created or renamed in it survives a crash. */
  static void syncDirectory(Path dir) throws IOException {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException e) {
      // Some file systems cannot open a directory for reading; the rename is then all we have.
      if (!Files.isDirectory(dir)) {
        throw e;
      }
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof VolumeKeyFile k
        && cipher.equals(k.cipher)
        && dataUnit == k.dataUnit
        && wrappingKey.equals(k.wrappingKey)
        && Arrays.equals(wrappedKey, k.wrappedKey);
  }

  @Override
  public int hashCode() {
    return wrappingKey.hashCode() * 31 + Arrays.hashCode(wrappedKey);
  }

  @Override
  public String toString() {
    return "VolumeKeyFile[" + cipher + ", data unit " + dataUnit + ", key " + wrappingKey + "]";
  }

  private static IOException malformed(Path file, String what) {
    return new IOException(file + " is not a Weft at-rest key file: " + what);
  }
}
