package dev.jwtauth.db;

import dev.jwtauth.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Upgrades the data folder of a release that ran PostgreSQL 14 ({@code DATA_DIR/pg}, its
 * {@code PG_VERSION} says 14) to PostgreSQL 17 on the first start, before the server listens.
 *
 * <p>zonky's archives hold only {@code initdb}, {@code pg_ctl} and {@code postgres}: no
 * {@code pg_upgrade}, no {@code pg_dump}. So the upgrade is a dump and restore over the wire: the old
 * cluster runs on the PostgreSQL 14 binaries (shipped for Linux x86-64 only, the one platform those
 * releases ran on), a new cluster is made with 17 next to it, the schema is rebuilt there by our own
 * migrations up to the old one's version, and every row and sequence is copied ({@link TableCopy}).
 *
 * <p>Crash-safe: the new cluster is built in {@code DATA_DIR/pg.pg17-new}, marked complete only once
 * it holds everything and is shut down, then swapped in by two renames; the old one stays as
 * {@code DATA_DIR/pg.pg14-backup} (the previous release runs on it again if renamed back). A start
 * after a crash finishes the swap when the new cluster was complete, or else throws the half-made
 * one away and upgrades again.
 */
final class PgUpgrade {
  private static final Logger log = LoggerFactory.getLogger(PgUpgrade.class);
  static final String NEW = "pg.pg17-new";
  static final String BACKUP = "pg.pg14-backup";
  /** In the new cluster's folder once it holds all the data and has been shut down. */
  static final String COMPLETE = "upgrade-complete";

  private PgUpgrade() {
  }

  /**
   * Brings {@code dataDir/pg} to PostgreSQL 17 if it holds 14, after finishing or undoing an
   * upgrade a crash interrupted. Nothing to do for a new or a 17 folder. Blocks (start-up only).
   */
  static void prepare(Path dataDir, Path binDir, PgCredentials credentials, boolean durable) throws IOException {
    Path cluster = dataDir.resolve("pg");
    Path fresh = dataDir.resolve(NEW);
    Path backup = dataDir.resolve(BACKUP);
    recover(binDir, cluster, fresh, backup);
    int version = majorVersion(cluster);
    if (version == 0 || version == PgBinaries.VERSION) {
      return;
    }
    if (version != PgBinaries.PREVIOUS) {
      throw new ConfigException("DATA_DIR " + dataDir + " holds PostgreSQL " + version + " data, which this server"
          + " cannot run or upgrade (only " + PgBinaries.PREVIOUS + "); set PG_URI or choose another DATA_DIR.");
    }
    if (!PgBinaries.hasPrevious()) {
      throw new ConfigException("DATA_DIR " + dataDir + " holds PostgreSQL 14 data, which this server upgrades to 17"
          + " only on Linux x86-64 (where the releases that ran 14 ran); upgrade it there first, or set PG_URI.");
    }
    if (Files.exists(backup)) {
      throw new ConfigException("DATA_DIR " + dataDir + " holds PostgreSQL 14 data to upgrade, but " + backup
          + " (the backup of an earlier upgrade) is in the way; move it elsewhere and start again.");
    }
    upgrade(dataDir, binDir, credentials, durable, cluster, fresh, backup);
  }

  private static void upgrade(Path dataDir, Path binDir, PgCredentials credentials, boolean durable, Path cluster,
                              Path fresh, Path backup) throws IOException {
    long t0 = System.nanoTime();
    log.info("Upgrading the embedded PostgreSQL data in {} from 14 to 17; the 14 data will be kept in {}",
        cluster, backup);
    Path oldBin = PgBinaries.extractPrevious(dataDir);
    EmbeddedDatabase old = EmbeddedDatabase.cluster(oldBin, cluster, credentials);
    EmbeddedDatabase target = EmbeddedDatabase.cluster(binDir, fresh, credentials);
    TableCopy.Counts copied;
    try {
      // the old cluster as the release before ran it (a trust-era one is brought to passwords first)
      old.startCluster(true);
      target.startCluster(durable);
      log.info("PostgreSQL 14 and 17 running side by side; copying the data");
      copied = TableCopy.copy(old, target);
    } finally {
      target.stop();
      old.stop();
    }
    markComplete(fresh);
    Files.move(cluster, backup, StandardCopyOption.ATOMIC_MOVE);
    Files.move(fresh, cluster, StandardCopyOption.ATOMIC_MOVE);
    sync(dataDir);
    Files.delete(cluster.resolve(COMPLETE));
    log.info("Upgraded the embedded PostgreSQL to 17 in {} ms: {} tables, {} rows, {} sequences copied. The 14 data"
            + " is kept in {}; delete it once this release runs as it should.",
        (System.nanoTime() - t0) / 1_000_000, copied.tables(), copied.rows(), copied.sequences(), backup);
  }

  /**
   * Undoes what a crash left. After the first rename ({@code pg} gone): a complete new cluster is
   * moved in, else the old one back. With {@code pg} in place, a new cluster left beside it is a
   * half-made one (the swap had not begun) and goes.
   */
  static void recover(Path binDir, Path cluster, Path fresh, Path backup) throws IOException {
    if (!Files.exists(cluster) && Files.exists(backup)) {
      if (Files.exists(fresh.resolve(COMPLETE))) {
        log.warn("Finishing the PostgreSQL 17 upgrade that a crash interrupted: moving {} to {}", fresh, cluster);
        Files.move(fresh, cluster, StandardCopyOption.ATOMIC_MOVE);
        Files.delete(cluster.resolve(COMPLETE));
      } else {
        log.warn("Rolling back the PostgreSQL 17 upgrade that a crash interrupted: moving {} back to {}", backup, cluster);
        Files.move(backup, cluster, StandardCopyOption.ATOMIC_MOVE);
      }
      sync(cluster.getParent());
    }
    // a crash right after the second rename leaves only the mark behind
    Files.deleteIfExists(cluster.resolve(COMPLETE));
    if (Files.exists(fresh)) {
      log.warn("Removing {}, left by a PostgreSQL 17 upgrade that a crash interrupted; upgrading again", fresh);
      if (Files.exists(fresh.resolve("postmaster.pid"))) {
        // the killed server's PostgreSQL 17 may still run on it (pg_ctl starts it detached)
        try {
          PgProcess.run(List.of(binDir.resolve("bin").resolve("pg_ctl").toString(), "-D", fresh.toString(),
              "-m", "immediate", "-t", "60", "-w", "stop"), 70);
        } catch (IOException e) {
          log.debug("no orphan postmaster on {}: {}", fresh, e.getMessage());
        }
      }
      deleteTree(fresh);
    }
  }

  /** The major version in {@code cluster/PG_VERSION}, 0 when there is no cluster yet. */
  static int majorVersion(Path cluster) throws IOException {
    Path file = cluster.resolve("PG_VERSION");
    if (!Files.exists(file)) {
      return 0;
    }
    String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new ConfigException(file + " does not hold a PostgreSQL major version (\"" + text + "\"); set PG_URI"
          + " or choose another DATA_DIR.");
    }
  }

  private static void markComplete(Path fresh) throws IOException {
    Path marker = fresh.resolve(COMPLETE);
    Files.writeString(marker, "PostgreSQL 17 cluster holding all the data of the 14 one\n", StandardCharsets.US_ASCII);
    try (FileChannel ch = FileChannel.open(marker, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    sync(fresh);
  }

  /** fsync of a directory, so the renames in it survive a power loss (Linux; a no-op where refused). */
  private static void sync(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      log.debug("could not sync directory {}: {}", dir, e.getMessage());
    }
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : (Iterable<Path>) all.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }
}
