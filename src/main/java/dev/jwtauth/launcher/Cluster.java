package dev.jwtauth.launcher;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import dev.jwtauth.bus.ClusterCredentials;
import dev.jwtauth.config.AppConfig;
import io.vertx.core.Vertx;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.Optional;

/**
 * Hazelcast settings for the clustered event bus: TCP/IP join with the members listed in
 * {@code CLUSTER_MEMBERS}, or with {@code CLUSTER_DISCOVERY=dns} every address that
 * {@code CLUSTER_DNS_NAME} resolves to (Hazelcast's Kubernetes discovery in its DNS lookup mode,
 * which asks no Kubernetes API: a headless Service's name resolves to its ready pods' addresses,
 * looked up again at every join attempt) (multicast and auto-detection off, so nothing is discovered by accident),
 * bound to {@code CLUSTER_HOST:CLUSTER_PORT}, under a cluster name derived from the cluster secret
 * (see {@link ClusterCredentials#clusterName()}): a process without our credentials forms no
 * cluster with us. Vert.x's own map settings come from its default cluster configuration, which
 * we only amend.
 *
 * <p>Every reference to Hazelcast lives here (and in {@code ops.Readiness}'s clustered branch), so a
 * process with {@code CLUSTER=false} never loads its classes.
 */
final class Cluster {
  private static final Logger log = LoggerFactory.getLogger(Cluster.class);
  /** Seconds to wait before telling that we run alone: past Hazelcast's first merge of split clusters. */
  private static final long LONELY_RECHECK_MILLIS = 7_000;

  private Cluster() {
  }

  /** The cluster manager for {@code CLUSTER=true}: Hazelcast with {@link #hazelcast}'s settings. */
  static ClusterManager manager(AppConfig cfg, ClusterCredentials credentials) {
    return new HazelcastClusterManager(hazelcast(cfg, credentials));
  }

  static Config hazelcast(AppConfig cfg, ClusterCredentials credentials) {
    Config config = ConfigUtil.loadConfig();
    config.setClusterName(credentials.clusterName());
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    config.setProperty("hazelcast.wait.seconds.before.join", "0");
    config.setProperty("hazelcast.merge.first.run.delay.seconds", "5");
    // members that started apart (both found nobody at their first join: a slow start, pods that
    // came up together) look for each other again every 10 s and merge, not only every 120 s
    config.setProperty("hazelcast.merge.next.run.delay.seconds", "10");
    config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    config.setProperty("hazelcast.max.no.heartbeat.seconds", "10");
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(cfg.clusterPort()).setPortAutoIncrement(false);
    network.setPublicAddress(cfg.clusterHost() + ":" + cfg.clusterPort());
    if (cfg.clusterHost().matches("[0-9.]+")) {
      network.getInterfaces().setEnabled(true).setInterfaces(List.of(cfg.clusterHost()));
    }
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    if (cfg.clusterDiscovery().equals("dns")) {
      // discovery's first join looks for the others for a few seconds before this member starts a
      // cluster of its own (with 0 it gave up at once and two members merged later, not always safely)
      config.setProperty("hazelcast.wait.seconds.before.join", "3");
      join.getTcpIpConfig().setEnabled(false);
      join.getKubernetesConfig().setEnabled(true)
          .setProperty("service-dns", cfg.clusterDnsHost())
          .setProperty("service-port", Integer.toString(cfg.clusterDnsPort()))
          .setProperty("service-dns-timeout", "5");
      return config;
    }
    join.getTcpIpConfig().setEnabled(true).setConnectionTimeoutSeconds(2)
        .setMembers(cfg.clusterMembers().isEmpty()
            ? List.of(cfg.clusterHost() + ":" + cfg.clusterPort())
            : cfg.clusterMembers());
    return config;
  }

  /**
   * Says why a member runs alone when it should not: if Hazelcast found no other member although
   * one of {@code CLUSTER_MEMBERS} accepts connections, that member belongs to a cluster with other
   * credentials (or none). Checked right after joining and again once split clusters would have
   * merged, so members starting together are not reported.
   */
  static void warnIfAlone(Vertx vertx, ClusterManager manager, AppConfig cfg) {
    String self = cfg.clusterHost() + ":" + cfg.clusterPort();
    List<String> others = cfg.clusterMembers().stream().filter(m -> !m.equals(self)).toList();
    if (others.isEmpty()) {
      return;
    }
    vertx.executeBlocking(() -> aloneBeside(manager, others)).onSuccess(first -> {
      if (first.isPresent()) {
        vertx.setTimer(LONELY_RECHECK_MILLIS, t -> vertx.executeBlocking(() -> aloneBeside(manager, others))
            .onSuccess(again -> again.ifPresent(peer -> log.warn("No member at {} accepted our cluster credentials;"
                + " running alone — check CLUSTER_CREDENTIALS (all members need a copy of the same folder).", peer))));
      }
    });
  }

  /** A listed member that accepts TCP connections while the cluster holds only us, if any. */
  private static Optional<String> aloneBeside(ClusterManager manager, List<String> others) {
    if (manager.getNodes().size() > 1) {
      return Optional.empty();
    }
    for (String member : others) {
      int colon = member.lastIndexOf(':');
      String host = colon < 0 ? member : member.substring(0, colon);
      int port = colon < 0 ? 5701 : Integer.parseInt(member.substring(colon + 1));
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(host, port), 1_000);
        return Optional.of(member);
      } catch (IOException | RuntimeException notThere) {
        // nobody listening there: not a sign of other credentials
      }
    }
    return Optional.empty();
  }
}
