/**
 * What a process owns once, however many verticle instances it runs (revocations, the verified-token
 * cache, the password hasher, the attempt limiter, audit storage). Start at
 * {@link dev.jwtauth.process.ProcessServices}.
 */
package dev.jwtauth.process;
