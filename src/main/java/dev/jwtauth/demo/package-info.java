/**
 * The browser demo page served by the auth origin at /demo. Start at {@link dev.jwtauth.demo.DemoPage};
 * its files are in src/main/resources/demo/.
 */
package dev.jwtauth.demo;
