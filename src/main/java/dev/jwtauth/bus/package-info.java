/**
 * The event-bus contract: every address and its JSON body, in one place. Start at
 * {@link dev.jwtauth.bus.Addresses}; the consumers live with their capability (issuer, jwks, ops).
 */
package dev.jwtauth.bus;
