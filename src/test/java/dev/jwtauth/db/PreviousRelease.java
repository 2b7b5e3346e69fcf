package dev.jwtauth.db;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * The embedded PostgreSQL 14 of the releases before 17, for the upgrade tests:
 * <ul>
 *   <li>{@link #start}: as the release before passwords (main at 962406a) made and ran it:
 *       {@code initdb -A trust}, superuser {@code postgres} without a password, everything in the
 *       database {@code postgres}, loopback TCP, no socket;</li>
 *   <li>{@link #startCurrent}: as the last release on 14 (main at 5e424af) did: passwords, the
 *       application's own role and database. That release's code is this one's
 *       {@link EmbeddedDatabase} run with the PostgreSQL 14 binaries.</li>
 * </ul>
 */
final class PreviousRelease {
  private PreviousRelease() {
  }

  /** Initialises {@code dataDir/pg} the old way and starts it on {@code port}. */
  static void start(Path dataDir, int port) throws IOException {
    Path bin = PgBinaries.extractPrevious(dataDir).resolve("bin");
    Path cluster = dataDir.resolve("pg");
    Files.createDirectories(cluster);
    if (PgProcess.isRoot()) {
      // that release kept CAP_DAC_READ_SEARCH to get there; this one runs PostgreSQL without it
      PgProcess.letNobodyReach(dataDir);
    }
    Files.setPosixFilePermissions(cluster, PosixFilePermissions.fromString("rwx------"));
    PgProcess.handOver(cluster);
    PgProcess.run(List.of(bin.resolve("initdb").toString(), "-A", "trust", "-U", "postgres", "-D", cluster.toString(),
        "-E", "UTF8", "--locale=C"), 120);
    PgProcess.run(List.of(bin.resolve("pg_ctl").toString(), "-D", cluster.toString(), "-l",
        cluster.resolve("postgres.log").toString(), "-o",
        "-p " + port + " -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off", "-t", "60", "-w",
        "start"), 70);
  }

  /**
   * Initialises {@code dataDir/pg} as the last release on PostgreSQL 14 did and starts it; the
   * caller stops it with {@link EmbeddedDatabase#stop()}. Its {@link EmbeddedDatabase#uri()} is what
   * that release's server connected with.
   */
  static EmbeddedDatabase startCurrent(Path dataDir) throws IOException {
    Path data = dataDir.toAbsolutePath();
    if (PgProcess.isRoot()) {
      PgProcess.letNobodyReach(data);
    }
    EmbeddedDatabase db = EmbeddedDatabase.cluster(PgBinaries.extractPrevious(data), data.resolve("pg"),
        PgCredentials.loadOrCreate(data));
    db.startCluster(false);
    return db;
  }

  /** Stops it (fast shutdown). */
  static void stop(Path dataDir) throws IOException {
    Path bin = PgBinaries.extractPrevious(dataDir).resolve("bin");
    PgProcess.run(List.of(bin.resolve("pg_ctl").toString(), "-D", dataDir.resolve("pg").toString(), "-m", "fast",
        "-t", "60", "-w", "stop"), 70);
  }

  /** The URI that release's server connected with. */
  static String uri(int port) {
    return "postgresql://postgres@127.0.0.1:" + port + "/postgres";
  }
}
