package dev.facta.server;

import dev.facta.store.RecordedEvent;

import java.util.List;

/**
 * How the admin UI's time-travel view shows the state of one category's streams (an aggregate
 * type) at a chosen version. The server knows no domain: applications register a view per
 * category that folds the events with their own code (a decider's evolve, an aggregate root's
 * apply); categories without one are shown with a generic fold that merges each event's JSON data
 * into the state.
 */
public interface StateView {

    /** The category it renders, e.g. {@code order} for streams {@code order-*}. */
    String category();

    /** The state after the given events (oldest first, versions 0..n), as one JSON value. */
    String render(List<RecordedEvent> events);
}
