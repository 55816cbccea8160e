package io.weft.protocol.fabrics;

import java.util.regex.Pattern;

/**
 * NVMe Qualified Names (NVMe Base 2.0, "NVMe Qualified Names"): {@code nqn.yyyy-mm.<reverse
 * domain>...}, at most 223 bytes. One check for every place that takes an NQN from a user.
 */
public final class Nqn {
  /** The longest NQN the spec allows. */
  public static final int MAX_LENGTH = 223;

  private static final Pattern FORM = Pattern.compile("nqn\\.\\d{4}-\\d{2}\\.[^\\s]{1,200}");

  private Nqn() {}

  /** Whether {@code nqn} has the date-and-domain form of an NQN and fits its length. */
  public static boolean wellFormed(String nqn) {
    return nqn != null && nqn.length() <= MAX_LENGTH && FORM.matcher(nqn).matches();
  }
}
