package io.weft.csi;

import java.nio.file.Path;

/**
 * Where the driver listens: a unix socket, named the way the Kubernetes sidecars pass it ({@code
 * unix:///csi/csi.sock}, {@code unix:/csi/csi.sock}) or as a plain absolute path.
 */
public record CsiEndpoint(Path socket) {

  public static CsiEndpoint parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("no CSI endpoint: give unix:///PATH");
    }
    String path;
    if (text.startsWith("unix://")) {
      path = text.substring("unix://".length());
    } else if (text.startsWith("unix:")) {
      path = text.substring("unix:".length());
    } else if (text.startsWith("/")) {
      path = text;
    } else {
      throw new IllegalArgumentException(
          "CSI endpoint '" + text + "' is not a unix socket: give unix:///PATH");
    }
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException(
          "CSI endpoint '" + text + "' needs an absolute socket path: unix:///PATH");
    }
    return new CsiEndpoint(Path.of(path));
  }

  @Override
  public String toString() {
    return "unix://" + socket;
  }
}
