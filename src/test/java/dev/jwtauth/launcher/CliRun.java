package dev.jwtauth.launcher;

import dev.jwtauth.config.AppConfig;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One run of the command line in the test's JVM, against a server's settings: its exit code and
 * what it printed on stdout.
 *
 * @param code the exit code (0 ok, 2 failure, 64 usage)
 * @param out  stdout
 */
record CliRun(int code, String out) {

  /** Runs {@code args} with {@code stdin} as the input (passwords) against {@code config}. */
  static CliRun of(AppConfig config, String stdin, String... args) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int code = new Cli(config, new PrintStream(bytes, true, StandardCharsets.UTF_8),
        new BufferedReader(new StringReader(stdin))).run(List.of(args));
    return new CliRun(code, bytes.toString(StandardCharsets.UTF_8));
  }

  /** The value printed after {@code key=} (e.g. {@code client_secret}), up to the first space. */
  String value(String key) {
    return out.lines().filter(l -> l.startsWith(key + "=")).findFirst().orElseThrow()
        .substring(key.length() + 1).split(" ")[0];
  }
}
