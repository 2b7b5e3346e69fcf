/**
 * OAuth 2 clients (client_credentials): their table, secret hashes, roles and scopes. Start at
 * {@link dev.jwtauth.clients.ClientRepository}.
 */
package dev.jwtauth.clients;
