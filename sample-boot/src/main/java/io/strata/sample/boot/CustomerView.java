package io.strata.sample.boot;

/** What the service answers (and caches, as JSON in Redis). */
public record CustomerView(long id, String name) {}
