package dev.jwtauth.keys;

import dev.jwtauth.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads and writes the key files of {@code keys/}: {@code <alg>-<kid>.key.pem} (PKCS#8, mode 0600) and
 * {@code <alg>-<kid>.pub.pem} (SubjectPublicKeyInfo), e.g. {@code RS256-t4x1q2-9f3a.key.pem}; a retired
 * key keeps only its public key, in {@code retired/}. Blocking: run it on a worker thread.
 */
public final class KeyFiles {
  private static final Logger log = LoggerFactory.getLogger(KeyFiles.class);
  private static final String PRIVATE_SUFFIX = ".key.pem";
  private static final String PUBLIC_SUFFIX = ".pub.pem";
  private static final SecureRandom RANDOM = new SecureRandom();

  private KeyFiles() {
  }

  /**
   * Loads every key in {@code dir}; creates the directory and a first key when there is none, and a
   * new active key when the newest one does not use {@code alg} (the configured algorithm changed).
   *
   * @throws ConfigException naming the file, when a key file is unreadable, corrupt or of the wrong type
   */
  public static KeyRing loadOrCreate(Path dir, SigningAlgorithm alg, Clock clock) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new ConfigException("KEYS_DIR " + dir.toAbsolutePath() + " cannot be created: " + e.getMessage() + ".");
    }
    purgeRetiredPrivateKeys(dir);
    List<KeyEntry> keys = load(dir);
    if (keys.isEmpty() || new KeyRing(keys).active().alg() != alg) {
      long created = keys.isEmpty() ? clock.millis() / 1000 : nextCreation(new KeyRing(keys), clock);
      keys = new ArrayList<>(keys);
      keys.add(create(dir, alg, created));
    }
    return new KeyRing(keys);
  }

  /** Loads every key of {@code dir}, checking that each private key matches its public key. */
  public static List<KeyEntry> load(Path dir) {
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.getFileName().toString().endsWith(PRIVATE_SUFFIX)).sorted().toList();
    } catch (IOException e) {
      throw new ConfigException("KEYS_DIR " + dir.toAbsolutePath() + " cannot be listed: " + e.getMessage() + ".");
    }
    List<KeyEntry> keys = new ArrayList<>();
    for (Path file : files) {
      keys.add(read(dir, file));
    }
    return keys;
  }

  /**
   * The creation time for a key that must take over from {@code ring}'s active key: now, or one
   * second after the active key when that is later, so the new key always sorts last (kids carry
   * whole seconds).
   */
  public static long nextCreation(KeyRing ring, Clock clock) {
    return Math.max(clock.millis() / 1000, ring.active().created() + 1);
  }

  /**
   * Generates a key pair for {@code alg} and writes it (private key first at mode 0600, atomically).
   *
   * @param created creation time in epoch seconds, recorded in the kid
   */
  public static KeyEntry create(Path dir, SigningAlgorithm alg, long created) {
    try {
      KeyPair pair = alg.generate();
      // Short on purpose: the kid travels in every token header.
      KeyEntry key = new KeyEntry(Long.toString(created, 36) + "-" + HexFormat.of().formatHex(randomBytes(2)), alg,
          pair.getPrivate(), pair.getPublic());
      write(privateFile(dir, key), pem("PRIVATE KEY", pair.getPrivate().getEncoded()), "rw-------");
      write(dir.resolve(key.fileStem() + PUBLIC_SUFFIX), pem("PUBLIC KEY", pair.getPublic().getEncoded()), "rw-r--r--");
      log.info("Generated signing key kid={} alg={} in {}", key.kid(), alg, dir.toAbsolutePath());
      return key;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK cannot generate " + alg + " keys", e);
    } catch (IOException e) {
      throw new ConfigException("A new key cannot be written to KEYS_DIR " + dir.toAbsolutePath() + ": "
          + e.getMessage() + ".");
    }
  }

  /**
   * Retires a key once no token it signed can still be valid: its private key file is deleted
   * (nothing may sign with it again, and a copy of the keys directory no longer holds it), its
   * public key moves to {@code dir/retired/} for the record, and is no longer loaded.
   */
  public static void retire(Path dir, KeyEntry key) {
    try {
      Path retired = Files.createDirectories(dir.resolve("retired"));
      // Private key first: a process listing the directory meanwhile (another cluster member)
      // then never sees a private key whose public half has already gone.
      Files.deleteIfExists(privateFile(dir, key));
      Files.deleteIfExists(retired.resolve(key.fileStem() + PRIVATE_SUFFIX));
      Path publicFile = dir.resolve(key.fileStem() + PUBLIC_SUFFIX);
      if (Files.exists(publicFile)) {
        Files.move(publicFile, retired.resolve(publicFile.getFileName()), StandardCopyOption.ATOMIC_MOVE);
      }
      log.info("Retired signing key kid={}: every token it signed has expired; private key deleted", key.kid());
    } catch (IOException e) {
      log.error("could not retire key kid={} in {}: {}", key.kid(), dir, e.getMessage());
    }
  }

  /**
   * Deletes the private keys that earlier versions kept in {@code dir/retired/} (their keys had
   * retired: no token they signed is valid any more). Returns how many were deleted.
   */
  public static int purgeRetiredPrivateKeys(Path dir) {
    Path retired = dir.resolve("retired");
    if (!Files.isDirectory(retired)) {
      return 0;
    }
    int n = 0;
    try (Stream<Path> s = Files.list(retired)) {
      for (Path file : s.filter(p -> p.getFileName().toString().endsWith(PRIVATE_SUFFIX)).toList()) {
        if (Files.deleteIfExists(file)) {
          n++;
        }
      }
    } catch (IOException e) {
      log.error("could not delete retired private keys in {}: {}", retired, e.getMessage());
    }
    if (n > 0) {
      log.info("Deleted {} private key(s) of retired keys from {}", n, retired);
    }
    return n;
  }

  /** The private key file of {@code key} in {@code dir}. */
  public static Path privateFile(Path dir, KeyEntry key) {
    return dir.resolve(key.fileStem() + PRIVATE_SUFFIX);
  }

  private static KeyEntry read(Path dir, Path privateFile) {
    String name = privateFile.getFileName().toString();
    String stem = name.substring(0, name.length() - PRIVATE_SUFFIX.length());
    int dash = stem.indexOf('-');
    String kid = dash < 0 ? "" : stem.substring(dash + 1);
    SigningAlgorithm alg;
    try {
      if (kid.isEmpty()) {
        throw new IllegalArgumentException("no kid");
      }
      alg = SigningAlgorithm.parse(stem.substring(0, dash));
    } catch (IllegalArgumentException e) {
      throw new ConfigException("Key file " + privateFile + " is not named <alg>-<created>-<id>" + PRIVATE_SUFFIX
          + " with alg one of RS256, PS256, ES256, EdDSA.");
    }
    Path publicFile = dir.resolve(stem + PUBLIC_SUFFIX);
    try {
      KeyFactory factory = CryptoProvider.current().keyFactory(alg.jcaKeyAlgorithm());
      PrivateKey priv = factory.generatePrivate(new PKCS8EncodedKeySpec(unpem(privateFile, "PRIVATE KEY")));
      if (!Files.exists(publicFile)) {
        throw new ConfigException("Key file " + publicFile + " is missing (it must hold the public key of "
            + privateFile.getFileName() + ").");
      }
      PublicKey pub = factory.generatePublic(new X509EncodedKeySpec(unpem(publicFile, "PUBLIC KEY")));
      if (!alg.accepts(priv) || !matches(alg, priv, pub)) {
        throw new ConfigException("Key files " + privateFile + " and " + publicFile
            + " do not hold a matching " + alg + " key pair.");
      }
      return new KeyEntry(kid, alg, priv, pub);
    } catch (IOException e) {
      throw new ConfigException("Key file " + privateFile + " cannot be read: " + e.getMessage() + ".");
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new ConfigException("Key file " + privateFile + " (or its .pub.pem) is not a valid PEM "
          + alg.jcaKeyAlgorithm() + " key for " + alg + ".");
    }
  }

  private static boolean matches(SigningAlgorithm alg, PrivateKey priv, PublicKey pub) throws GeneralSecurityException {
    byte[] probe = "jwt-auth-server key check".getBytes(StandardCharsets.US_ASCII);
    Signature signer = alg.newSignature();
    signer.initSign(priv);
    signer.update(probe);
    byte[] sig = signer.sign();
    Signature verifier = alg.newSignature();
    verifier.initVerify(pub);
    verifier.update(probe);
    return verifier.verify(sig);
  }

  private static byte[] unpem(Path file, String type) throws IOException {
    String text = Files.readString(file, StandardCharsets.US_ASCII);
    String begin = "-----BEGIN " + type + "-----";
    String end = "-----END " + type + "-----";
    int b = text.indexOf(begin);
    int e = text.indexOf(end);
    if (b < 0 || e < b) {
      throw new IllegalArgumentException("no " + type + " PEM block");
    }
    return Base64.getMimeDecoder().decode(text.substring(b + begin.length(), e));
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  private static void write(Path file, String content, String perms) throws IOException {
    Path tmp = Files.createTempFile(file.getParent(), ".tmp-", ".pem", PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString(perms)));
    Files.writeString(tmp, content, StandardCharsets.US_ASCII);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
  }

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }
}
