package dev.jwtauth.launcher;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.util.List;

/**
 * A container health check that needs nothing but the JRE of the image (no curl, no shell):
 * {@code java -cp /app/jwt-auth-server.jar dev.jwtauth.launcher.Probe http://127.0.0.1:9000/health http://127.0.0.1:9000/ready}
 * exits 0 when every URL answers 200 within 2 s, else 1, and prints each status (Docker keeps the
 * output of its health checks). It loads no Vert.x, reads no configuration and starts in a fraction
 * of a second, so a compose {@code healthcheck} can run it every few seconds.
 */
public final class Probe {
  private static final int TIMEOUT_MILLIS = 2_000;

  private Probe() {
  }

  public static void main(String[] args) {
    List<String> urls = args.length > 0 ? List.of(args) : List.of("http://127.0.0.1:9000/ready");
    boolean ok = true;
    for (String url : urls) {
      int status = status(url);
      System.out.println(url + " " + (status < 0 ? "no answer" : status));
      ok &= status == 200;
    }
    System.exit(ok ? 0 : 1);
  }

  /** The HTTP status of {@code GET url}, or -1 when nothing answers in time. */
  static int status(String url) {
    try {
      HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
      c.setConnectTimeout(TIMEOUT_MILLIS);
      c.setReadTimeout(TIMEOUT_MILLIS);
      c.setInstanceFollowRedirects(false);
      int status = c.getResponseCode();
      c.disconnect();
      return status;
    } catch (IOException | IllegalArgumentException e) {
      return -1;
    }
  }
}
