package io.strata.cache.internal;

import java.util.function.Consumer;

/** Carries opaque invalidation messages to every member (including, possibly, the sender). */
public interface InvalidationTransport extends AutoCloseable {

    /**
     * Starts delivery: {@code onMessage} gets each message; {@code onReconnect} is called when the
     * transport may have lost messages (a re-subscription, a client reconnect, a merge after a split).
     */
    void start(Consumer<byte[]> onMessage, Runnable onReconnect);

    /** Publishes {@code message}; throws if it could not be handed to the transport. */
    void publish(byte[] message);

    @Override
    void close();
}
