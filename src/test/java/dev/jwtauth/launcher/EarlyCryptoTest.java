package dev.jwtauth.launcher;

import dev.jwtauth.keys.CryptoProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

@DisplayName("The crypto provider chosen at the top of main is used only for the setting the configuration then gives")
class EarlyCryptoTest {
  @TempDir
  Path dir;

  @BeforeEach
  void noEnvironmentSetting() {
    // these cases read the file and the packaged default; an exported CRYPTO_PROVIDER would decide instead
    assumeTrue(System.getenv("CRYPTO_PROVIDER") == null, "CRYPTO_PROVIDER is set in this environment");
  }

  @AfterEach
  void back() {
    // what the other tests expect: the JDK's list with the native provider in front when it loads
    EarlyCrypto.selection("auto").await();
  }

  @Test
  @DisplayName("a file saying jca: nothing native is loaded early, and the selection is the JDK's")
  void fileSaysJca() throws Exception {
    CryptoProvider.select("jca");
    Path conf = dir.resolve("config.json");
    Files.writeString(conf, "{\"CRYPTO_PROVIDER\": \"jca\"}");
    EarlyCrypto.start(conf);
    assertThat(EarlyCrypto.pending()).isNull();
    assertThat(Security.getProvider(CryptoProvider.NATIVE_NAME)).isNull();
    CryptoProvider chosen = EarlyCrypto.selection("jca").await();
    assertThat(chosen.isNative()).isFalse();
    assertThat(chosen.reason()).isEqualTo("CRYPTO_PROVIDER=jca");
  }

  @Test
  @DisplayName("no file: the packaged default (auto) is selected early and handed over for auto")
  void defaultIsAuto() {
    EarlyCrypto.start(dir.resolve("absent.json"));
    assertThat(EarlyCrypto.pending()).isEqualTo("auto");
    CryptoProvider chosen = EarlyCrypto.selection("auto").await();
    assertThat(EarlyCrypto.pending()).isNull();
    assertThat(chosen.reason()).startsWith("CRYPTO_PROVIDER=auto");
    // handed over once: a second start of the server in this JVM selects anew
    assertThat(EarlyCrypto.selection("auto").await().reason()).startsWith("CRYPTO_PROVIDER=auto");
  }

  @Test
  @DisplayName("begun for auto but the configuration says jca (a guess that missed): jca is selected and the native provider leaves the JDK's list")
  void mismatchSelectsAgain() {
    EarlyCrypto.start(dir.resolve("absent.json"));
    assertThat(EarlyCrypto.pending()).isEqualTo("auto");
    CryptoProvider chosen = EarlyCrypto.selection("jca").await();
    assertThat(chosen.isNative()).isFalse();
    assertThat(chosen.reason()).isEqualTo("CRYPTO_PROVIDER=jca");
    assertThat(Security.getProvider(CryptoProvider.NATIVE_NAME)).isNull();
  }

  @Test
  @DisplayName("a file that is not JSON, or a setting that is not text, starts nothing early (the configuration reports it)")
  void unreadableFile() throws Exception {
    CryptoProvider.select("jca");
    for (String text : new String[] {"not json", "{\"CRYPTO_PROVIDER\": 7}", "{\"CRYPTO_PROVIDER\": \"fast\"}"}) {
      Path conf = dir.resolve("config.json");
      Files.writeString(conf, text);
      EarlyCrypto.start(conf);
      assertThat(EarlyCrypto.pending()).as(text).isNull();
      assertThat(Security.getProvider(CryptoProvider.NATIVE_NAME)).as(text).isNull();
      assertThat(EarlyCrypto.selection("jca").await().reason()).as(text).isEqualTo("CRYPTO_PROVIDER=jca");
    }
  }
}
