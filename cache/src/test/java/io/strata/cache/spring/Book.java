package io.strata.cache.spring;

/** A book; {@code revision} counts how often the backend produced it. */
public record Book(String isbn, String title, boolean hardback, int revision) {}
