package io.weft.node.discovery;

import io.weft.node.NodeException;
import io.weft.protocol.fabrics.Nqn;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Something outside Weft's cluster that the discovery service lists: where it answers, its NQN, the
 * hosts that may see it (none named: every host), who registered it, and what it is: a subsystem (a
 * Linux nvmet or SPDK target), a referral to another discovery service (listed as SUBTYPE 1), or a
 * target's own discovery controller whose log the service pulls and serves.
 */
public record ForeignTarget(
    String traddr, int trsvcid, String nqn, List<String> allowedHosts, String source, Kind kind) {

  /** What a registration is. */
  public enum Kind {
    SUBSYSTEM,
    REFERRAL,
    /** A direct discovery controller: its log's subsystems are served (TP8010's pull model). */
    PULL
  }

  private static final Pattern ADDRESS = Pattern.compile("[0-9A-Za-z.:\\-]{1,253}");

  public ForeignTarget {
    allowedHosts = allowedHosts == null ? List.of() : List.copyOf(allowedHosts);
    kind = kind == null ? Kind.SUBSYSTEM : kind;
  }

  /** A subsystem (not a referral). */
  public ForeignTarget(
      String traddr, int trsvcid, String nqn, List<String> allowedHosts, String source) {
    this(traddr, trsvcid, nqn, allowedHosts, source, Kind.SUBSYSTEM);
  }

  /** The one name of this registration: address, port and NQN. */
  public String id() {
    return traddr + ":" + trsvcid + ":" + nqn;
  }

  /** This registration, or a refusal that says what is wrong with it. */
  public ForeignTarget checked() {
    if (traddr == null || !ADDRESS.matcher(traddr).matches()) {
      throw new NodeException(
          "invalid --traddr '" + traddr + "': an IPv4 or IPv6 address or a host name");
    }
    if (trsvcid < 1 || trsvcid > 65535) {
      throw new NodeException("invalid --trsvcid " + trsvcid + ": a TCP port, 1 to 65535");
    }
    if (!Nqn.wellFormed(nqn)) {
      throw new NodeException(
          "invalid --nqn '" + nqn + "': nqn.yyyy-mm.<reverse domain>:..., at most 223 bytes");
    }
    for (String h : allowedHosts) {
      if (!Nqn.wellFormed(h)) {
        throw new NodeException("invalid --allow-host '" + h + "': not an NQN");
      }
    }
    return this;
  }
}
