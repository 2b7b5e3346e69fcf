/**
 * OAuth 2 clients (client_credentials and event-bus issuance): their table, secret hashes, roles
 * and scopes, and what a client may be. Start at {@link dev.jwtauth.clients.ClientRepository}; the
 * rules shared by the API, the bus and the CLI are {@link dev.jwtauth.clients.ClientRules}.
 */
package dev.jwtauth.clients;
