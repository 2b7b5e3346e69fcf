package dev.jwtauth.db;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The passwords of the embedded PostgreSQL, kept in {@code DATA_DIR/pg-credentials/} (a 0700
 * folder, files 0600, owned by the server's OS user; outside the cluster directory, so when the
 * server runs as root the {@code nobody} that runs PostgreSQL cannot read them).
 *
 * <ul>
 *   <li>{@value #APP_ROLE}{@code .password}: the application's role, which owns the database
 *       {@value #APP_DATABASE} and nothing else; the server and the command line connect as it.</li>
 *   <li>{@value #SUPERUSER}{@code .password}: the superuser, for administration by an operator only.</li>
 *   <li>{@code provisioned}: present once the roles, the passwords and the ownership are in the
 *       cluster; without it the next start (re)applies them.</li>
 * </ul>
 * Each password is 256 random bits (64 hex digits, nothing to escape in a URI).
 */
public final class PgCredentials {
  /** The role the application connects as (NOSUPERUSER NOCREATEDB NOCREATEROLE). */
  public static final String APP_ROLE = "jwtauth";
  /** The application's database, owned by {@link #APP_ROLE}. */
  public static final String APP_DATABASE = "jwtauth";
  /** The bootstrap superuser made by initdb. */
  public static final String SUPERUSER = "postgres";
  private static final String FOLDER = "pg-credentials";
  private static final String MARKER = "provisioned";
  private static final int SCRAM_ITERATIONS = 4096;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path dir;
  private final String appPassword;
  private final String superuserPassword;

  private PgCredentials(Path dir, String appPassword, String superuserPassword) {
    this.dir = dir;
    this.appPassword = appPassword;
    this.superuserPassword = superuserPassword;
  }

  /**
   * Reads the passwords of {@code dataDir}, making any that is missing. A new password clears the
   * {@code provisioned} mark, so it reaches the cluster on this start.
   */
  static PgCredentials loadOrCreate(Path dataDir) throws IOException {
    Path dir = folder(dataDir);
    if (!Files.isDirectory(dir)) {
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    boolean created = false;
    for (String role : new String[] {APP_ROLE, SUPERUSER}) {
      Path file = dir.resolve(role + ".password");
      if (!Files.exists(file)) {
        writeSecret(dir, file, HexFormat.of().formatHex(randomBytes(32)));
        created = true;
      }
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }
    if (created) {
      Files.deleteIfExists(dir.resolve(MARKER));
    }
    return read(dir);
  }

  /** The passwords of {@code dataDir} when they exist (the command line next to a running server). */
  public static Optional<PgCredentials> load(Path dataDir) {
    Path dir = folder(dataDir);
    try {
      return Files.exists(dir.resolve(MARKER)) ? Optional.of(read(dir)) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** The folder holding the password files of {@code dataDir}. */
  public static Path folder(Path dataDir) {
    return dataDir.resolve(FOLDER);
  }

  private static PgCredentials read(Path dir) throws IOException {
    return new PgCredentials(dir, readSecret(dir.resolve(APP_ROLE + ".password")),
        readSecret(dir.resolve(SUPERUSER + ".password")));
  }

  boolean provisioned() {
    return Files.exists(dir.resolve(MARKER));
  }

  void markProvisioned() throws IOException {
    writeSecret(dir, dir.resolve(MARKER), "1");
  }

  /** The URI the application connects with: {@link #APP_ROLE} on {@link #APP_DATABASE}. Holds the password. */
  public String appUri(int port) {
    return "postgresql://" + APP_ROLE + ":" + appPassword + "@127.0.0.1:" + port + "/" + APP_DATABASE;
  }

  /** The superuser's URI on {@code database}, for administration (tests, operators). Holds the password. */
  public String superuserUri(int port, String database) {
    return "postgresql://" + SUPERUSER + ":" + superuserPassword + "@127.0.0.1:" + port + "/" + database;
  }

  String appVerifier() {
    return scramVerifier(appPassword);
  }

  String superuserVerifier() {
    return scramVerifier(superuserPassword);
  }

  @Override
  public String toString() {
    return "PgCredentials[" + dir + "]";
  }

  /**
   * The SCRAM-SHA-256 verifier PostgreSQL stores for {@code password} (RFC 5802 §3, RFC 7677),
   * {@code SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>}: handing PostgreSQL this
   * instead of the password keeps the password itself out of every statement and log.
   */
  static String scramVerifier(String password) {
    try {
      byte[] salt = randomBytes(16);
      SecretKeyFactory pbkdf2 = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256");
      // the password is ASCII hex, which SASLprep leaves as it is
      byte[] salted = pbkdf2.generateSecret(new PBEKeySpec(password.toCharArray(), salt, SCRAM_ITERATIONS, 256)).getEncoded();
      byte[] clientKey = hmac(salted, "Client Key");
      byte[] storedKey = MessageDigest.getInstance("SHA-256").digest(clientKey);
      byte[] serverKey = hmac(salted, "Server Key");
      Base64.Encoder b64 = Base64.getEncoder();
      return "SCRAM-SHA-256$" + SCRAM_ITERATIONS + ":" + b64.encodeToString(salt) + "$"
          + b64.encodeToString(storedKey) + ":" + b64.encodeToString(serverKey);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] hmac(byte[] key, String text) throws GeneralSecurityException {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return mac.doFinal(text.getBytes(StandardCharsets.US_ASCII));
  }

  private static byte[] randomBytes(int n) {
    byte[] bytes = new byte[n];
    RANDOM.nextBytes(bytes);
    return bytes;
  }

  private static String readSecret(Path file) throws IOException {
    return Files.readString(file, StandardCharsets.US_ASCII).strip();
  }

  /** Writes a 0600 file through a temporary one, synced, so a crash never leaves half a password. */
  private static void writeSecret(Path dir, Path file, String text) throws IOException {
    Path tmp = Files.createTempFile(dir, ".tmp-", "",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap((text + "\n").getBytes(StandardCharsets.US_ASCII)));
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
