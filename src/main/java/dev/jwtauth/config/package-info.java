/**
 * Settings: the defaults, conf/config.json and the environment merged, then validated once into an
 * immutable record. Start at {@link dev.jwtauth.config.AppConfig}; loading is {@link dev.jwtauth.config.ConfigLoader}.
 */
package dev.jwtauth.config;
