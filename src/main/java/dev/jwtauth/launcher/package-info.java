/**
 * Start-up and the command line: settings, database, migrations, the verticles of the configured
 * roles, the cluster. Start at {@link dev.jwtauth.launcher.Main}, then {@link dev.jwtauth.launcher.App}.
 */
package dev.jwtauth.launcher;
