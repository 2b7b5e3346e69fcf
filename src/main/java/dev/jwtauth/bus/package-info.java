/**
 * The event bus and who may use it: every address and its JSON body ({@link dev.jwtauth.bus.Addresses},
 * start there), the one failure model of bus replies ({@link dev.jwtauth.bus.BusErrors}), and the
 * cluster's trust: the credentials that let a member join and speak mutual TLS
 * ({@link dev.jwtauth.bus.ClusterCredentials}) and the seal on published key sets
 * ({@link dev.jwtauth.bus.KeySetSeal}). The consumers live with their capability (issuer, keys, process).
 */
package dev.jwtauth.bus;
