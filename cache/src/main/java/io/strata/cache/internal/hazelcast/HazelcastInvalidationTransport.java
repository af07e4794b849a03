package io.strata.cache.internal.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent.LifecycleState;
import com.hazelcast.topic.ITopic;
import io.strata.cache.internal.InvalidationTransport;
import java.util.UUID;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Invalidations on a Hazelcast {@code ITopic}. Messages of one publisher arrive in order; a client
 * reconnect or a merge after a split brain is reported as a possible loss.
 */
final class HazelcastInvalidationTransport implements InvalidationTransport {

    private final HazelcastInstance hazelcast;
    private final ITopic<byte[]> topic;
    private @Nullable UUID listener;
    private @Nullable UUID lifecycleListener;

    HazelcastInvalidationTransport(HazelcastInstance hazelcast, String topicName) {
        this.hazelcast = hazelcast;
        this.topic = hazelcast.getTopic(topicName);
    }

    @Override
    public void start(Consumer<byte[]> onMessage, Runnable onReconnect) {
        listener = topic.addMessageListener(m -> onMessage.accept(m.getMessageObject()));
        lifecycleListener = hazelcast.getLifecycleService().addLifecycleListener(event -> {
            if (event.getState() == LifecycleState.CLIENT_CONNECTED || event.getState() == LifecycleState.MERGED) {
                onReconnect.run();
            }
        });
    }

    @Override
    public void publish(byte[] message) {
        topic.publish(message);
    }

    @Override
    public void close() {
        try {
            if (listener != null) {
                topic.removeMessageListener(listener);
            }
            if (lifecycleListener != null) {
                hazelcast.getLifecycleService().removeLifecycleListener(lifecycleListener);
            }
        } catch (RuntimeException e) {
            // the instance is already gone
        }
    }
}
