/**
 * The browser demo page served by the auth origin at /demo. Start at {@link dev.jwtauth.demo.DemoPage};
 * its files are in src/main/resources/demo/. {@link dev.jwtauth.demo.DemoClient} registers the public
 * client of its code flow (setting DEMO_CLIENT).
 */
package dev.jwtauth.demo;
