package io.weft.host;

import io.weft.protocol.discovery.DiscoveryLogPage;
import io.weft.protocol.discovery.MdnsService;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.jmdns.JmDNS;
import javax.jmdns.ServiceEvent;
import javax.jmdns.ServiceInfo;
import javax.jmdns.ServiceListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds NVMe/TCP discovery controllers advertised over mDNS/DNS-SD (TP8009): browses for {@code
 * _nvme-disc._tcp.local.} on the interfaces of some local addresses for a fixed time, and keeps the
 * services whose TXT says {@code p=tcp}, each with the discovery NQN its TXT names (the well-known
 * one when it names none), as nvme-stas does.
 *
 * <p>An mDNS browse has no end: answers come as responders hear the query. So it waits the whole
 * time given and then reads what it has, which also covers jmdns reporting a service as resolved
 * before its TXT record arrived (a few milliseconds later). One jmdns instance per address, as
 * jmdns serves one interface and one address family each.
 */
public final class MdnsBrowser {
  private static final Logger log = LoggerFactory.getLogger(MdnsBrowser.class);

  private MdnsBrowser() {}

  /**
   * A discovery controller found over mDNS.
   *
   * @param instance its DNS-SD instance name
   * @param address where it answers (an IPv6 link-local address carries the scope it was seen on)
   * @param port its TCP port (the SRV record's)
   * @param nqn the discovery NQN to connect to
   * @param via the local address whose interface heard it
   */
  public record Found(
      String instance, InetAddress address, int port, String nqn, InetAddress via) {}

  /** What one advertisement says, as jmdns resolved it. */
  record Advertisement(
      String instance, int port, Map<String, String> txt, List<InetAddress> addresses) {}

