package dev.jwtauth.tokens;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("SessionIds: a family UUID as a 22-character base64url sid, and back; anything else is not ours")
class SessionIdsTest {

  @Test
  @DisplayName("a sid is 22 URL-safe characters and turns back into the same family id")
  void roundTrip() {
    for (UUID family : new UUID[] {new UUID(0, 0), new UUID(-1, -1), new UUID(Long.MIN_VALUE, Long.MAX_VALUE),
        UUID.fromString("123e4567-e89b-12d3-a456-426614174000")}) {
      String sid = SessionIds.of(family);
      assertThat(sid).hasSize(22).matches("[A-Za-z0-9_-]{22}");
      assertThat(SessionIds.family(sid)).isEqualTo(family);
    }
  }

  @Test
  @DisplayName("distinct families get distinct sids")
  void distinct() {
    Set<String> sids = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      UUID family = UUID.randomUUID();
      String sid = SessionIds.of(family);
      assertThat(SessionIds.family(sid)).isEqualTo(family);
      sids.add(sid);
    }
    assertThat(sids).hasSize(10_000);
  }

  @ParameterizedTest(name = "\"{0}\"")
  @ValueSource(strings = {"", "AAAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAAAAA", "!!!!!!!!!!!!!!!!!!!!!!",
      "AAAAAAAAAAAAAAAAAAAA==", "AAAAAAAAAAAAAAAAAAAA+/", "123e4567-e89b-12d3-a456-426614174000"})
  @DisplayName("a sid of the wrong length, with non-base64url characters, or a plain UUID is not ours: null")
  void notOurs(String sid) {
    assertThat(SessionIds.family(sid)).isNull();
  }

  @Test
  @DisplayName("a missing sid is not ours: null")
  void nullSid() {
    assertThat(SessionIds.family(null)).isNull();
  }
}
