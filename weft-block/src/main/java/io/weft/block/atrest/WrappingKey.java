package io.weft.block.atrest;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.function.UnaryOperator;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
import javax.security.auth.Destroyable;

/**
 * The key that wraps the data keys of encrypted volumes (a key-encryption key): 32 bytes, AES-256
 * key wrap. It never encrypts data itself, so replacing it rewrites only the small wrapped-key
 * files ({@link VolumeKeyFile}), never a volume.
 *
 * <p>Where it comes from, as written in configuration ({@link #load}):
 *
 * <ul>
 *   <li>{@code @FILE}: a file holding the key as 64 hex digits or 44 base64 characters;
 *   <li>{@code env:VAR}: an environment variable holding the same text;
 *   <li>nothing (null, empty or {@code node}): the node key, {@value #NODE_KEY_FILE} in the data
 *       directory, created with random bytes and permissions 0600 on first use.
 * </ul>
 *
 * <p>Only the {@link #fingerprint()} is ever printed or stored beside a volume. The key bytes are
 * wiped by {@link #destroy()}; use it in try-with-resources.
 */
public final class WrappingKey implements Destroyable, AutoCloseable {
  /** The node key's file name in the data directory. */
  public static final String NODE_KEY_FILE = "at-rest.key";

  public static final int LENGTH = 32;

  private static final String WRAP = "AES/KW/NoPadding";
  private static final byte[] FINGERPRINT_LABEL =
      "weft at-rest wrapping key\0".getBytes(StandardCharsets.US_ASCII);

  private final byte[] key;
  private final String fingerprint;
  private final String source;
  private volatile boolean destroyed;

  private WrappingKey(byte[] key, String source) {
    this.key = key;
    this.source = source;
    this.fingerprint = fingerprintOf(key);
  }

  /**
   * A key from its 32 bytes (copied).
   *
   * @param source says where it came from, for messages
   */
  public static WrappingKey of(byte[] key, String source) {
    if (key.length != LENGTH) {
      throw new IllegalArgumentException(
          "a wrapping key is " + LENGTH + " bytes, not " + key.length + " (" + source + ")");
    }
    return new WrappingKey(key.clone(), source);
  }

  /** A new random key. */
  public static WrappingKey generate() {
    byte[] key = new byte[LENGTH];
    new SecureRandom().nextBytes(key);
    return new WrappingKey(key, "a new key");
  }

  /**
   * The key a configuration names, read from the process environment.
   *
   * @param spec {@code @FILE}, {@code env:VAR}, or null/empty/{@code node} for the node key
   * @param dataDir where the node key lives; relative {@code @FILE} paths stay relative to the
   *     working directory
   * @throws IOException if the key cannot be read, is malformed, or the node key cannot be made
   */
  public static WrappingKey load(String spec, Path dataDir) throws IOException {
    return load(spec, dataDir, System::getenv);
  }

  /** As {@link #load(String, Path)}, with the environment given (tests). */
  static WrappingKey load(String spec, Path dataDir, UnaryOperator<String> environment)
      throws IOException {
    if (isNodeKey(spec)) {
      return loadOrCreateNodeKey(dataDir);
    }
    String s = spec.strip();
    if (s.startsWith("@")) {
      Path file = Path.of(s.substring(1));
      return fromFile(file, "key file " + file);
    }
    if (s.startsWith("env:")) {
      String variable = s.substring("env:".length());
      String value = environment.apply(variable);
      if (value == null || value.isBlank()) {
        throw new IOException("environment variable " + variable + " holds no at-rest key");
      }
      return parse(value, "environment variable " + variable);
    }
    // The text is not repeated: it may be a key given where its source was expected.
    throw new IOException(
        "an at-rest key source is @FILE, env:VARIABLE, or node (the key in the data directory);"
            + " a key itself is not accepted there");
  }

  /** Whether a key source names the node key of the data directory. */
  public static boolean isNodeKey(String spec) {
    return spec == null || spec.isBlank() || spec.strip().equals("node");
  }

  /** The node key file of a data directory. */
  public static Path nodeKeyFile(Path dataDir) {
    return dataDir.resolve(NODE_KEY_FILE);
  }

  /** Reads a key file (64 hex digits or base64 of 32 bytes, surrounding white space ignored). */
  public static WrappingKey fromFile(Path file, String source) throws IOException {
    byte[] text;
    try {
      text = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new IOException(source + " does not exist");
    }
    try {
      return parse(new String(text, StandardCharsets.US_ASCII), source);
    } finally {
      Arrays.fill(text, (byte) 0);
    }
  }

