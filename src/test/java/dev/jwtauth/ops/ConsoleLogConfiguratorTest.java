package dev.jwtauth.ops;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.core.ConsoleAppender;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

import static org.assertj.core.api.Assertions.assertThat;

/** The console log set up in code: what logback.xml said before. */
class ConsoleLogConfiguratorTest {
  @Test
  @DisplayName("one console appender with the server's pattern; LOG_LEVEL for the root, INFO when absent or not a level; noisy libraries quieter")
  void consoleSetUp() {
    LoggerContext context = new LoggerContext();
    ConsoleLogConfigurator.configureConsole(context, "DEBUG");
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    assertThat(root.getLevel()).isEqualTo(Level.DEBUG);
    var appender = (ConsoleAppender<?>) root.getAppender("STDOUT");
    assertThat(appender.isStarted()).isTrue();
    assertThat(((PatternLayoutEncoder) appender.getEncoder()).getPattern()).isEqualTo(ConsoleLogConfigurator.PATTERN);
    assertThat(context.getLogger("io.netty").getLevel()).isEqualTo(Level.WARN);
    assertThat(context.getLogger("com.hazelcast").getLevel()).isEqualTo(Level.WARN);
    assertThat(context.getLogger("io.micrometer.core.instrument.MeterRegistry").getLevel()).isEqualTo(Level.ERROR);

    LoggerContext fallback = new LoggerContext();
    ConsoleLogConfigurator.configureConsole(fallback, "no-such-level");
    assertThat(fallback.getLogger(Logger.ROOT_LOGGER_NAME).getLevel()).isEqualTo(Level.INFO);
    LoggerContext unset = new LoggerContext();
    ConsoleLogConfigurator.configureConsole(unset, null);
    assertThat(unset.getLogger(Logger.ROOT_LOGGER_NAME).getLevel()).isEqualTo(Level.INFO);
  }

  @Test
  @DisplayName("an XML configuration wins when one is on the class path (the tests' logback-test.xml)")
  void xmlWins() {
    ConsoleLogConfigurator configurator = new ConsoleLogConfigurator();
    LoggerContext context = new LoggerContext();
    configurator.setContext(context);
    assertThat(configurator.configure(context)).isEqualTo(ch.qos.logback.classic.spi.Configurator.ExecutionStatus.INVOKE_NEXT_IF_ANY);
    assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDOUT")).isNull();
  }
}
