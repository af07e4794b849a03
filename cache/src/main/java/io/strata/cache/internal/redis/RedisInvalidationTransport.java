package io.strata.cache.internal.redis;

import io.strata.cache.internal.Failures;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.BinaryJedisPubSub;
import redis.clients.jedis.UnifiedJedis;

/**
 * Invalidations on a Redis pub/sub channel. A subscriber thread holds one connection; when it
 * drops, the thread subscribes again with backoff and reports a possible loss (pub/sub does not
 * replay what was published meanwhile).
 */
final class RedisInvalidationTransport implements AutoCloseable, io.strata.cache.internal.InvalidationTransport {

    private static final Logger LOG = LoggerFactory.getLogger(RedisInvalidationTransport.class);

    private final UnifiedJedis jedis;
    private final byte[] channel;
    private volatile boolean running = true;
    private volatile @Nullable BinaryJedisPubSub subscriber;
    private @Nullable Thread thread;

    RedisInvalidationTransport(UnifiedJedis jedis, String channel) {
        this.jedis = jedis;
        this.channel = channel.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void start(Consumer<byte[]> onMessage, Runnable onReconnect) {
        thread = new Thread(
                () -> {
                    long backoff = 100;
                    boolean first = true;
                    while (running) {
                        boolean firstSubscription = first;
                        BinaryJedisPubSub s = new BinaryJedisPubSub() {
                            @Override
                            public void onMessage(byte[] ch, byte[] message) {
                                onMessage.accept(message);
                            }

                            @Override
                            public void onSubscribe(byte[] ch, int count) {
                                if (!firstSubscription) {
                                    onReconnect.run();
                                }
                            }
                        };
                        subscriber = s;
                        try {
                            jedis.subscribe(s, channel);
                            first = false;
                        } catch (Throwable e) { // resubscribe after any failure (see Failures)
                            Failures.rethrowIfFatal(e);
                            if (!running) {
                                return;
                            }
                            first = false;
                            LOG.debug("invalidation subscription lost: {}", e.toString());
                            sleep(backoff);
                            backoff = Math.min(5_000, backoff * 2);
                            continue;
                        }
                        backoff = 100;
                    }
                },
                "strata-inval-redis");
        thread.setDaemon(true);
        thread.start();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void publish(byte[] message) {
        jedis.publish(channel, message);
    }

    @Override
    public void close() {
        running = false;
        BinaryJedisPubSub s = subscriber;
        try {
            if (s != null && s.isSubscribed()) {
                s.unsubscribe();
            }
        } catch (RuntimeException e) {
            // the connection is gone already
        }
        if (thread != null) {
            thread.interrupt();
        }
    }
}
