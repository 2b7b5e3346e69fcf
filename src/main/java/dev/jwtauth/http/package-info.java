/**
 * What both HTTP origins share: server options, security headers, CORS, JSON bodies, the error
 * format and failure handler, the bearer challenge, role checks and the OpenAPI document. Start at
 * {@link dev.jwtauth.http.Servers}, then {@link dev.jwtauth.http.Responses}.
 */
package dev.jwtauth.http;
