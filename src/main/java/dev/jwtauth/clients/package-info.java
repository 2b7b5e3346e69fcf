/**
 * OAuth 2 clients (client_credentials, the authorization code flow, event-bus issuance): their
 * table, secret hashes (none for a public client), roles and scopes, RFC 7591 metadata (redirect
 * URIs, grant types, token endpoint authentication method), and what a client may be. Start at {@link dev.jwtauth.clients.ClientRepository}; the
 * rules shared by the API, the bus and the CLI are {@link dev.jwtauth.clients.ClientRules}.
 */
package dev.jwtauth.clients;
