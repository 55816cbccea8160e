package io.weft.cli;

import io.weft.node.discovery.ClusterDiscovery;
import io.weft.node.discovery.MdnsAdvertiser;
import java.io.IOException;
import java.net.InetAddress;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * {@code --mdns [--mdns-address ADDR]}: the discovery service advertises itself over mDNS/DNS-SD
 * (TP8009). Off unless asked for, as it takes UDP port 5353 on every address of the host.
 */
final class MdnsAdvertiseOptions {
  @Option(
      names = "--mdns",
      description = {
        "Advertise the discovery service over mDNS/DNS-SD (NVMe TP8009,",
        "_nvme-disc._tcp) on its listen address's link. Binds UDP port 5353."
      })
  boolean enabled;

  @Option(
      names = "--mdns-address",
      paramLabel = "ADDR",
      description =
          "The interface address to advertise on; needed when listening on 0.0.0.0 or ::."
              + " Default: the listen address.")
  String address;

  /** A usage error for options that make no sense together; call before starting anything. */
  void check(CommandSpec spec) {
    if (address != null && !enabled) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--mdns-address goes with --mdns");
    }
  }

  /** Starts advertising {@code service} when {@code --mdns} asks for it; null otherwise. */
  MdnsAdvertiser advertise(ClusterDiscovery service) throws IOException {
    if (!enabled) {
      return null;
    }
    InetAddress on = null;
    if (address != null) {
      String text = address.strip();
      if (text.startsWith("[") && text.endsWith("]")) {
        text = text.substring(1, text.length() - 1);
      }
      on = InetAddress.getByName(text);
    }
    try {
      return service.advertiseOverMdns(on);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(e.getMessage() + " (--mdns-address ADDR)", e);
    }
  }
}
