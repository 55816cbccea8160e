package io.weft.store;

import java.nio.file.Path;

/**
 * How a node proves itself to etcd and protects the link: etcd's own authentication (a user and its
 * password) and TLS (the CA that signed etcd's certificate, optionally a client certificate for
 * etcd's {@code --client-cert-auth}). Every part is optional; nothing set is the plain,
 * unauthenticated link of a test or a loopback cluster.
 *
 * @param user etcd user, or null for none
 * @param password its password (already read from wherever the operator keeps it), or null
 * @param caFile PEM CA(s) to trust for etcd's certificate; set (or a client certificate set) means
 *     TLS
 * @param certFile PEM client certificate, or null
 * @param keyFile PEM (PKCS#8) key of the client certificate, or null
 */
public record EtcdAccess(String user, String password, Path caFile, Path certFile, Path keyFile) {

  public EtcdAccess {
    if ((user == null) != (password == null)) {
      throw new IllegalArgumentException("an etcd user needs a password, and a password a user");
    }
    if ((certFile == null) != (keyFile == null)) {
      throw new IllegalArgumentException(
          "an etcd client certificate needs its key, and the key it");
    }
  }

  public static EtcdAccess none() {
    return new EtcdAccess(null, null, null, null, null);
  }

  public boolean tls() {
    return caFile != null || certFile != null;
  }

  /** Never the password. */
  @Override
  public String toString() {
    return "EtcdAccess[user="
        + user
        + (password == null ? "" : ", password=(set)")
        + ", ca="
        + caFile
        + ", cert="
        + certFile
        + "]";
  }
}
