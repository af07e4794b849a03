package io.strata.router;

import io.strata.replication.Consistency;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Explicit routing for the statements the current thread runs while the hint is open, for SQL that
 * alone cannot say where it belongs (a statement the parser cannot read, a keyless statement that
 * should reach one shard) and to choose the read consistency. Hints nest; the innermost one that
 * sets a property wins, and closing restores the enclosing hint.
 *
 * <pre>{@code
 * try (ShardHint hint = ShardHint.shard("shard2")) {
 *     statement.execute("DO $$ BEGIN PERFORM refresh_stats(); END $$");   // runs on shard2
 * }
 * try (ShardHint hint = ShardHint.consistency(Consistency.STRONG)) {
 *     ... reads on every shard go to the primaries ...
 * }
 * }</pre>
 *
 * <p>The same can be said per statement with an SQL comment:
 * {@code /* strata: shard=shard2 consistency=strong staleness=2s *}{@code /}. A hint never sends a
 * key-routed statement to a shard other than its key's: that is refused.
 */
public final class ShardHint implements AutoCloseable {

    private static final ThreadLocal<Deque<ShardHint>> HINTS = ThreadLocal.withInitial(ArrayDeque::new);

    private final @Nullable String shard;
    private final @Nullable Consistency consistency;
    private final Thread owner;
    private boolean closed;

    private ShardHint(@Nullable String shard, @Nullable Consistency consistency) {
        this.shard = shard;
        this.consistency = consistency;
        this.owner = Thread.currentThread();
        HINTS.get().push(this);
    }

    /** Routes this thread's statements to the named shard until closed. */
    public static ShardHint shard(String shard) {
        if (shard == null || shard.isBlank()) {
            throw new IllegalArgumentException("shard cannot be null or blank but was '" + shard + "'");
        }
        return new ShardHint(shard, null);
    }

    /** Reads on this thread use {@code consistency} on every shard until closed. */
    public static ShardHint consistency(Consistency consistency) {
        Objects.requireNonNull(consistency, "consistency cannot be null");
        return new ShardHint(null, consistency);
    }

    /** Both a shard and a consistency. */
    public static ShardHint of(String shard, Consistency consistency) {
        if (shard == null || shard.isBlank()) {
            throw new IllegalArgumentException("shard cannot be null or blank but was '" + shard + "'");
        }
        Objects.requireNonNull(consistency, "consistency cannot be null");
        return new ShardHint(shard, consistency);
    }

    /** The shard the innermost open hint on this thread names, if any. */
    public static Optional<String> currentShard() {
        Deque<ShardHint> hints = HINTS.get();
        if (hints.isEmpty()) {
            return Optional.empty(); // the common case, without an iterator
        }
        for (ShardHint h : hints) {
            if (h.shard != null) {
                return Optional.of(h.shard);
            }
        }
        return Optional.empty();
    }

    /** The consistency the innermost open hint on this thread sets, if any. */
    public static Optional<Consistency> currentConsistency() {
        Deque<ShardHint> hints = HINTS.get();
        if (hints.isEmpty()) {
            return Optional.empty(); // the common case, without an iterator
        }
        for (ShardHint h : hints) {
            if (h.consistency != null) {
                return Optional.of(h.consistency);
            }
        }
        return Optional.empty();
    }

    /** The shard this hint names, if any. */
    public Optional<String> shardName() {
        return Optional.ofNullable(shard);
    }

    /** The consistency this hint sets, if any. */
    public Optional<Consistency> readConsistency() {
        return Optional.ofNullable(consistency);
    }

    /** Ends the hint. Must be called on the thread that opened it; closing twice is harmless. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("a ShardHint must be closed on the thread that opened it");
        }
        closed = true;
        Deque<ShardHint> stack = HINTS.get();
        stack.remove(this);
        if (stack.isEmpty()) {
            HINTS.remove();
        }
    }

    @Override
    public String toString() {
        return "ShardHint{shard=" + shard + ", consistency=" + consistency + "}";
    }
}
