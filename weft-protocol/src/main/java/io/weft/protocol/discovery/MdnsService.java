package io.weft.protocol.discovery;

/**
 * How a discovery controller is advertised over mDNS/DNS-SD (NVMe TP8009, "Automated Discovery of
 * Ethernet Discovery Controllers"): a DNS-SD service of type {@link #SERVICE_TYPE} whose SRV record
 * gives the controller's port and host, with TXT strings {@code p=<transport>} and {@code
 * nqn=<discovery NQN>}. Only the names are here; the advertiser and the browser use a DNS-SD
 * library.
 */
public final class MdnsService {
  private MdnsService() {}

  /**
   * The DNS-SD type of a discovery controller reached over TCP, fully qualified: DNS-SD libraries
   * match {@code _nvme-disc._tcp} without the {@code local.} domain against nothing.
   */
  public static final String SERVICE_TYPE = "_nvme-disc._tcp.local.";

  /** TXT key of the transport: {@code tcp} (RDMA controllers say {@code roce}, {@code iwarp}). */
  public static final String TXT_PROTOCOL = "p";

  /** TXT key of the controller's discovery NQN (its unique one, or the well-known one). */
  public static final String TXT_NQN = "nqn";

  /** The {@link #TXT_PROTOCOL} value of an NVMe/TCP controller. */
  public static final String PROTOCOL_TCP = "tcp";
}
