package dev.jwtauth.mfa;

import dev.jwtauth.config.ConfigException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Set;
import java.util.UUID;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The key that encrypts TOTP secrets at rest: {@code KEYS_DIR/totp.key}, 32 random bytes, made
 * with mode 0600 on the first start. Secrets are sealed with AES-256-GCM, a random 96-bit nonce
 * each (NIST SP 800-38D §8.2.2; a key seals far fewer than 2^32 secrets), and the owner's user id
 * as associated data, so a sealed secret copied onto another user's row does not open. A sealed
 * secret is {@code nonce || ciphertext || tag}. The key is never logged.
 */
public final class TotpKey {
  /** The file name under {@code KEYS_DIR}. */
  public static final String FILE = "totp.key";
  private static final int KEY_BYTES = 32;
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final SecretKey key;

  TotpKey(byte[] key) {
    this.key = new SecretKeySpec(key, "AES");
  }

  /**
   * Reads {@code keysDir/totp.key}, or makes it (0600) when it is missing. Blocking: call from
   * the launcher's thread.
   *
   * @throws ConfigException with one sentence when the file cannot be read, made, or is not 32 bytes
   */
  public static TotpKey loadOrCreate(Path keysDir) {
    Path file = keysDir.resolve(FILE);
    try {
      if (!Files.exists(file)) {
        Files.createDirectories(keysDir);
        byte[] fresh = new byte[KEY_BYTES];
        RANDOM.nextBytes(fresh);
        try {
          write(file, fresh);
          return new TotpKey(fresh);
        } catch (FileAlreadyExistsException raced) {
          // another process of the same KEYS_DIR made it first: use theirs
        }
      }
      byte[] bytes = Files.readAllBytes(file);
      if (bytes.length != KEY_BYTES) {
        throw new ConfigException("KEYS_DIR holds " + file.toAbsolutePath() + ", which must be exactly " + KEY_BYTES
            + " bytes (the TOTP secrets' key) but has " + bytes.length + ".");
      }
      return new TotpKey(bytes);
    } catch (IOException e) {
      throw new ConfigException("KEYS_DIR's TOTP key " + file.toAbsolutePath() + " cannot be read or made ("
          + e.getClass().getSimpleName() + ").");
    }
  }

  private static void write(Path file, byte[] key) throws IOException {
    Set<PosixFilePermission> ownerOnly = PosixFilePermissions.fromString("rw-------");
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(ownerOnly));
    } catch (UnsupportedOperationException notPosix) {
      Files.createFile(file);
    }
    Files.write(file, key, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
  }

  /** Encrypts {@code secret} for {@code owner}: nonce || ciphertext || tag. */
  public byte[] seal(UUID owner, byte[] secret) {
    byte[] nonce = new byte[NONCE_BYTES];
    RANDOM.nextBytes(nonce);
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      c.updateAAD(aad(owner));
      byte[] sealed = c.doFinal(secret);
      return ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed).array();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM failed", e);
    }
  }

  /**
   * Decrypts a sealed secret of {@code owner}.
   *
   * @throws IllegalStateException when it does not open (another key, another owner, altered bytes)
   */
  public byte[] open(UUID owner, byte[] sealed) {
    if (sealed.length <= NONCE_BYTES) {
      throw new IllegalStateException("sealed TOTP secret too short");
    }
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, Arrays.copyOfRange(sealed, 0, NONCE_BYTES)));
      c.updateAAD(aad(owner));
      return c.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the TOTP secret does not decrypt with this key", e);
    }
  }

  private static byte[] aad(UUID owner) {
    return owner.toString().getBytes(StandardCharsets.US_ASCII);
  }

  @Override
  public String toString() {
    return "TotpKey[redacted]";
  }
}
