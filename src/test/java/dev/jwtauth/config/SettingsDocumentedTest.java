package dev.jwtauth.config;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Every setting has a default in conf/config.json and a row in the README")
class SettingsDocumentedTest {

  @Test
  @DisplayName("AppConfig.KEYS, conf/config.json and the README's table agree")
  void documented() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    var defaults = ConfigLoader.defaults();
    assertThat(defaults.fieldNames()).containsExactlyInAnyOrderElementsOf(AppConfig.KEYS);
    for (String key : AppConfig.KEYS) {
      assertThat(readme).as("README row for " + key).containsPattern("\\| (`[A-Z_]+` / )?`" + key + "`( / `[A-Z_]+`)? \\|");
    }
    AppConfig.from(defaults);
  }
}
