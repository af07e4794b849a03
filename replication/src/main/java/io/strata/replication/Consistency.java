package io.strata.replication;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * How fresh a read must be. Settable per data source
 * ({@link ReplicaSetDataSourceBuilder#consistency}), per connection
 * ({@link ReplicaSetConnection#setConsistency}), per scope
 * ({@link ReplicaSetDataSource#withConsistency}) and per statement by an SQL comment hint
 * {@code /* strata:consistency=strong *}{@code /}.
 *
 * <ul>
 *   <li>{@link #EVENTUAL}: any replica whose lag is within the set's
 *       {@linkplain ReplicaSetDataSourceBuilder#maxLag max lag};</li>
 *   <li>{@link #boundedStaleness(Duration)}: a replica whose time lag is at most the bound;</li>
 *   <li>{@link #READ_YOUR_WRITES}: a replica whose replay LSN has reached the connection's
 *       {@link ConsistencyToken} for this set (and within max lag);</li>
 *   <li>{@link #STRONG}: the primary.</li>
 * </ul>
 */
public final class Consistency {

    /** The kinds of consistency. */
    public enum Level {
        EVENTUAL,
        BOUNDED_STALENESS,
        READ_YOUR_WRITES,
        STRONG
    }

    /** Any replica within the set's max lag. */
    public static final Consistency EVENTUAL = new Consistency(Level.EVENTUAL, null);
    /** A replica that has replayed this session's commits (see {@link ConsistencyToken}). */
    public static final Consistency READ_YOUR_WRITES = new Consistency(Level.READ_YOUR_WRITES, null);
    /** The primary. */
    public static final Consistency STRONG = new Consistency(Level.STRONG, null);

    private static final Pattern BOUNDED = Pattern.compile("bounded_staleness\\(\\s*(\\d+)\\s*(ms|s)\\s*\\)");

    private final Level level;
    private final @Nullable Duration maxStaleness;

    private Consistency(Level level, @Nullable Duration maxStaleness) {
        this.level = level;
        this.maxStaleness = maxStaleness;
    }

    /**
     * A replica whose time lag is at most {@code maxStaleness}. The lag monitor observes replicas
     * every poll interval, so bounds below the poll interval mostly send reads to the primary.
     */
    public static Consistency boundedStaleness(Duration maxStaleness) {
        Objects.requireNonNull(maxStaleness, "maxStaleness");
        if (maxStaleness.isNegative() || maxStaleness.isZero()) {
            throw new IllegalArgumentException("maxStaleness must be positive, was " + maxStaleness);
        }
        return new Consistency(Level.BOUNDED_STALENESS, maxStaleness);
    }

    /** The kind. */
    public Level level() {
        return level;
    }

    /** The bound of {@link Level#BOUNDED_STALENESS}; empty for the other levels. */
    public Optional<Duration> maxStaleness() {
        return Optional.ofNullable(maxStaleness);
    }

    /**
     * Parses the hint form: {@code eventual}, {@code read_your_writes}, {@code strong},
     * {@code bounded_staleness(500ms)} or {@code bounded_staleness(2s)} (case-insensitive).
     *
     * @throws IllegalArgumentException naming the value when it is none of these
     */
    public static Consistency parse(String text) {
        Objects.requireNonNull(text, "text");
        String t = text.trim().toLowerCase(Locale.ROOT);
        switch (t) {
            case "eventual":
                return EVENTUAL;
            case "read_your_writes":
                return READ_YOUR_WRITES;
            case "strong":
                return STRONG;
            default:
                Matcher m = BOUNDED.matcher(t);
                if (m.matches()) {
                    long n = Long.parseLong(m.group(1));
                    return boundedStaleness(m.group(2).equals("ms") ? Duration.ofMillis(n) : Duration.ofSeconds(n));
                }
                throw new IllegalArgumentException("consistency must be one of eventual, read_your_writes, strong, "
                        + "bounded_staleness(<n>ms|<n>s), was '" + text + "'");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Consistency c && c.level == level && Objects.equals(c.maxStaleness, maxStaleness);
    }

    @Override
    public int hashCode() {
        return Objects.hash(level, maxStaleness);
    }

    /** The hint form, readable by {@link #parse}. */
    @Override
    public String toString() {
        return level == Level.BOUNDED_STALENESS
                ? "bounded_staleness(" + Objects.requireNonNull(maxStaleness).toMillis() + "ms)"
                : level.name().toLowerCase(Locale.ROOT);
    }
}
