package dev.jwtauth;

import dev.jwtauth.bus.ClusterCredentials;
import dev.jwtauth.config.AppConfig;
import dev.jwtauth.config.ConfigLoader;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The deployment files are checked statically (no container runtime here): they parse, every
 * variable they give our image is a setting that exists and that the server accepts, and every
 * probe names a path and port that the member serves.
 */
@DisplayName("compose.yaml and deploy/k8s: they parse, name only real settings, and probe real paths and ports")
class DeploymentFilesTest {
  private static final Path COMPOSE = Path.of("compose.yaml");
  private static final Path K8S = Path.of("deploy", "k8s");
  private static final Set<String> PROBE_PATHS = Set.of("/health", "/ready");
  private static final List<String> CREDENTIAL_FILES =
      List.of(ClusterCredentials.SECRET_FILE, ClusterCredentials.CERT_FILE, ClusterCredentials.KEY_FILE);

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    return o == null ? Map.of() : (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object o) {
    return o == null ? List.of() : (List<Object>) o;
  }

  private static Map<String, Object> compose() throws IOException {
    return new Yaml().load(Files.readString(COMPOSE));
  }

  /** Every document of every manifest, by kind and name. */
  private static Map<String, Map<String, Object>> manifests() throws IOException {
    Map<String, Map<String, Object>> out = new LinkedHashMap<>();
    for (String file : kustomizationResources()) {
      for (Object doc : new Yaml().loadAll(Files.readString(K8S.resolve(file)))) {
        Map<String, Object> m = map(doc);
        assertThat(m).as("a document of " + file).containsKeys("apiVersion", "kind", "metadata");
        out.put(m.get("kind") + "/" + map(m.get("metadata")).get("name"), m);
      }
    }
    return out;
  }

  private static List<String> kustomizationResources() throws IOException {
    Map<String, Object> k = new Yaml().load(Files.readString(K8S.resolve("kustomization.yaml")));
    return list(k.get("resources")).stream().map(String::valueOf).toList();
  }

  /** The settings a member with these variables runs with (the defaults, then the variables). */
  private static AppConfig settings(Map<String, String> env) {
    JsonObject json = ConfigLoader.defaults();
    env.forEach(json::put);
    return AppConfig.from(json);
  }

  /** compose's ${NAME:?message} / ${NAME:-default}: a sample value, as compose would put in from .env. */
  private static String interpolated(String value) {
    Matcher m = Pattern.compile("\\$\\{([A-Z_]+)(:[?-][^}]*)?}").matcher(value);
    return m.replaceAll(r -> r.group(1).equals("ADMIN_PASSWORD") ? "compose-admin-1" : "sample-" + r.group(1).toLowerCase());
  }

  @Test
  @DisplayName("every file under deploy/k8s is in the kustomization, and every document parses as a Kubernetes object")
  void manifestsParse() throws IOException {
    try (Stream<Path> files = Files.list(K8S)) {
      assertThat(files.map(p -> p.getFileName().toString()).filter(n -> !n.equals("kustomization.yaml")))
          .containsExactlyInAnyOrderElementsOf(kustomizationResources());
    }
    assertThat(manifests().keySet()).contains("Deployment/jwt-auth", "Deployment/jwt-resource",
        "Service/jwt-auth", "Service/jwt-resource", "Service/jwt-auth-cluster", "Secret/jwt-auth-cluster",
        "Secret/jwt-auth-keys", "Secret/jwt-auth-db", "PodDisruptionBudget/jwt-auth", "PodDisruptionBudget/jwt-resource");
  }

