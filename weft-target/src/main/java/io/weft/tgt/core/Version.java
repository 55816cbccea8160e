package io.weft.tgt.core;

/** Version strings reported to hosts. */
public final class Version {
  private Version() {}

  /** Identify Controller FR: at most 8 ASCII characters. */
  public static final String FIRMWARE = "0.1.0";
}
