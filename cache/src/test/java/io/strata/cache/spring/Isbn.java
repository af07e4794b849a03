package io.strata.cache.spring;

import java.util.Objects;

/** An ISBN as Spring's cache documentation uses it: a raw number and where it was read from. */
public final class Isbn {

    private final String rawNumber;
    private final String source;

    public Isbn(String rawNumber, String source) {
        this.rawNumber = rawNumber;
        this.source = source;
    }

    public static Isbn of(String rawNumber) {
        return new Isbn(rawNumber, "catalog");
    }

    public String getRawNumber() {
        return rawNumber;
    }

    public String getSource() {
        return source;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Isbn i && i.rawNumber.equals(rawNumber) && i.source.equals(source);
    }

    @Override
    public int hashCode() {
        return Objects.hash(rawNumber, source);
    }

    @Override
    public String toString() {
        return rawNumber + "@" + source;
    }
}
