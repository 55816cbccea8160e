package io.weft.node.discovery;

import io.weft.protocol.discovery.MdnsService;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.jmdns.JmDNS;
import javax.jmdns.ServiceInfo;
import javax.jmdns.impl.ServiceInfoImpl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Advertises a discovery controller over mDNS/DNS-SD as NVMe TP8009 describes, so hosts on its link
 * (nvme-stas, SPDK, {@code weft discover --mdns}) find it without being told its address: a service
 * of type {@code _nvme-disc._tcp.local.} whose SRV record names the controller's port and a host
 * record holding the one address it advertises on, with TXT {@code p=tcp} and {@code nqn=<its
 * discovery NQN>}.
 *
 * <p>jmdns answers on one interface and one address family: the interface that holds the address
 * given. It binds UDP port 5353 on every address (as any mDNS responder does), which is why the
 * discovery service advertises only when asked to. {@link #close} says goodbye (the records again
 * with TTL 0), so hosts that listen forget the controller at once rather than when the records
 * expire.
 */
public final class MdnsAdvertiser implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MdnsAdvertiser.class);

  /** How long {@link #start} waits for jmdns to probe the names and start answering. */
  private static final long ANNOUNCE_TIMEOUT_MS = 10_000;

  private final JmDNS jmdns;
  private final ServiceInfo service;
  private final InetAddress address;

  private MdnsAdvertiser(JmDNS jmdns, ServiceInfo service, InetAddress address) {
    this.jmdns = jmdns;
    this.service = service;
    this.address = address;
  }

  /**
   * Starts advertising the discovery controller that answers at {@code address}:{@code port} as
   * {@code nqn}, and returns once jmdns answers for it (about three seconds: mDNS first probes that
   * no other host on the link holds the names).
   *
   * @param address an address of this host; the advertisement goes out on its interface and names
   *     it as the controller's address
   * @throws IOException when the address is not one of this host's, or the mDNS socket cannot be
   *     opened
   */
  public static MdnsAdvertiser start(InetAddress address, int port, String nqn) throws IOException {
    if (NetworkInterface.getByInetAddress(address) == null) {
      throw new IOException(
          "cannot advertise over mDNS on " + address.getHostAddress() + ": not an address here");
    }
    // An explicit host name: without one jmdns asks reverse DNS, which may hang without a server.
    JmDNS jmdns = JmDNS.create(address, hostName(address));
    try {
      Map<String, String> txt = new LinkedHashMap<>();
      txt.put(MdnsService.TXT_PROTOCOL, MdnsService.PROTOCOL_TCP);
      txt.put(MdnsService.TXT_NQN, nqn);
      ServiceInfo info =
          ServiceInfo.create(
              MdnsService.SERVICE_TYPE, instanceName(address, port), port, 0, 0, txt);
      jmdns.registerService(info);
      boolean announced = awaitAnswering(info);
      MdnsAdvertiser a = new MdnsAdvertiser(jmdns, info, address);
      if (announced) {
        log.info("mdns: advertising {}", a.describe());
      } else {
        log.warn("mdns: {} not announced yet; it will be when jmdns gets to it", a.describe());
      }
      return a;
    } catch (IOException | RuntimeException e) {
      jmdns.close();
      throw e;
    }
  }

  /**
   * Waits until jmdns answers for the service. registerService returns at once, and jmdns first
   * probes that no other host holds the names (three probes a second apart) and answers no one
   * meanwhile; a service reported running should be one hosts can find. Its first announcement goes
   * out as it starts answering; jmdns's own wait would also sit through the second one.
   *
   * @return false if it still probes after {@link #ANNOUNCE_TIMEOUT_MS}
   */
  private static boolean awaitAnswering(ServiceInfo info) throws InterruptedIOException {
    if (!(info instanceof ServiceInfoImpl impl)) {
      return false; // jmdns always hands out its implementation
    }
    long deadline = System.nanoTime() + ANNOUNCE_TIMEOUT_MS * 1_000_000;
    while (!impl.isAnnouncing() && !impl.isAnnounced()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while advertising over mDNS");
      }
    }
    return true;
  }

  /**
   * The address to advertise a service listening on {@code listening} on.
   *
   * @param requested the address asked for, or null
   * @throws IllegalArgumentException when there is none: a wildcard listener needs one asked for
   *     (which interface?), and a listener on one address can only be advertised with that address
   *     (hosts would be sent where nothing answers)
   */
  public static InetAddress advertiseAddress(InetAddress listening, InetAddress requested) {
    if (listening.isAnyLocalAddress()) {
      if (requested == null) {
        throw new IllegalArgumentException(
            "the service listens on every address: name the interface address to advertise on"
                + " over mDNS");
      }
      return requested;
    }
    if (requested != null && !requested.equals(listening)) {
      throw new IllegalArgumentException(
          "the service listens only on "
              + listening.getHostAddress()
              + ", so it cannot be advertised over mDNS as "
              + requested.getHostAddress());
    }
    return listening;
  }

  /** The mDNS host name (before {@code .local.}): one per address, so unique on the link. */
  static String hostName(InetAddress address) {
    return "weft-" + label(address);
  }

  /** The DNS-SD instance name: one per address and port, so unique on the link. */
  static String instanceName(InetAddress address, int port) {
    return "weft-discovery-" + label(address) + "-" + port;
  }

  /** The address as a DNS label: dots and colons become dashes, an IPv6 scope is dropped. */
  private static String label(InetAddress address) {
    String text = address.getHostAddress();
    int scope = text.indexOf('%');
    return (scope < 0 ? text : text.substring(0, scope)).replace('.', '-').replace(':', '-');
  }

  /** The address advertised (and the interface it goes out on). */
  public InetAddress address() {
    return address;
  }

  /** The DNS-SD instance name (jmdns renames it should another host on the link hold it). */
  public String instanceName() {
    return service.getName();
  }

  /** What is advertised, for logs and banners. */
  public String describe() {
    return MdnsService.SERVICE_TYPE
        + " on "
        + address.getHostAddress()
        + " as '"
        + service.getName()
        + "' (port "
        + service.getPort()
        + ", "
        + MdnsService.TXT_NQN
        + "="
        + service.getPropertyString(MdnsService.TXT_NQN)
        + ")";
  }

  /**
   * Says goodbye (the records again with TTL 0, three times a second apart) and stops answering;
   * takes about two seconds. jmdns's close unregisters the service itself: unregistering first
   * would send the goodbyes twice and take two seconds more.
   */
  @Override
  public void close() {
    try {
      jmdns.close();
      log.info("mdns: stopped advertising on {}", address.getHostAddress());
    } catch (IOException | RuntimeException e) {
      log.warn("mdns: closing the advertiser on {}: {}", address.getHostAddress(), e.toString());
    }
  }
}
