package dev.jwtauth.bus;

import dev.jwtauth.config.ConfigException;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;

/**
 * The credentials of one cluster, kept in a folder that every member has a copy of
 * ({@code CLUSTER_CREDENTIALS}): a random 256-bit secret and a self-signed member certificate
 * with its EC P-256 key. The secret names the Hazelcast cluster (a process that does not hold it
 * forms no cluster with us) and keys the seal on published key sets ({@link KeySetSeal}); the
 * certificate authenticates both ends of every event-bus connection (TLS, client auth required,
 * trusting that certificate only).
 */
public final class ClusterCredentials {
  public static final String SECRET_FILE = "cluster.secret";
  public static final String CERT_FILE = "member.crt.pem";
  public static final String KEY_FILE = "member.key.pem";
  static final List<String> FILES = List.of(SECRET_FILE, CERT_FILE, KEY_FILE);
  private static final Duration VALIDITY = Duration.ofDays(36_500);

  private final Path dir;
  private final byte[] secret;

  private ClusterCredentials(Path dir, byte[] secret) {
    this.dir = dir;
    this.secret = secret;
  }

  /**
   * Creates the credentials of a new cluster in {@code dir} (created 0700 when missing; each file
   * 0600, created exclusively).
   *
   * @throws ConfigException when {@code dir} already holds credentials, or cannot be written
   */
  public static ClusterCredentials create(Path dir) {
    for (String f : FILES) {
      if (Files.exists(dir.resolve(f))) {
        throw new ConfigException(dir.toAbsolutePath() + " already holds cluster credentials (" + f
            + "); refusing to overwrite them: choose an empty folder.");
      }
    }
    try {
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
      SecureRandom random = new SecureRandom();
      byte[] secret = new byte[32];
      random.nextBytes(secret);
      KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
      gen.initialize(new ECGenParameterSpec("secp256r1"), random);
      KeyPair pair = gen.generateKeyPair();
      X500Name name = new X500Name("CN=jwt-auth-server cluster member");
      Instant now = Instant.now();
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, new BigInteger(128, random),
          Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(VALIDITY)), name, pair.getPublic());
      X509Certificate cert = new JcaX509CertificateConverter()
          .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
      writeExclusive(dir.resolve(SECRET_FILE), Base64.getEncoder().encodeToString(secret) + "\n");
      writeExclusive(dir.resolve(KEY_FILE), pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
      writeExclusive(dir.resolve(CERT_FILE), pem("CERTIFICATE", cert.getEncoded()));
      return new ClusterCredentials(dir, secret);
    } catch (FileAlreadyExistsException e) {
      throw new ConfigException(dir.toAbsolutePath() + " already holds cluster credentials (" + e.getFile()
          + "); refusing to overwrite them: choose an empty folder.", e);
    } catch (IOException e) {
      throw new ConfigException("Cannot write cluster credentials to " + dir.toAbsolutePath() + " (" + e.getMessage() + ").", e);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("cannot generate the cluster credentials", e);
    }
  }

  /**
   * Reads and checks the credentials in {@code dir} (the {@code CLUSTER_CREDENTIALS} folder).
   *
   * @throws ConfigException naming CLUSTER_CREDENTIALS and the missing or unreadable file
   */
  public static ClusterCredentials load(Path dir) {
    for (String f : FILES) {
      if (!Files.isReadable(dir.resolve(f))) {
        throw new ConfigException("CLUSTER_CREDENTIALS names " + dir.toAbsolutePath() + ", which has no readable " + f
            + "; make the folder with 'java -jar jwt-auth-server.jar cluster credentials DIR' and give every member a copy.");
      }
    }
    byte[] secret;
    try {
      secret = Base64.getDecoder().decode(Files.readString(dir.resolve(SECRET_FILE)).trim());
      CertificateFactory.getInstance("X.509").generateCertificate(
          new java.io.ByteArrayInputStream(Files.readAllBytes(dir.resolve(CERT_FILE))));
      KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(pemBody(Files.readString(dir.resolve(KEY_FILE)))));
    } catch (IOException e) {
      throw new ConfigException("CLUSTER_CREDENTIALS: cannot read " + dir.toAbsolutePath() + " (" + e.getMessage() + ").", e);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new ConfigException("CLUSTER_CREDENTIALS names " + dir.toAbsolutePath()
          + ", whose files are not valid cluster credentials (" + e.getMessage() + ").", e);
    }
    if (secret.length < 32) {
      throw new ConfigException("CLUSTER_CREDENTIALS names " + dir.toAbsolutePath() + ", whose " + SECRET_FILE
          + " holds fewer than 256 bits.");
    }
    return new ClusterCredentials(dir, secret);
  }

  /**
   * The Hazelcast cluster name: {@code jwt-auth-server-} and 32 hex digits of
   * HMAC-SHA256(secret, "hazelcast-cluster-name"). It identifies the cluster without revealing the
   * secret, and differs for every set of credentials.
   */
  public String clusterName() {
    return "jwt-auth-server-" + HexFormat.of().formatHex(derive("hazelcast-cluster-name")).substring(0, 32);
  }

  /** A 256-bit key for {@code purpose}, derived from the secret (HMAC-SHA256(secret, purpose)). */
  byte[] derive(String purpose) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return mac.doFinal(purpose.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Makes the clustered event bus mutually authenticated: TLS on every connection, our member
   * certificate presented on both sides, only that certificate trusted, a client certificate
   * required. (Vert.x turns hostname verification off for bus connections itself: members are
   * addressed by IP.)
   */
  public EventBusOptions secure(EventBusOptions options) {
    String cert = dir.resolve(CERT_FILE).toAbsolutePath().toString();
    return options.setSsl(true)
        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(cert)
            .setKeyPath(dir.resolve(KEY_FILE).toAbsolutePath().toString()))
        .setTrustOptions(new PemTrustOptions().addCertPath(cert))
        .setClientAuth(ClientAuth.REQUIRED);
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  private static byte[] pemBody(String pem) {
    return Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
  }

  private static void writeExclusive(Path file, String content) throws IOException {
    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(file, content);
  }
}
