/**
 * The event-bus contract: every address and its JSON body ({@link dev.jwtauth.bus.Addresses}, start
 * there) and the one failure model of bus replies ({@link dev.jwtauth.bus.BusErrors}). The consumers
 * live with their capability (issuer, jwks, ops).
 */
package dev.jwtauth.bus;
