package dev.jwtauth.config;

/**
 * A setting or an environment problem that stops start-up. Its message is one sentence for the
 * operator, naming the setting; the launcher prints it without a stack trace.
 */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
