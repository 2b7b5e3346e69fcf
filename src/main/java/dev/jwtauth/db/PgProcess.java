package dev.jwtauth.db;

import dev.jwtauth.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs PostgreSQL's programs. PostgreSQL refuses to run as root: when this process is root, they
 * run as {@code nobody} (uid 65534) through {@code setpriv}, with no capability left (none
 * inheritable, an empty bounding set, no new privileges), so the server can read only what
 * {@code nobody} may, never the signing keys or the password files.
 */
final class PgProcess {
  private static final Logger log = LoggerFactory.getLogger(PgProcess.class);
  static final int NOBODY = 65_534;

  private PgProcess() {
  }

  static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  static void run(List<String> command, int timeoutSeconds) throws IOException {
    run(command, timeoutSeconds, null);
  }

  /**
   * Runs a PostgreSQL tool, as {@code nobody} without any capability when we are root, with
   * {@code stdin} as its input (none when null), and fails with its output.
   */
  static void run(List<String> command, int timeoutSeconds, String stdin) throws IOException {
    List<String> full = new ArrayList<>();
    if (isRoot()) {
      full.addAll(traverseOnly
          ? List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups",
              "--inh-caps=-all,+dac_read_search", "--ambient-caps=+dac_read_search",
              "--bounding-set=-all,+dac_read_search", "--no-new-privs")
          : List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups",
              "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"));
    }
    full.addAll(command);
    Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
    try (var in = p.getOutputStream()) {
      if (stdin != null) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      log.debug("{} did not read its input: {}", Path.of(command.get(0)).getFileName(), e.getMessage());
    }
    byte[] out;
    try (InputStream in = p.getInputStream()) {
      out = in.readAllBytes();
    }
    try {
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(Path.of(command.get(0)).getFileName() + " did not finish in " + timeoutSeconds + " s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    String text = new String(out, StandardCharsets.UTF_8).strip();
    if (p.exitValue() != 0) {
      throw new IOException(Path.of(command.get(0)).getFileName() + " failed (exit " + p.exitValue() + "): " + text);
    }
    log.debug("{}: {}", Path.of(command.get(0)).getFileName(), text);
  }

  /**
   * Whether PostgreSQL keeps the one capability to traverse directories (DATA_DIR lies under a
   * folder {@code nobody} cannot enter, such as {@code /root}): the fallback, logged at start.
   */
  private static volatile boolean traverseOnly;

  /** Whether the fallback of {@link #letNobodyReach} is in force (tests read it). */
  public static boolean keepsTraverseCapability() {
    return traverseOnly;
  }

  /**
   * With no capability, {@code nobody} reaches the cluster directory only through directories it
   * may search. DATA_DIR is ours: it gets search (not read) permission for others. Above it we
   * change nothing: when a folder there is closed to {@code nobody} (DATA_DIR under {@code /root}),
   * PostgreSQL keeps exactly one capability, {@code dac_read_search}, and a warning says how to
   * run it with none, rather than refusing to start where the previous release ran.
   */
  static void letNobodyReach(Path dataDir) throws IOException {
    Path data = dataDir.toAbsolutePath();
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(data);
    if (perms.add(PosixFilePermission.OTHERS_EXECUTE)) {
      Files.setPosixFilePermissions(data, perms);
    }
    for (Path dir = data.getParent(); dir != null; dir = dir.getParent()) {
      int mode = (Integer) Files.getAttribute(dir, "unix:mode");
      int bit = (Integer) Files.getAttribute(dir, "unix:uid") == NOBODY ? 0100
          : (Integer) Files.getAttribute(dir, "unix:gid") == NOBODY ? 010 : 01;
      if ((mode & bit) == 0) {
        if (!traverseOnly) {
          log.warn("DATA_DIR {} is inside {}, which user nobody cannot enter: the embedded PostgreSQL (run as nobody)"
              + " keeps the capability dac_read_search to reach it. To run it with no capability, choose a DATA_DIR"
              + " elsewhere (e.g. /var/lib/jwt-auth-server), allow it (chmod o+x {}), or run the server as another user.",
              data, dir, dir);
        }
        traverseOnly = true;
        return;
      }
    }
    traverseOnly = false;
  }

  /** Gives {@code path} (and all under it) to {@code nobody} when we are root (PostgreSQL checks ownership). */
  static void handOver(Path path) throws IOException {
    if (!isRoot()) {
      return;
    }
    UserPrincipalLookupService users = path.getFileSystem().getUserPrincipalLookupService();
    var owner = users.lookupPrincipalByName(Integer.toString(NOBODY));
    var group = users.lookupPrincipalByGroupName(Integer.toString(NOBODY));
    try (Stream<Path> all = Files.walk(path)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        if (!Files.isSymbolicLink(p)) {
          PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class);
          view.setOwner(owner);
          view.setGroup(group);
        }
      }
    }
  }
}
