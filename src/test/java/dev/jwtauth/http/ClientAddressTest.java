package dev.jwtauth.http;

import dev.jwtauth.config.AppConfig;
import dev.jwtauth.config.ConfigException;
import dev.jwtauth.config.ConfigLoader;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("The client address a login counts for: X-Forwarded-For only from TRUSTED_PROXIES, IPv6 by /64")
class ClientAddressTest {
  static final ClientAddress NO_PROXY = new ClientAddress(List.of());
  static final ClientAddress BEHIND_PROXIES = new ClientAddress(List.of("10.0.0.0/8", "2001:db8:ffff::/48", "127.0.0.1"));

  @Test
  @DisplayName("Without trusted proxies the socket address counts and X-Forwarded-For is ignored")
  void headerIgnoredWithoutTrustedProxies() {
    assertThat(NO_PROXY.of("192.0.2.10", List.of("198.51.100.1"))).isEqualTo("192.0.2.10");
    assertThat(NO_PROXY.of("127.0.0.1", List.of("198.51.100.1"))).isEqualTo("127.0.0.1");
  }

  @Test
  @DisplayName("A peer outside TRUSTED_PROXIES cannot choose its address with X-Forwarded-For")
  void untrustedPeerIgnored() {
    assertThat(BEHIND_PROXIES.of("192.0.2.10", List.of("198.51.100.1"))).isEqualTo("192.0.2.10");
  }

  @Test
  @DisplayName("From a trusted proxy the right-most address that is not a trusted proxy is the client")
  void rightMostUntrusted() {
    assertThat(BEHIND_PROXIES.of("10.1.2.3", List.of("198.51.100.1"))).isEqualTo("198.51.100.1");
    // the client wrote 203.0.113.9 itself; the proxies appended 198.51.100.1 and 10.9.9.9
    assertThat(BEHIND_PROXIES.of("10.1.2.3", List.of("203.0.113.9, 198.51.100.1, 10.9.9.9"))).isEqualTo("198.51.100.1");
    // several header fields are one list, in order
    assertThat(BEHIND_PROXIES.of("10.1.2.3", List.of("203.0.113.9", "198.51.100.1"))).isEqualTo("198.51.100.1");
    // ports and brackets are dropped
    assertThat(BEHIND_PROXIES.of("10.1.2.3", List.of("198.51.100.1:4711"))).isEqualTo("198.51.100.1");
    assertThat(BEHIND_PROXIES.of("10.1.2.3", List.of("[2001:db8:1:2::7]:443"))).isEqualTo("2001:db8:1:2::/64");
  }

  @Test
  @DisplayName("Only proxies in the chain: the left-most; no header or garbage: the last trusted proxy")
  void degenerateChains() {
    assertThat(BEHIND_PROXIES.of("10.1.2.3", List.of("10.7.7.7, 10.8.8.8"))).isEqualTo("10.7.7.7");
    assertThat(BEHIND_PROXIES.of("10.1.2.3", List.of())).isEqualTo("10.1.2.3");
    assertThat(BEHIND_PROXIES.of("10.1.2.3", List.of("unknown"))).isEqualTo("10.1.2.3");
    assertThat(BEHIND_PROXIES.of("10.1.2.3", List.of("203.0.113.9, not-an-ip, 10.8.8.8"))).isEqualTo("10.8.8.8");
    assertThat(BEHIND_PROXIES.of(null, List.of("203.0.113.9"))).isEqualTo("unknown");
  }

