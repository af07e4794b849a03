package io.strata.boot;

import io.strata.replication.ConsistencyToken;
import java.util.Objects;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The consistency token of the unit of work running on the current thread (an HTTP request, a
 * message): connections taken from Strata's {@code DataSource} on this thread require it (their
 * reads under {@code READ_YOUR_WRITES} see every write it covers), and the token of each connection
 * that commits or closes on this thread is merged back into it. {@link ConsistencyTokenFilter} opens
 * one per HTTP request from the request's header, cookie or session and writes the result back;
 * other entry points (a message listener) use {@link #open} themselves:
 *
 * <pre>{@code
 * try (ConsistencyTokenContext.Scope s = context.open(ConsistencyToken.parse(header), t -> reply.setToken(t))) {
 *     service.handle(message);
 * }
 * }</pre>
 *
 * Outside a scope nothing is applied or captured.
 */
public final class ConsistencyTokenContext {

    private final ThreadLocal<@Nullable Scope> current = new ThreadLocal<>();

    /** A context with no scope open on any thread. */
    public ConsistencyTokenContext() {}

    /**
     * Opens a scope on this thread starting from {@code token}; {@code onChange} is called (on this
     * thread) with the merged token each time a connection's token raises it.
     */
    public Scope open(ConsistencyToken token, Consumer<ConsistencyToken> onChange) {
        Objects.requireNonNull(token, "token cannot be null");
        Objects.requireNonNull(onChange, "onChange cannot be null");
        Scope scope = new Scope(current.get(), token, onChange);
        current.set(scope);
        return scope;
    }

    /** The token of this thread's scope, or the empty token outside a scope. */
    public ConsistencyToken current() {
        Scope s = current.get();
        return s == null ? ConsistencyToken.empty() : s.token;
    }

    /** Merges {@code token} (a committed connection's) into this thread's scope, if one is open. */
    public void observe(ConsistencyToken token) {
        Scope s = current.get();
        if (s == null || token.isEmpty()) {
            return;
        }
        ConsistencyToken merged = s.token.merge(token);
        if (!merged.equals(s.token)) {
            s.token = merged;
            s.onChange.accept(merged);
        }
    }

    /** One unit of work's token; closing restores the enclosing scope. */
    public final class Scope implements AutoCloseable {
        private final @Nullable Scope outer;
        private final Consumer<ConsistencyToken> onChange;
        private ConsistencyToken token;

        private Scope(@Nullable Scope outer, ConsistencyToken token, Consumer<ConsistencyToken> onChange) {
            this.outer = outer;
            this.token = token;
            this.onChange = onChange;
        }

        /** The token so far: the one it started from merged with every captured one. */
        public ConsistencyToken token() {
            return token;
        }

        @Override
        public void close() {
            if (outer == null) {
                current.remove();
            } else {
                current.set(outer);
            }
        }
    }
}
