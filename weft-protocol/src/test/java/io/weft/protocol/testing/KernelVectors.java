package io.weft.protocol.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * PDUs captured from the Linux 6.1 host and target, kept under {@code vectors/} as text: '#' lines
 * are comments, a line {@code > N TYPE label} starts PDU number N of a TCP stream, and the hex
 * lines after it are that PDU's bytes. The PDUs of a file, concatenated, are the whole stream in
 * one direction of one connection.
 */
public final class KernelVectors {
  private KernelVectors() {}

  /** One captured PDU. */
  public record Captured(int index, String type, String label, byte[] bytes) {
    public int u8(int offset) {
      return bytes[offset] & 0xFF;
    }

    public int u16(int offset) {
      return u8(offset) | u8(offset + 1) << 8;
    }

    public long u32(int offset) {
      return (u16(offset) | (long) u16(offset + 2) << 16) & 0xFFFF_FFFFL;
    }

    @Override
    public String toString() {
      return "#" + index + " " + type + " " + label;
    }
  }

  public static List<Captured> load(String name) {
    String text;
    try (InputStream in = KernelVectors.class.getResourceAsStream("/vectors/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no test resource vectors/" + name);
      }
      text = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    List<Captured> pdus = new ArrayList<>();
    String header = null;
    StringBuilder hex = new StringBuilder();
    for (String line : text.split("\n")) {
      line = line.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      if (line.startsWith(">")) {
        if (header != null) {
          pdus.add(parse(header, hex));
        }
        header = line.substring(1).strip();
        hex.setLength(0);
      } else {
        hex.append(line);
      }
    }
    if (header != null) {
      pdus.add(parse(header, hex));
    }
    return pdus;
  }

  /** The whole stream: every PDU of the file, back to back. */
  public static byte[] stream(List<Captured> pdus) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Captured p : pdus) {
      out.writeBytes(p.bytes());
    }
    return out.toByteArray();
  }

  /** The first PDU whose "TYPE label" contains {@code text}. */
  public static Captured find(List<Captured> pdus, String text) {
    for (Captured p : pdus) {
      if ((p.type() + " " + p.label()).contains(text)) {
        return p;
      }
    }
    throw new AssertionError("no captured PDU matching '" + text + "'");
  }

  private static Captured parse(String header, StringBuilder hex) {
    String[] parts = header.split(" ", 3);
    return new Captured(
        Integer.parseInt(parts[0]),
        parts[1],
        parts.length > 2 ? parts[2] : "",
        Hex.bytes(hex.toString()));
  }
}
