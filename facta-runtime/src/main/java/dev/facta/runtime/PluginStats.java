package dev.facta.runtime;

/**
 * What a plugin did since it was loaded: events it published and received, calls it served and
 * made, its errors (failed or timed-out calls it served, handlers that threw, failed starts and
 * health checks) and how often it was restarted (after failures or by an operator).
 */
public record PluginStats(long eventsPublished, long eventsReceived, long callsServed, long callsMade, long errors, long restarts) {
}
