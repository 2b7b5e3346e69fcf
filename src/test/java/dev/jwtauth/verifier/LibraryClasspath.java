package dev.jwtauth.verifier;

import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The resource-server library as another team gets it: its sources ({@code verifier/src/main/java})
 * compiled here against its declared dependencies only (the jars of {@code verifier/pom.xml}'s
 * dependency tree, taken from the test class path, which the same BOM resolves), into a directory
 * of its own. A reference to any server class, or to a jar the library does not declare, fails the
 * compilation. What {@link #get()} answers is a class path with no server class on it.
 */
final class LibraryClasspath {
  /**
   * {@code mvn -f verifier/pom.xml dependency:list}: vertx-web, vertx-web-client, vertx-auth-jwt,
   * caffeine, slf4j-api and what they pull in. A new dependency of the library goes here too.
   */
  static final List<String> DEPENDENCIES = List.of(
      "io/vertx/vertx-core/", "io/vertx/vertx-core-logging/", "io/vertx/vertx-web/", "io/vertx/vertx-web-common/",
      "io/vertx/vertx-web-client/", "io/vertx/vertx-auth-common/", "io/vertx/vertx-auth-jwt/",
      "io/vertx/vertx-uri-template/", "io/vertx/vertx-bridge-common/",
      "io/netty/netty-common/", "io/netty/netty-buffer/", "io/netty/netty-transport/", "io/netty/netty-resolver/",
      "io/netty/netty-resolver-dns/", "io/netty/netty-codec-base/", "io/netty/netty-codec-compression/",
      "io/netty/netty-codec-http/", "io/netty/netty-codec-http2/", "io/netty/netty-codec-dns/",
      "io/netty/netty-codec-socks/", "io/netty/netty-handler/", "io/netty/netty-handler-proxy/",
      "io/netty/netty-transport-native-unix-common/",
      "com/fasterxml/jackson/core/jackson-core/", "com/github/ben-manes/caffeine/caffeine/",
      "org/jspecify/jspecify/", "com/google/errorprone/error_prone_annotations/", "org/slf4j/slf4j-api/");

  private static String classpath;

  private LibraryClasspath() {
  }

  /** The library's dependency jars, one per {@link #DEPENDENCIES} entry. */
  static List<String> dependencyJars() {
    List<String> jars = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(p -> p.endsWith(".jar"))
        .filter(p -> DEPENDENCIES.stream().anyMatch(d -> p.replace('\\', '/').contains("/" + d)))
        .toList();
    assertThat(jars).as("one jar per declared dependency of the library").hasSize(DEPENDENCIES.size());
    return jars;
  }

  /** Compiles the library alone (once per JVM) and answers its class path: its classes, then its dependencies. */
  static synchronized String get() {
    if (classpath == null) {
      List<String> jars = dependencyJars();
      Path out = compile(Path.of("verifier", "src", "main", "java"), jars);
      List<String> entries = new ArrayList<>();
      entries.add(out.toString());
      entries.addAll(jars);
      classpath = String.join(File.pathSeparator, entries);
    }
    return classpath;
  }

  private static Path compile(Path sources, List<String> jars) {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    assertThat(javac).as("a JDK (javac) runs the tests").isNotNull();
    try (Stream<Path> files = Files.walk(sources)) {
      Path out = Files.createTempDirectory("jwt-auth-verifier-classes");
      List<File> java = files.filter(f -> f.toString().endsWith(".java")).map(Path::toFile).toList();
      DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
      try (StandardJavaFileManager fm = javac.getStandardFileManager(diagnostics, null, null)) {
        boolean ok = javac.getTask(null, fm, diagnostics,
            List.of("--release", "17", "-proc:none", "-d", out.toString(), "-cp", String.join(File.pathSeparator, jars)),
            null, fm.getJavaFileObjectsFromFiles(java)).call();
        assertThat(ok).as("the library compiles with its own dependencies alone: " + diagnostics.getDiagnostics()).isTrue();
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
