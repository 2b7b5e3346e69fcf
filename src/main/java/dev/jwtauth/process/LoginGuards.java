package dev.jwtauth.process;

import dev.jwtauth.config.AppConfig;
import dev.jwtauth.http.AttemptGate;
import dev.jwtauth.http.AttemptLimiter;
import dev.jwtauth.http.ClientAddress;
import dev.jwtauth.users.HashQueue;
import dev.jwtauth.users.LockoutPolicy;

import java.time.Duration;

/**
 * The in-memory state of login limits, one per process and shared by its issuer verticle
 * instances: the per-address failure count ({@code LOGIN_IP_LIMIT}), the gate on attempts in
 * flight, the bounded hash queue, and how a request's client address is found. The per-pair
 * failures and the account-wide budget live in PostgreSQL ({@code LoginFailures}), so they hold
 * across restarts, across the auth processes of a cluster, and the command line can clear them.
 */
public record LoginGuards(AttemptLimiter perAddress, AttemptGate gate, HashQueue hashQueue,
                          ClientAddress clientAddress, LockoutPolicy policy) {

  public static LoginGuards of(AppConfig cfg) {
    return new LoginGuards(new AttemptLimiter(cfg.loginIpLimit(), Duration.ofMinutes(1)), new AttemptGate(),
        new HashQueue(cfg.effectiveHashQueueMax()), new ClientAddress(cfg.trustedProxies()), LockoutPolicy.of(cfg));
  }
}
