/**
 * The admin console served by the auth origin at /console. Start at
 * {@link dev.jwtauth.console.ConsolePage}; its files are in src/main/resources/console/.
 */
package dev.jwtauth.console;
