package dev.jwtauth.launcher;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import dev.jwtauth.config.AppConfig;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.util.List;

/**
 * Hazelcast settings for the clustered event bus: TCP/IP join with the members listed in
 * {@code CLUSTER_MEMBERS} (multicast and auto-detection off, so nothing is discovered by accident),
 * bound to {@code CLUSTER_HOST:CLUSTER_PORT}. Vert.x's own map settings come from its default
 * cluster configuration, which we only amend.
 *
 * <p>Every reference to Hazelcast lives here (and in {@code ops.Readiness}'s clustered branch), so a
 * process with {@code CLUSTER=false} never loads its classes.
 */
final class Cluster {
  static final String NAME = "jwt-auth-server";

  private Cluster() {
  }

  /** The cluster manager for {@code CLUSTER=true}: Hazelcast with {@link #hazelcast}'s settings. */
  static ClusterManager manager(AppConfig cfg) {
    return new HazelcastClusterManager(hazelcast(cfg));
  }

  static Config hazelcast(AppConfig cfg) {
    Config config = ConfigUtil.loadConfig();
    config.setClusterName(NAME);
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    config.setProperty("hazelcast.wait.seconds.before.join", "0");
    config.setProperty("hazelcast.merge.first.run.delay.seconds", "5");
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
    join.getTcpIpConfig().setEnabled(true).setConnectionTimeoutSeconds(2)
        .setMembers(cfg.clusterMembers().isEmpty()
            ? List.of(cfg.clusterHost() + ":" + cfg.clusterPort())
            : cfg.clusterMembers());
    return config;
  }
}