  /**
   * Browses on the interface of each address in {@code on} for {@code wait}, then returns the
   * NVMe/TCP discovery controllers heard, one per address and port, ordered by address.
   *
   * @throws IOException when an mDNS socket cannot be opened on one of the addresses
   */
  public static List<Found> browse(List<InetAddress> on, Duration wait) throws IOException {
    List<Listening> listening = new ArrayList<>();
    try {
      for (InetAddress address : on) {
        listening.add(Listening.start(address));
      }
      Thread.sleep(wait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while browsing for mDNS services");
    } finally {
      closeAll(listening);
    }
    Map<String, Found> found = new LinkedHashMap<>();
    for (Listening l : listening) {
      for (Advertisement ad : l.advertisements()) {
        for (Found f : controllers(ad, l.address, l.networkInterface)) {
          found.putIfAbsent(f.address().getHostAddress() + "|" + f.port(), f);
        }
      }
    }
    List<Found> all = new ArrayList<>(found.values());
    all.sort(
        Comparator.comparing((Found f) -> f.address().getHostAddress())
            .thenComparingInt(Found::port));
    return all;
  }

  /**
   * The addresses to browse on when none are given: on every interface that is up, is not loopback
   * and can multicast, its first IPv4 address and its first IPv6 address (jmdns hears one family
   * per socket, and a responder may answer in either).
   */
  public static List<InetAddress> localAddresses() throws SocketException {
    List<InetAddress> out = new ArrayList<>();
    for (NetworkInterface i : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (!i.isUp() || i.isLoopback() || !i.supportsMulticast()) {
        continue;
      }
      List<InetAddress> addresses = Collections.list(i.getInetAddresses());
      addresses.stream().filter(a -> a instanceof Inet4Address).findFirst().ifPresent(out::add);
      addresses.stream().filter(a -> a instanceof Inet6Address).findFirst().ifPresent(out::add);
    }
    return out;
  }

  /**
   * The controllers one advertisement names: none unless its TXT says {@code p=tcp} (keys and that
   * value in any case, as Dell's controllers write {@code NQN=}) and its port is set; one per
   * address of the family it was heard in (any address when it gives none of that family).
   *
   * @param via the local address the advertisement was heard on
   * @param viaInterface its interface, the scope of IPv6 link-local addresses (jmdns gives them
   *     without one, and they cannot be reached without)
   */
  static List<Found> controllers(Advertisement ad, InetAddress via, NetworkInterface viaInterface) {
    String protocol = txt(ad.txt(), MdnsService.TXT_PROTOCOL);
    if (protocol == null || !protocol.equalsIgnoreCase(MdnsService.PROTOCOL_TCP)) {
      log.debug("mdns: {} is not NVMe/TCP (p={}), skipped", ad.instance(), protocol);
      return List.of();
    }
    if (ad.port() <= 0 || ad.addresses().isEmpty()) {
      log.debug("mdns: {} has no address or port yet, skipped", ad.instance());
      return List.of();
    }
    String nqn = txt(ad.txt(), MdnsService.TXT_NQN);
    if (nqn == null || nqn.isBlank()) {
      nqn = DiscoveryLogPage.DISCOVERY_NQN;
    }
    List<InetAddress> sameFamily =
        ad.addresses().stream().filter(a -> a.getClass() == via.getClass()).toList();
    List<Found> out = new ArrayList<>();
    for (InetAddress a : sameFamily.isEmpty() ? ad.addresses() : sameFamily) {
      out.add(new Found(ad.instance(), scoped(a, viaInterface), ad.port(), nqn.strip(), via));
    }
    return out;
  }

  /** A TXT value by key, the key in any case; null when absent. */
  private static String txt(Map<String, String> txt, String key) {
    for (Map.Entry<String, String> e : txt.entrySet()) {
      if (e.getKey().toLowerCase(Locale.ROOT).equals(key)) {
        return e.getValue();
      }
    }
    return null;
  }

  private static InetAddress scoped(InetAddress a, NetworkInterface on) {
    if (a instanceof Inet6Address v6
        && v6.isLinkLocalAddress()
        && v6.getScopeId() == 0
        && on != null) {
      try {
        return Inet6Address.getByAddress(null, v6.getAddress(), on); // prints as fe80::1%eth0
      } catch (UnknownHostException noLinkLocalThere) {
        try {
          return Inet6Address.getByAddress(null, v6.getAddress(), on.getIndex()); // as fe80::1%2
        } catch (UnknownHostException e) {
          return a; // not reachable: a 16-byte address always builds
        }
      }
    }
    return a;
  }

  /** jmdns takes about two seconds to close an instance; closing them together costs that once. */
  private static void closeAll(List<Listening> listening) {
    List<Thread> closers = new ArrayList<>();
    for (Listening l : listening) {
      closers.add(Thread.ofPlatform().daemon().name("mdns-close").start(l::close));
    }
    for (Thread t : closers) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** One jmdns instance on one address, and the services it has resolved so far. */
  private static final class Listening implements ServiceListener {
    final InetAddress address;
    final NetworkInterface networkInterface;
    final JmDNS jmdns;

    /** The latest resolution of each service by qualified name; jmdns updates it in place. */
    private final Map<String, ServiceInfo> resolved = new ConcurrentHashMap<>();

    private Listening(InetAddress address, NetworkInterface networkInterface, JmDNS jmdns) {
      this.address = address;
      this.networkInterface = networkInterface;
      this.jmdns = jmdns;
    }

    static Listening start(InetAddress address) throws IOException {
      NetworkInterface i = NetworkInterface.getByInetAddress(address);
      if (i == null) {
        throw new IOException(
            "cannot browse mDNS on " + address.getHostAddress() + ": not an address here");
      }
      // An explicit host name: without one jmdns asks reverse DNS, which may hang without a server.
      String label = address.getHostAddress().replaceAll("%.*", "").replaceAll("[.:]", "-");
      JmDNS jmdns =
          JmDNS.create(address, "weft-host-" + ProcessHandle.current().pid() + "-" + label);
      Listening l = new Listening(address, i, jmdns);
      jmdns.addServiceListener(MdnsService.SERVICE_TYPE, l);
      return l;
    }

    List<Advertisement> advertisements() {
      List<Advertisement> out = new ArrayList<>();
      for (ServiceInfo info : resolved.values()) {
        Map<String, String> txt = new LinkedHashMap<>();
        for (String key : Collections.list(info.getPropertyNames())) {
          String value = info.getPropertyString(key);
          txt.put(key, value != null ? value : "");
        }
        out.add(
            new Advertisement(
                info.getName(), info.getPort(), txt, List.of(info.getInetAddresses())));
      }
      return out;
    }

    @Override
    public void serviceAdded(ServiceEvent event) {
      log.debug("mdns: {} heard on {}", event.getName(), address.getHostAddress());
    }

    @Override
    public void serviceRemoved(ServiceEvent event) {
      resolved.remove(event.getInfo().getQualifiedName().toLowerCase(Locale.ROOT));
    }

    @Override
    public void serviceResolved(ServiceEvent event) {
      ServiceInfo info = event.getInfo();
      log.debug("mdns: {} resolved on {}", info.getNiceTextString(), address.getHostAddress());
      resolved.put(info.getQualifiedName().toLowerCase(Locale.ROOT), info);
    }

    void close() {
      try {
        jmdns.close();
      } catch (IOException | RuntimeException e) {
        log.debug("mdns: closing on {}: {}", address.getHostAddress(), e.toString());
      }
    }
  }
}
