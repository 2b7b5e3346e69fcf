package dev.jwtauth.config;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("REQUIRE_MFA_ROLES: empty by default, a comma-separated list of role names, anything else stops start-up")
class MfaSettingsTest {

  @Test
  @DisplayName("Default empty; 'admin, ops' is two roles")
  void parsed() {
    assertThat(AppConfig.from(ConfigLoader.defaults()).requireMfaRoles()).isEmpty();
    assertThat(AppConfig.from(ConfigLoader.defaults().put("REQUIRE_MFA_ROLES", "admin, ops")).requireMfaRoles())
        .containsExactly("admin", "ops");
  }

  @Test
  @DisplayName("A name that is not a role name stops start-up with one sentence naming the setting")
  void refused() {
    assertThatThrownBy(() -> AppConfig.from(ConfigLoader.defaults().put("REQUIRE_MFA_ROLES", "admin,Bad Role")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("REQUIRE_MFA_ROLES must list role names").hasMessageContaining("'Bad Role'");
  }
}
