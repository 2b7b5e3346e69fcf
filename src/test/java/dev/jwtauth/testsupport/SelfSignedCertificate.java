package dev.jwtauth.testsupport;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.Map;

/** A self-signed certificate for TLS tests, as the PEM files TLS_CERT_FILE and TLS_KEY_FILE name. */
public record SelfSignedCertificate(Path certFile, Path keyFile) {

  /** Writes a new certificate and key into a fresh directory under {@code target/tmp}. */
  public static SelfSignedCertificate create(String dirPrefix) {
    Path dir = TestServer.tempDir(dirPrefix);
    SelfSignedCertificate c = new SelfSignedCertificate(dir.resolve("server.crt.pem"), dir.resolve("server.key.pem"));
    try {
      write(c.certFile(), c.keyFile());
    } catch (Exception e) {
      throw new IllegalStateException("cannot make a self-signed certificate", e);
    }
    return c;
  }

  /** A self-signed RSA certificate for localhost and 127.0.0.1, and its key (PKCS #8), as PEM. */
  public static void write(Path cert, Path key) throws Exception {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
    gen.initialize(2048);
    KeyPair pair = gen.generateKeyPair();
    X500Name name = new X500Name("CN=localhost");
    Instant now = Instant.now();
    var builder = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now.toEpochMilli()),
        Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(1))), name, pair.getPublic());
    builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
        new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
    byte[] der = builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(pair.getPrivate())).getEncoded();
    Files.writeString(cert, pem("CERTIFICATE", der));
    Files.writeString(key, pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  /** The TLS settings for this certificate. */
  public Map<String, Object> settings() {
    return Map.of("TLS_CERT_FILE", certFile.toString(), "TLS_KEY_FILE", keyFile.toString());
  }
}
