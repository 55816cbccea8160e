package io.weft.tgt.config;

import io.weft.protocol.auth.DhGroup;
import io.weft.protocol.auth.DhchapHash;
import java.util.List;

/**
 * Which hash functions and Diffie-Hellman groups the target agrees to, in order of preference: of
 * what a host offers in its AUTH_Negotiate, the first of these lists it also names is chosen.
 *
 * <p>The default prefers SHA-256 (what nvmet uses unless told otherwise) and FFDHE 2048 before the
 * larger groups and the null group: every Linux host offers all of them, so connections get forward
 * secrecy at the cost of one 2048-bit exponentiation per side and queue. Put {@link DhGroup#NULL}
 * first to trade that for the fastest connect.
 */
public record DhchapPolicy(List<DhchapHash> hashes, List<DhGroup> groups) {
  public DhchapPolicy {
    hashes = List.copyOf(hashes);
    groups = List.copyOf(groups);
    if (hashes.isEmpty() || groups.isEmpty()) {
      throw new IllegalArgumentException("at least one hash and one DH group");
    }
  }

  public static DhchapPolicy defaults() {
    return new DhchapPolicy(
        List.of(DhchapHash.SHA_256, DhchapHash.SHA_384, DhchapHash.SHA_512),
        List.of(
            DhGroup.FFDHE2048,
            DhGroup.FFDHE3072,
            DhGroup.FFDHE4096,
            DhGroup.FFDHE6144,
            DhGroup.FFDHE8192,
            DhGroup.NULL));
  }

  /** The first preferred hash the host offers, or null if it offers none of them. */
  public DhchapHash chooseHash(List<Integer> offered) {
    for (DhchapHash h : hashes) {
      if (offered.contains(h.id)) {
        return h;
      }
    }
    return null;
  }

  /** The first preferred group the host offers, or null if it offers none of them. */
  public DhGroup chooseGroup(List<Integer> offered) {
    for (DhGroup g : groups) {
      if (offered.contains(g.id)) {
        return g;
      }
    }
    return null;
  }
}
