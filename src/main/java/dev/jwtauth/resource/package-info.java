/**
 * The resource origin: /api/* protected by locally verified bearer tokens. Start at
 * {@link dev.jwtauth.resource.ResourceVerticle}.
 */
package dev.jwtauth.resource;
