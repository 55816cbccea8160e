package io.weft.store;

import java.nio.charset.StandardCharsets;

/**
 * One condition of a transaction, on one key. A missing key has version, create and mod revision 0,
 * so {@code modRevision(key, 0)} means "the key does not exist" (etcd's semantics).
 */
public record Compare(String key, Target target, long number, byte[] value) {
  public enum Target {
    /** The key's mod revision equals {@link #number}. */
    MOD_REVISION,
    /** The key's version equals {@link #number}. */
    VERSION,
    /** The key exists and its value equals {@link #value}. */
    VALUE
  }

  public static Compare modRevision(String key, long modRevision) {
    return new Compare(key, Target.MOD_REVISION, modRevision, null);
  }

  public static Compare version(String key, long version) {
    return new Compare(key, Target.VERSION, version, null);
  }

  public static Compare absent(String key) {
    return version(key, 0);
  }

  public static Compare value(String key, byte[] value) {
    return new Compare(key, Target.VALUE, 0, value.clone());
  }

  public static Compare value(String key, String value) {
    return value(key, value.getBytes(StandardCharsets.UTF_8));
  }

  /** Evaluates against the key's current state ({@code null} when absent). */
  public boolean holds(KeyValue current) {
    return switch (target) {
      case MOD_REVISION -> (current == null ? 0 : current.modRevision()) == number;
      case VERSION -> (current == null ? 0 : current.version()) == number;
      case VALUE -> current != null && java.util.Arrays.equals(current.value(), value);
    };
  }
}