  @Test
  @DisplayName("IPv6 clients count by /64; IPv4-mapped IPv6 counts as IPv4; IPv6 proxies are matched by CIDR")
  void ipv6Grouping() {
    assertThat(NO_PROXY.of("2001:db8:1:2:aaaa:bbbb:cccc:dddd", List.of())).isEqualTo("2001:db8:1:2::/64");
    assertThat(NO_PROXY.of("2001:db8:1:2::1", List.of())).isEqualTo("2001:db8:1:2::/64");
    assertThat(NO_PROXY.of("2001:db8:1:3::1", List.of())).isEqualTo("2001:db8:1:3::/64");
    assertThat(NO_PROXY.of("0:0:0:0:0:0:0:1", List.of())).isEqualTo(NO_PROXY.of("::1", List.of())).isEqualTo("::/64");
    assertThat(NO_PROXY.of("fe80::1%eth0", List.of())).isEqualTo("fe80::/64");
    assertThat(NO_PROXY.of("::ffff:192.0.2.10", List.of())).isEqualTo("192.0.2.10");
    assertThat(BEHIND_PROXIES.of("2001:db8:ffff:1::5", List.of("2001:db8:abcd:1::99"))).isEqualTo("2001:db8:abcd:1::/64");
    assertThat(BEHIND_PROXIES.of("2001:db8:fffe:1::5", List.of("2001:db8:abcd:1::99"))).isEqualTo("2001:db8:fffe:1::/64");
  }

  @Test
  @DisplayName("CIDR ranges: prefix bits are matched exactly")
  void cidrs() {
    assertThat(ClientAddress.cidr("10.0.0.0/8").contains(ClientAddress.literal("10.255.0.1"))).isTrue();
    assertThat(ClientAddress.cidr("10.0.0.0/8").contains(ClientAddress.literal("11.0.0.1"))).isFalse();
    assertThat(ClientAddress.cidr("192.168.4.0/22").contains(ClientAddress.literal("192.168.7.255"))).isTrue();
    assertThat(ClientAddress.cidr("192.168.4.0/22").contains(ClientAddress.literal("192.168.8.0"))).isFalse();
    assertThat(ClientAddress.cidr("0.0.0.0/0").contains(ClientAddress.literal("203.0.113.1"))).isTrue();
    assertThat(ClientAddress.cidr("0.0.0.0/0").contains(ClientAddress.literal("2001:db8::1"))).isFalse();
    assertThat(ClientAddress.cidr("::1").contains(ClientAddress.literal("0:0:0:0:0:0:0:1"))).isTrue();
    for (String bad : List.of("10.0.0.0/33", "::/129", "10.0.0.0/-1", "10.0.0.0/x", "proxy.example.com", "10.0.0", "")) {
      assertThatThrownBy(() -> ClientAddress.cidr(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  @DisplayName("A bad TRUSTED_PROXIES value stops start-up with one sentence naming the setting")
  void badSetting() {
    assertThatThrownBy(() -> AppConfig.from(ConfigLoader.defaults().put("TRUSTED_PROXIES", "10.0.0.0/8, proxy.local")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("TRUSTED_PROXIES must list IP addresses or CIDR ranges such as 10.0.0.0/8 or 2001:db8::/32,"
            + " comma-separated; 'proxy.local' is not one.");
    assertThat(AppConfig.from(ConfigLoader.defaults().put("TRUSTED_PROXIES", " 10.0.0.0/8 ,::1,2001:db8::/32"))
        .trustedProxies()).containsExactly("10.0.0.0/8", "::1", "2001:db8::/32");
    assertThat(AppConfig.from(ConfigLoader.defaults()).trustedProxies()).isEmpty();
    assertThatThrownBy(() -> AppConfig.from(ConfigLoader.defaults().put("HASH_QUEUE_MAX", -1)))
        .hasMessage("HASH_QUEUE_MAX must be between 0 and 1000000, not -1.");
    assertThatThrownBy(() -> AppConfig.from(ConfigLoader.defaults().put("LOCKOUT_ACCOUNT_PER_HOUR", 0)))
        .hasMessage("LOCKOUT_ACCOUNT_PER_HOUR must be between 1 and 1000000, not 0.");
    AppConfig cfg = AppConfig.from(ConfigLoader.defaults().put("HASH_WORKERS", 3));
    assertThat(cfg.effectiveHashQueueMax()).isEqualTo(192);
  }
}
