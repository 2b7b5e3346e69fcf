/**
 * Operations: readiness, metrics, the audit trail and the JSON log format. Start at
 * {@link dev.jwtauth.ops.Readiness} and {@link dev.jwtauth.ops.Metrics}.
 */
package dev.jwtauth.ops;
