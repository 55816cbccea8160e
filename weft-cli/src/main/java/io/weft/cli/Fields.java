package io.weft.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An ordered set of named values printed two ways: nvme-cli's {@code key : value} lines for people
 * and a JSON object, so the two outputs of a command cannot drift apart.
 */
final class Fields {
  private record Field(String key, String jsonKey, Object json, String text) {}

  private final List<Field> fields = new ArrayList<>();

  /** A value shown as itself in both outputs. */
  Fields add(String key, Object value) {
    return add(key, key, value, String.valueOf(value));
  }

  /** A value shown as {@code text} to people and as {@code json} in JSON. */
  Fields add(String key, Object json, String text) {
    return add(key, key, json, text);
  }

  /** As {@link #add(String, Object, String)}, with a different key in JSON (as nvme-cli has). */
  Fields add(String key, String jsonKey, Object json, String text) {
    fields.add(new Field(key, jsonKey, json, text));
    return this;
  }

  /** {@code key : value}, keys padded to one width ({@code nvme id-ctrl}). */
  void print(PrintWriter out) {
    int width = fields.stream().mapToInt(f -> f.key().length()).max().orElse(0);
    for (Field f : fields) {
      out.println(f.key() + " ".repeat(width - f.key().length()) + " : " + f.text());
    }
  }

  /** {@code key: value}, values aligned ({@code nvme discover}). */
  void printCompact(PrintWriter out) {
    int width = fields.stream().mapToInt(f -> f.key().length()).max().orElse(0);
    for (Field f : fields) {
      out.println(f.key() + ":" + " ".repeat(width - f.key().length() + 1) + f.text());
    }
  }

  /** The JSON object, in order. */
  Map<String, Object> json() {
    Map<String, Object> map = new LinkedHashMap<>();
    for (Field f : fields) {
      map.put(f.jsonKey(), f.json());
    }
    return map;
  }

  /** C's {@code %#x}: {@code 0} or {@code 0x1f}. */
  static String hex(long value) {
    return value == 0 ? "0" : "0x" + Long.toHexString(value);
  }

  /** Bytes as lowercase hex without separators (NGUID, EUI-64). */
  static String hex(byte[] bytes) {
    StringBuilder s = new StringBuilder(bytes.length * 2);
    for (byte b : bytes) {
      s.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
    }
    return s.toString();
  }
}