  @Test
  @DisplayName("compose: our members set only real settings, which the server accepts, and publish the ports they serve")
  void composeSettings() throws IOException {
    Map<String, Object> services = map(compose().get("services"));
    assertThat(map(map(services.get("db"))).get("image")).asString().startsWith("postgres:17");
    int members = 0;
    for (var entry : services.entrySet()) {
      Map<String, Object> service = map(entry.getValue());
      if (!String.valueOf(service.get("image")).startsWith("jwt-auth-server")) {
        continue;
      }
      members++;
      Map<String, String> env = new HashMap<>();
      map(service.get("environment")).forEach((k, v) -> env.put(k, interpolated(String.valueOf(v))));
      assertThat(AppConfig.KEYS).as(entry.getKey() + "'s variables are settings").containsAll(env.keySet());
      AppConfig cfg = settings(env);
      assertThat(cfg.cluster()).isTrue();
      int port = cfg.runsAuth() ? cfg.authHttpPort() : cfg.resourceHttpPort();
      assertThat(list(service.get("ports")).stream().map(String::valueOf))
          .as(entry.getKey() + " publishes the port its origin listens on").anyMatch(p -> p.endsWith(":" + port));
      for (String member : cfg.clusterMembers()) {
        assertThat(services).as("cluster member " + member + " is a service").containsKey(member.split(":")[0]);
      }

      // the cluster credentials: the three files of 'cluster credentials DIR' in CLUSTER_CREDENTIALS
      List<String> targets = list(service.get("secrets")).stream().map(s -> String.valueOf(map(s).get("target"))).toList();
      assertThat(targets).containsExactlyInAnyOrderElementsOf(
          CREDENTIAL_FILES.stream().map(f -> cfg.clusterCredentials().resolve(f).toString()).toList());

      // the health check runs the probe against /health and /ready of the management server inside the container
      List<String> test = list(map(service.get("healthcheck")).get("test")).stream().map(String::valueOf).toList();
      assertThat(test).contains("dev.jwtauth.launcher.Probe");
      List<String> urls = test.stream().filter(a -> a.startsWith("http://")).toList();
      assertThat(urls).isNotEmpty();
      for (String url : urls) {
        var uri = java.net.URI.create(url);
        assertThat(uri.getPath()).isIn(PROBE_PATHS);
        assertThat(uri.getHost()).isEqualTo("127.0.0.1");
        assertThat(uri.getPort()).isEqualTo(cfg.managementHttpPort());
      }
    }
    assertThat(members).as("one auth and two resource members").isEqualTo(3);
    Map<String, Object> secrets = map(compose().get("secrets"));
    for (Object s : secrets.values()) {
      assertThat(CREDENTIAL_FILES).contains(Path.of(String.valueOf(map(s).get("file"))).getFileName().toString());
    }
  }

