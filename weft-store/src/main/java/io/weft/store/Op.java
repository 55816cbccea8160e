package io.weft.store;

import java.nio.charset.StandardCharsets;

/** One write of a transaction: put a key (optionally attached to a lease) or delete one. */
public sealed interface Op {
  String key();

  record Put(String key, byte[] value, long lease) implements Op {
    public Put {
      value = value.clone();
    }
  }

  record Delete(String key) implements Op {}

  static Op put(String key, byte[] value) {
    return new Put(key, value, 0);
  }

  static Op put(String key, String value) {
    return put(key, value.getBytes(StandardCharsets.UTF_8));
  }

  /** A put whose key is deleted when {@code lease} expires or is revoked. */
  static Op put(String key, byte[] value, long lease) {
    return new Put(key, value, lease);
  }

  static Op delete(String key) {
    return new Delete(key);
  }
}
