package io.strata.cache;

/** A value for tests. */
public record Item(String name, long revision) {}
