package io.weft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.weft.csi.CsiDriver;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The Kubernetes manifests in deploy/ agree with the driver they deploy: the driver's name
 * everywhere, StorageClass parameters the controller accepts, {@code weft} arguments the CLI
 * parses, and every sidecar on the socket the driver listens on. (No cluster runs here; these are
 * the mistakes a reader of the YAML would not see.)
 */
class DeployManifestsTest {
  private static final Path DEPLOY = Path.of("..", "deploy", "kubernetes");
  private static final YAMLMapper YAML = new YAMLMapper();

  private static List<JsonNode> documents(String file) throws IOException {
    List<JsonNode> docs = new ArrayList<>();
    try (MappingIterator<JsonNode> it =
        YAML.readerFor(JsonNode.class).readValues(DEPLOY.resolve(file).toFile())) {
      while (it.hasNext()) {
        JsonNode d = it.next();
        if (d != null && !d.isEmpty()) {
          docs.add(d);
        }
      }
    }
    return docs;
  }

  private static JsonNode first(String file, String kind) throws IOException {
    return documents(file).stream()
        .filter(d -> d.path("kind").asText().equals(kind))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " in " + file));
  }

  @Test
  void theCsiDriverObjectNamesTheDriver() throws IOException {
    JsonNode driver = first("csi-driver.yaml", "CSIDriver");
    assertEquals(CsiDriver.name(), driver.path("metadata").path("name").asText());
    assertTrue(
        driver.path("spec").path("attachRequired").asBoolean(), "publish sets the allow-list");
  }

  @Test
  void everyStorageClassIsTheDriversAndItsParametersAreAccepted() throws IOException {
    List<JsonNode> classes = documents("storageclasses.yaml");
    assertFalse(classes.isEmpty());
    for (JsonNode sc : classes) {
      assertEquals("StorageClass", sc.path("kind").asText());
      assertEquals(CsiDriver.name(), sc.path("provisioner").asText(), sc.toString());
      assertEquals("WaitForFirstConsumer", sc.path("volumeBindingMode").asText());
      Map<String, String> params = new HashMap<>();
      sc.path("parameters")
          .fields()
          .forEachRemaining(e -> params.put(e.getKey(), e.getValue().asText()));
      CsiDriver.checkStorageClassParameters(params);
    }
  }

  @Test
  void theSnapshotClassIsTheDrivers() throws IOException {
    JsonNode c = documents("snapshotclass.yaml").get(0);
    assertEquals("VolumeSnapshotClass", c.path("kind").asText());
    assertEquals(CsiDriver.name(), c.path("driver").asText());
  }

  @Test
  void theControllerAndNodePluginsRunValidCommandsOnTheSocketTheirSidecarsUse() throws IOException {
    checkPod(first("controller.yaml", "Deployment"), "--controller");
    checkPod(first("node.yaml", "DaemonSet"), "--node");

    JsonNode node = first("node.yaml", "DaemonSet").path("spec").path("template").path("spec");
    String registration = null;
    for (JsonNode c : node.path("containers")) {
      for (JsonNode a : c.path("args")) {
        if (a.asText().startsWith("--kubelet-registration-path=")) {
          registration = a.asText().substring("--kubelet-registration-path=".length());
        }
      }
    }
    String socketDir = null;
    for (JsonNode v : node.path("volumes")) {
      if (v.path("name").asText().equals("socket-dir")) {
        socketDir = v.path("hostPath").path("path").asText();
      }
    }
    assertEquals(socketDir + "/csi.sock", registration, "the kubelet finds the driver's socket");
    assertTrue(socketDir.contains(CsiDriver.name()));
  }

  /** The weft container parses as a {@code weft csi} command line; each sidecar uses its socket. */
  private static void checkPod(JsonNode workload, String role) {
    JsonNode spec = workload.path("spec").path("template").path("spec");
    String socket = null;
    String weftSocketMount = null;
    Map<String, String> sidecars = new HashMap<>();
    for (JsonNode c : spec.path("containers")) {
      List<String> args = new ArrayList<>();
      c.path("args").forEach(a -> args.add(a.asText()));
      String socketMount = null;
      for (JsonNode m : c.path("volumeMounts")) {
        if (m.path("name").asText().equals("socket-dir")) {
          socketMount = m.path("mountPath").asText();
        }
      }
      if (c.path("name").asText().equals("weft")) {
        assertEquals("csi", args.get(0));
        assertTrue(args.contains(role), args.toString());
        CommandLine.ParseResult parsed =
            WeftCli.commandLine().parseArgs(args.toArray(String[]::new));
        assertTrue(parsed.hasSubcommand(), "weft " + args + " parses");
        socket = parsed.subcommand().matchedOptionValue("--endpoint", "");
        weftSocketMount = socketMount;
      } else {
        for (String a : args) {
          if (a.startsWith("--csi-address=")) {
            sidecars.put(c.path("name").asText(), a.substring("--csi-address=".length()));
            assertEquals(weftSocketMount == null ? socketMount : weftSocketMount, socketMount);
          }
        }
      }
    }
    assertTrue(socket != null && socket.startsWith("unix://"), "weft --endpoint " + socket);
    String path = socket.substring("unix://".length());
    assertTrue(path.startsWith(weftSocketMount + "/"), path + " in " + weftSocketMount);
    assertFalse(sidecars.isEmpty());
    sidecars.forEach((name, address) -> assertEquals(path, address, name + "'s --csi-address"));
  }
}
