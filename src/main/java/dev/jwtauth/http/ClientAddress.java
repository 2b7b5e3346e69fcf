package dev.jwtauth.http;

import io.netty.util.NetUtil;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Which client a request counts for in login limits. The socket's peer address, unless that peer
 * is one of {@code TRUSTED_PROXIES}: then {@code X-Forwarded-For} is read from the right, skipping
 * trusted proxies, and the first address that is not one is the client (entries to its left were
 * written by the client and prove nothing). IPv6 clients count by their /64, the block one
 * subscriber usually holds, so a host cannot get fresh counters by changing its interface id.
 * Literal addresses only: nothing here resolves a name.
 */
public final class ClientAddress {
  private final List<Cidr> trusted;

  /** @param trustedProxies addresses and CIDR ranges, each valid for {@link #cidr} */
  public ClientAddress(List<String> trustedProxies) {
    this.trusted = trustedProxies.stream().map(ClientAddress::cidr).toList();
  }

  /** An address range: {@code net} (4 or 16 bytes) and its prefix length in bits. */
  record Cidr(byte[] net, int prefix) {
    boolean contains(byte[] address) {
      if (address.length != net.length) {
        return false;
      }
      int full = prefix / 8;
      for (int i = 0; i < full; i++) {
        if (address[i] != net[i]) {
          return false;
        }
      }
      int rest = prefix % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xff << (8 - rest)) & 0xff;
      return (address[full] & mask) == (net[full] & mask);
    }
  }

  /**
   * Parses {@code 10.0.0.1}, {@code 10.0.0.0/8}, {@code ::1} or {@code 2001:db8::/32}.
   *
   * @throws IllegalArgumentException for anything else
   */
  public static Cidr cidr(String text) {
    String s = text.trim();
    int slash = s.indexOf('/');
    byte[] net = literal(slash < 0 ? s : s.substring(0, slash));
    if (net == null) {
      throw new IllegalArgumentException("not an IP address: " + s);
    }
    int bits = net.length * 8;
    int prefix = bits;
    if (slash >= 0) {
      try {
        prefix = Integer.parseInt(s.substring(slash + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("not a prefix length: " + s);
      }
      if (prefix < 0 || prefix > bits) {
        throw new IllegalArgumentException("prefix length out of range: " + s);
      }
    }
    return new Cidr(net, prefix);
  }

  /** The counting key of the client that sent {@code request}. */
  public String of(HttpServerRequest request) {
    SocketAddress peer = request.remoteAddress();
    String host = peer == null ? null : peer.hostAddress() != null ? peer.hostAddress() : peer.host();
    return of(host, request.headers().getAll("X-Forwarded-For"));
  }

  /** Same, from the peer's address and the {@code X-Forwarded-For} header fields in order. */
  public String of(String peer, List<String> forwardedFor) {
    byte[] address = peer == null ? null : literal(peer);
    if (address == null) {
      return "unknown";
    }
    if (!isTrusted(address)) {
      return group(address);
    }
    List<String> hops = new ArrayList<>();
    for (String field : forwardedFor) {
      hops.addAll(Arrays.asList(field.split(",")));
    }
    for (int i = hops.size() - 1; i >= 0; i--) {
      byte[] hop = literal(withoutPort(hops.get(i).trim()));
      if (hop == null) {
        // a trusted proxy wrote something that is not an address: count the proxy itself
        break;
      }
      address = hop;
      if (!isTrusted(hop)) {
        break;
      }
    }
    return group(address);
  }

  private boolean isTrusted(byte[] address) {
    for (Cidr c : trusted) {
      if (c.contains(address)) {
        return true;
      }
    }
    return false;
  }

  /** IPv4 as is; IPv6 as its /64, e.g. {@code 2001:db8:1:2::/64}. */
  static String group(byte[] address) {
    if (address.length == 4) {
      return NetUtil.bytesToIpAddress(address);
    }
    byte[] prefix = Arrays.copyOf(Arrays.copyOf(address, 8), 16);
    return NetUtil.bytesToIpAddress(prefix) + "/64";
  }

  /** The bytes of an IP literal (an IPv4-mapped IPv6 address as IPv4), or null. */
  static byte[] literal(String text) {
    if (text == null || text.isEmpty()) {
      return null;
    }
    String s = text;
    int zone = s.indexOf('%');
    if (zone >= 0) {
      s = s.substring(0, zone);
    }
    byte[] b = NetUtil.createByteArrayFromIpAddressString(s);
    if (b == null) {
      return null;
    }
    if (b.length == 16 && isMappedIpv4(b)) {
      return Arrays.copyOfRange(b, 12, 16);
    }
    return b;
  }

  private static boolean isMappedIpv4(byte[] b) {
    for (int i = 0; i < 10; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
  }

  /** {@code [2001:db8::1]:443} → {@code 2001:db8::1}; {@code 192.0.2.1:80} → {@code 192.0.2.1}. */
  static String withoutPort(String hop) {
    if (hop.startsWith("[")) {
      int end = hop.indexOf(']');
      return end < 0 ? hop : hop.substring(1, end);
    }
    int colon = hop.indexOf(':');
    if (colon > 0 && colon == hop.lastIndexOf(':') && hop.indexOf('.') > 0) {
      return hop.substring(0, colon);
    }
    return hop;
  }
}
