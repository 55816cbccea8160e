package io.weft.node.volume;

import io.weft.protocol.auth.DhchapHash;
import io.weft.protocol.auth.DhchapSecret;
import io.weft.tgt.config.DhchapKeys;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * DH-HMAC-CHAP keys for the links from a volume's owner to its replicas, derived from one secret
 * every node of the cluster is given ({@code --cluster-secret}): for each owner generation and
 * replica, HMAC-SHA-256 over what names the link. Both ends compute the same pair without sending a
 * key anywhere; a node without the secret can neither pose as an owner (the replica checks its
 * response) nor as a replica (the owner checks the controller's). Without a secret, links are
 * restricted by host NQN only, as before.
 */
public final class ReplicaLinkKeys {
  private static final ReplicaLinkKeys NONE = new ReplicaLinkKeys(null);

  private final byte[] clusterSecret;

  private ReplicaLinkKeys(byte[] clusterSecret) {
    this.clusterSecret = clusterSecret;
  }

  public static ReplicaLinkKeys none() {
    return NONE;
  }

  /** Keys derived from the cluster's secret text (at least 16 characters). */
  public static ReplicaLinkKeys fromSecret(String secret) {
    if (secret == null || secret.strip().length() < 16) {
      throw new IllegalArgumentException("the cluster secret must be at least 16 characters");
    }
    return new ReplicaLinkKeys(
        DhchapHash.SHA_256.digest(secret.strip().getBytes(StandardCharsets.UTF_8)));
  }

  public boolean enabled() {
    return clusterSecret != null;
  }

  /** The owner's and the replica's keys for one volume generation, or null without a secret. */
  DhchapKeys keysFor(VolumeRecord v) {
    if (clusterSecret == null) {
      return null;
    }
    return new DhchapKeys(
        derive("weft replica link: owner", v.ownerHostNqn(), v.replicaNqn()),
        derive("weft replica link: replica", v.ownerHostNqn(), v.replicaNqn()));
  }

  private DhchapSecret derive(String role, String host, String subsystem) {
    byte[] key =
        DhchapHash.SHA_256.hmac(
            clusterSecret,
            role.getBytes(StandardCharsets.UTF_8),
            new byte[] {0},
            host.getBytes(StandardCharsets.UTF_8),
            new byte[] {0},
            subsystem.getBytes(StandardCharsets.UTF_8));
    try {
      return new DhchapSecret(null, key);
    } finally {
      Arrays.fill(key, (byte) 0);
    }
  }
}
