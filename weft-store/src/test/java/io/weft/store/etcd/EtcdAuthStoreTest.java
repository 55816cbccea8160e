package io.weft.store.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.Auth;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.auth.Permission;
import io.weft.store.ClusterStore;
import io.weft.store.ClusterStoreContract;
import io.weft.store.EtcdAccess;
import io.weft.store.StoreException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store on an etcd with authentication enabled, as a node authenticates to it: the whole
 * contract passes as a user whose role may read and write Weft's prefix and nothing else, and a
 * client without credentials or with a wrong password gets nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EtcdAuthStoreTest extends ClusterStoreContract {
  private static final String NAMESPACE = "/weft-test/";
  private static final String USER = "weft-node";
  private static final String PASSWORD = "node-password-7c1e";

  @TempDir static Path dir;
  private EtcdCluster etcd;
  private EtcdStore store;

  @BeforeAll
  void start() throws Exception {
    etcd = EtcdCluster.start(dir, 1);
    try (Client admin = Client.builder().endpoints(etcd.endpoints().toArray(URI[]::new)).build()) {
      Auth auth = admin.getAuthClient();
      auth.userAdd(bytes("root"), bytes("root-password")).get(10, TimeUnit.SECONDS);
      auth.roleAdd(bytes("root")).get(10, TimeUnit.SECONDS);
      auth.userGrantRole(bytes("root"), bytes("root")).get(10, TimeUnit.SECONDS);
      auth.userAdd(bytes(USER), bytes(PASSWORD)).get(10, TimeUnit.SECONDS);
      auth.roleAdd(bytes("weft")).get(10, TimeUnit.SECONDS);
      // The prefix as a range: NAMESPACE up to its last byte plus one ('/' + 1 = '0').
      auth.roleGrantPermission(
              bytes("weft"), bytes(NAMESPACE), bytes("/weft-test0"), Permission.Type.READWRITE)
          .get(10, TimeUnit.SECONDS);
      auth.userGrantRole(bytes(USER), bytes("weft")).get(10, TimeUnit.SECONDS);
      auth.authEnable().get(10, TimeUnit.SECONDS);
    }
    store =
        EtcdStore.connect(
            etcd.endpoints(), NAMESPACE, new EtcdAccess(USER, PASSWORD, null, null, null));
  }

  @AfterAll
  void stop() throws Exception {
    if (store != null) {
      store.close();
    }
    if (etcd != null) {
      etcd.close();
    }
  }

  @Override
  protected ClusterStore store() {
    return store;
  }

  @Test
  void withoutCredentialsNothingIsReadOrWritten() {
    try (EtcdStore anonymous = EtcdStore.connect(etcd.endpoints(), NAMESPACE)) {
      StoreException e = assertThrows(StoreException.class, () -> anonymous.put(p + "x", "1"));
      assertTrue(e.getMessage().contains("etcd refused this client"), e.getMessage());
      assertThrows(StoreException.class, () -> anonymous.get(p + "x"));
    }
  }

  @Test
  void aWrongPasswordIsRefused() {
    try (EtcdStore wrong =
        EtcdStore.connect(
            etcd.endpoints(), NAMESPACE, new EtcdAccess(USER, "guess", null, null, null))) {
      StoreException e = assertThrows(StoreException.class, () -> wrong.get(p + "x"));
      assertTrue(e.getMessage().contains("etcd refused this client"), e.getMessage());
    }
  }

  @Test
  void theRoleReachesWeftsPrefixOnly() {
    try (EtcdStore outside =
        EtcdStore.connect(
            etcd.endpoints(), "/other/", new EtcdAccess(USER, PASSWORD, null, null, null))) {
      StoreException e = assertThrows(StoreException.class, () -> outside.put("x", "1"));
      assertTrue(e.getMessage().contains("permission denied"), e.getMessage());
    }
    assertEquals(
        "EtcdAccess[user=weft-node, password=(set), ca=null, cert=null]",
        new EtcdAccess(USER, PASSWORD, null, null, null).toString());
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