  @Test
  @DisplayName("Kubernetes: each Deployment sets only real settings, which the server accepts, and probes /health and /ready on its origin's port")
  void kubernetesDeployments() throws IOException {
    Map<String, Map<String, Object>> all = manifests();
    Map<String, Object> dbSecret = map(all.get("Secret/jwt-auth-db").get("stringData"));
    Map<String, Object> clusterSecret = map(all.get("Secret/jwt-auth-cluster").get("stringData"));
    assertThat(clusterSecret.keySet()).containsExactlyInAnyOrderElementsOf(CREDENTIAL_FILES);
    Map<String, Object> headless = map(all.get("Service/jwt-auth-cluster").get("spec"));
    assertThat(headless.get("clusterIP")).isEqualTo("None");

    for (String name : List.of("Deployment/jwt-auth", "Deployment/jwt-resource")) {
      Map<String, Object> pod = map(map(all.get(name).get("spec")).get("template"));
      Map<String, Object> podSpec = map(pod.get("spec"));
      Map<String, Object> container = map(list(podSpec.get("containers")).get(0));

      Map<String, String> env = new HashMap<>();
      for (Object o : list(container.get("env"))) {
        Map<String, Object> var = map(o);
        String key = String.valueOf(var.get("name"));
        assertThat(AppConfig.KEYS).as(name + " sets " + key + ", a setting").contains(key);
        if (var.containsKey("value")) {
          env.put(key, String.valueOf(var.get("value")));
        } else {
          Map<String, Object> from = map(var.get("valueFrom"));
          if (from.containsKey("fieldRef")) {
            assertThat(map(from.get("fieldRef")).get("fieldPath")).isEqualTo("status.podIP");
            env.put(key, "10.1.2.3");
          } else {
            Map<String, Object> ref = map(from.get("secretKeyRef"));
            assertThat(ref.get("name")).isEqualTo("jwt-auth-db");
            assertThat(dbSecret).containsKey(String.valueOf(ref.get("key")));
            env.put(key, key.equals("PG_URI") ? "postgresql://jwt:pw@postgres:5432/jwt" : "k8s-admin-pw-1");
          }
        }
      }
      AppConfig cfg = settings(env);
      assertThat(cfg.clusterDiscovery()).isEqualTo("dns");
      assertThat(cfg.clusterDnsHost()).as("the DNS name is the headless Service")
          .isEqualTo(map(all.get("Service/jwt-auth-cluster").get("metadata")).get("name"));
      assertThat(list(headless.get("ports")).stream().map(p -> map(p).get("port")))
          .contains(cfg.clusterDnsPort());

      Map<String, Integer> containerPorts = new HashMap<>();
      list(container.get("ports")).forEach(p -> containerPorts.put(String.valueOf(map(p).get("name")),
          (Integer) map(p).get("containerPort")));
      int origin = cfg.runsAuth() ? cfg.authHttpPort() : cfg.resourceHttpPort();
      assertThat(containerPorts).containsEntry("hazelcast", cfg.clusterPort())
          .containsEntry("management", cfg.managementHttpPort()).containsValue(origin);

      Map<String, String> probes = Map.of("readinessProbe", "/ready", "livenessProbe", "/health", "startupProbe", "/health");
      probes.forEach((probe, path) -> {
        Map<String, Object> get = map(map(container.get(probe)).get("httpGet"));
        assertThat(get.get("path")).as(name + " " + probe).isEqualTo(path);
        Object port = get.get("port");
        assertThat(port instanceof Integer i ? i : containerPorts.get(String.valueOf(port)))
            .as(name + " " + probe + " port").isEqualTo(origin);
      });

      // the credentials folder and the keys folder are Secret volumes mounted where the settings point
      Map<String, String> mounts = new HashMap<>();
      list(container.get("volumeMounts")).forEach(m -> mounts.put(String.valueOf(map(m).get("mountPath")),
          String.valueOf(map(m).get("name"))));
      Map<String, String> secretVolumes = new HashMap<>();
      list(podSpec.get("volumes")).forEach(v -> {
        Map<String, Object> secret = map(map(v).get("secret"));
        if (!secret.isEmpty()) {
          secretVolumes.put(String.valueOf(map(v).get("name")), String.valueOf(secret.get("secretName")));
        }
      });
      assertThat(secretVolumes.get(mounts.get(cfg.clusterCredentials().toString()))).isEqualTo("jwt-auth-cluster");
      if (cfg.runsAuth()) {
        assertThat(secretVolumes.get(mounts.get(cfg.keysDir().toString()))).isEqualTo("jwt-auth-keys");
      }
      assertThat(mounts).as("a writable /tmp beside the read-only root").containsKey("/tmp");

      assertThat(map(podSpec.get("securityContext")).get("runAsNonRoot")).isEqualTo(true);
      assertThat(map(container.get("securityContext")))
          .containsEntry("readOnlyRootFilesystem", true).containsEntry("allowPrivilegeEscalation", false);
      assertThat((Integer) podSpec.get("terminationGracePeriodSeconds"))
          .as("room for the preStop sleep and SHUTDOWN_GRACE").isGreaterThan((int) cfg.shutdownGrace().toSeconds() + 5);

      // the Services and the PodDisruptionBudget select these pods
      Map<String, Object> labels = map(map(pod.get("metadata")).get("labels"));
      assertThat(labels.entrySet()).containsAll(map(headless.get("selector")).entrySet());
      String service = name.equals("Deployment/jwt-auth") ? "Service/jwt-auth" : "Service/jwt-resource";
      Map<String, Object> serviceSpec = map(all.get(service).get("spec"));
      assertThat(labels.entrySet()).containsAll(map(serviceSpec.get("selector")).entrySet());
      assertThat(list(serviceSpec.get("ports")).stream().map(p -> containerPorts.get(String.valueOf(map(p).get("targetPort")))))
          .containsOnly(origin);
      String pdb = name.replace("Deployment/", "PodDisruptionBudget/");
      assertThat(labels.entrySet())
          .containsAll(map(map(map(all.get(pdb).get("spec")).get("selector")).get("matchLabels")).entrySet());
    }
  }
}
