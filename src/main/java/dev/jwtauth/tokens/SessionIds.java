package dev.jwtauth.tokens;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.UUID;

/**
 * The {@code sid} claim: a session (refresh family) id written as 22 base64url characters instead
 * of a 36-character UUID, to keep every access token lean. The database keeps the UUID.
 */
public final class SessionIds {
  private SessionIds() {
  }

  /** The compact form of a family id, as carried in tokens and revocations. */
  public static String of(UUID family) {
    ByteBuffer b = ByteBuffer.allocate(16).putLong(family.getMostSignificantBits()).putLong(family.getLeastSignificantBits());
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
  }

  /** The family id of a {@code sid}, or null when it is not one of ours. */
  public static UUID family(String sid) {
    if (sid == null || sid.length() != 22) {
      return null;
    }
    try {
      ByteBuffer b = ByteBuffer.wrap(Base64.getUrlDecoder().decode(sid));
      return new UUID(b.getLong(), b.getLong());
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
