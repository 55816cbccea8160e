package io.weft.tgt.config;

/**
 * One NVMe/TCP listener.
 *
 * @param host address to bind (e.g. 127.0.0.1)
 * @param port TCP port to bind (0 picks a free one)
 * @param advertiseHost address hosts are told in discovery log entries (NAT, containers, test
 *     guests); null means the bound address
 * @param advertisePort port told in discovery log entries; 0 means the bound port
 */
public record ListenerConfig(String host, int port, String advertiseHost, int advertisePort) {
  public static ListenerConfig of(String host, int port) {
    return new ListenerConfig(host, port, null, 0);
  }
}