  private static WrappingKey loadOrCreateNodeKey(Path dataDir) throws IOException {
    Path file = nodeKeyFile(dataDir);
    if (!Files.exists(file)) {
      try (WrappingKey fresh = generate()) {
        fresh.writeTo(file);
      } catch (FileAlreadyExistsException raced) {
        // another process made it first: use theirs
      }
    }
    return fromFile(file, "node key " + file);
  }

  private static WrappingKey parse(String text, String source) throws IOException {
    String s = text.strip();
    byte[] key;
    try {
      key =
          s.length() == 2 * LENGTH && s.chars().allMatch(c -> Character.digit(c, 16) >= 0)
              ? HexFormat.of().parseHex(s)
              : Base64.getDecoder().decode(s);
    } catch (IllegalArgumentException e) {
      throw new IOException(
          source + " does not hold a key: expected 64 hex digits or base64 of 32 bytes");
    }
    if (key.length != LENGTH) {
      Arrays.fill(key, (byte) 0);
      throw new IOException(
          source + " holds " + key.length + " bytes; an at-rest wrapping key is " + LENGTH);
    }
    return new WrappingKey(key, source);
  }

  /**
   * Writes this key as base64 to a new file with permissions 0600, forced to disk. The key is
   * written to a temporary file first and then linked into place, so the file appears whole or not
   * at all, and two processes making it at once cannot both succeed.
   *
   * @throws FileAlreadyExistsException if the file exists (never overwritten)
   */
  public void writeTo(Path file) throws IOException {
    checkLive();
    if (Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      throw new FileAlreadyExistsException(file.toString());
    }
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path temporary = parent.resolve(file.getFileName() + ".tmp-" + ProcessHandle.current().pid());
    Files.deleteIfExists(temporary);
    byte[] text = Base64.getEncoder().encode(key);
    byte[] line = Arrays.copyOf(text, text.length + 1);
    line[text.length] = '\n';
    try {
      try (FileChannel channel =
          FileChannel.open(
              temporary,
              java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
        ByteBuffer buffer = ByteBuffer.wrap(line);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true);
      }
      Files.createLink(file, temporary); // link(2) refuses an existing name
    } finally {
      Arrays.fill(text, (byte) 0);
      Arrays.fill(line, (byte) 0);
      Files.deleteIfExists(temporary);
    }
    VolumeKeyFile.syncDirectory(parent);
  }

  /**
   * Puts a key file in place of another atomically (rename, then the directory forced): how a
   * rotation's next node key becomes the node key.
   */
  public static void replace(Path keyFile, Path replaced) throws IOException {
    java.nio.file.Files.move(
        keyFile,
        replaced,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    VolumeKeyFile.syncDirectory(replaced.toAbsolutePath().getParent());
  }

  /**
   * A short public name of the key: 16 bytes of SHA-256 over a label and the key, in hex. It says
   * which key wrapped a volume without saying anything about the key.
   */
  public String fingerprint() {
    return fingerprint;
  }

  /** Where the key came from ("key file /etc/weft/k", "node key ..."), for messages. */
  public String source() {
    return source;
  }

  /** Wraps a data key (AES key wrap, RFC 3394). */
  byte[] wrap(byte[] dataKey) {
    checkLive();
    try {
      Cipher cipher = Cipher.getInstance(WRAP);
      cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"));
      return cipher.doFinal(dataKey);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES key wrap failed", e);
    }
  }

  /**
   * Unwraps a data key.
   *
   * @throws GeneralSecurityException if the wrapped key does not pass the key wrap's integrity
   *     check: another key wrapped it, or it was damaged
   */
  byte[] unwrap(byte[] wrapped) throws GeneralSecurityException {
    checkLive();
    Cipher cipher = Cipher.getInstance(WRAP);
    cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"));
    // Unwrapped as raw bytes: a SecretKeySpec would keep a copy we could not wipe.
    return cipher.doFinal(wrapped);
  }

  @Override
  public void destroy() {
    destroyed = true;
    Arrays.fill(key, (byte) 0);
  }

  @Override
  public boolean isDestroyed() {
    return destroyed;
  }

  @Override
  public void close() {
    destroy();
  }

  @Override
  public String toString() {
    return "WrappingKey[" + fingerprint + ", " + source + "]";
  }

  private void checkLive() {
    if (destroyed) {
      throw new IllegalStateException("the wrapping key was destroyed");
    }
  }

  private static String fingerprintOf(byte[] key) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(FINGERPRINT_LABEL);
      sha.update(key);
      return HexFormat.of().formatHex(sha.digest(), 0, 16);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
