package dev.facta.projection;

/**
 * Where a projection version stands. {@code BUILDING}: a new version catching up beside the
 * active one; {@code ACTIVE}: the version queries are served from; {@code RETIRED}: replaced by a
 * newer version, no longer processed.
 */
public enum ProjectionState { BUILDING, ACTIVE, RETIRED }
