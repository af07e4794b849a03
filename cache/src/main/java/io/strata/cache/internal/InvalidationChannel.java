package io.strata.cache.internal;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends this member's L1 invalidations to the other members and applies theirs, with per-sender
 * sequence numbers.
 *
 * <p>Sending: callers only queue a key; one sender thread numbers messages (each carries up to
 * 256 keys, or "all") and publishes them in order, and every {@code heartbeat} it publishes its
 * last sequence number. A message that cannot be published still uses its number, so receivers
 * notice it as a gap.
 *
 * <p>Receiving, per sender: the next number is applied; a jump (a lost message), a heartbeat ahead
 * of what was received, a sender silent for three heartbeats, a malformed message or a transport
 * reconnect clears the whole L1 ({@code onGap}). So a member's L1 is stale for at most the
 * delivery delay plus three heartbeats, and never longer than the L1 TTL.
 *
 * <p>Wire format: version byte, sender UUID (16), sequence (8), type (1), count (4), then
 * length-prefixed keys.
 */
public final class InvalidationChannel implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(InvalidationChannel.class);
    private static final byte FORMAT = 1;
    private static final byte KEYS = 0;
    private static final byte ALL = 1;
    private static final byte HEARTBEAT = 2;
    private static final byte[] ALL_MARKER = new byte[0];
    private static final int MAX_KEYS = 256;

    private final String cacheName;
    private final InvalidationTransport transport;
    private final Clock clock;
    private final Duration heartbeat;
    private final CacheMetrics metrics;
    private final UUID self = UUID.randomUUID();
    private final BlockingQueue<byte[]> outbox = new LinkedBlockingQueue<>();
    private final Map<UUID, long[]> senders = new ConcurrentHashMap<>(); // {last seq, last heard millis}
    private final AtomicInteger dropNext = new AtomicInteger();
    private final Thread sender;
    private volatile boolean running = true;
    private long seq;
    private @Nullable Consumer<byte[]> onKey;
    private @Nullable Runnable onAll;
    private @Nullable Runnable onGap;

    public InvalidationChannel(
            String cacheName, InvalidationTransport transport, Clock clock, Duration heartbeat, CacheMetrics metrics) {
        this.cacheName = cacheName;
        this.transport = transport;
        this.clock = clock;
        this.heartbeat = heartbeat;
        this.metrics = metrics;
        this.sender = new Thread(this::sendLoop, "strata-inval-" + cacheName);
        this.sender.setDaemon(true);
    }

    /**
     * Starts sending and receiving. {@code onKey} gets an encoded key to drop from L1; {@code onAll}
     * and {@code onGap} clear L1 (on request, and on a detected gap).
     */
    public void start(Consumer<byte[]> onKey, Runnable onAll, Runnable onGap) {
        this.onKey = onKey;
        this.onAll = onAll;
        this.onGap = onGap;
        transport.start(this::receive, () -> gap("reconnect", null));
        sender.start();
    }

    /** Queues an invalidation of the encoded key for the other members. */
    public void send(byte[] encodedKey) {
        outbox.add(encodedKey);
    }

    /** Queues an invalidation of everything. */
    public void sendAll() {
        outbox.add(ALL_MARKER);
    }

    /** Fault injection for tests: the next {@code n} messages use their numbers but are not published. */
    public void dropNext(int n) {
        dropNext.addAndGet(n);
    }

    private void sendLoop() {
        long nextBeat = System.nanoTime();
        List<byte[]> batch = new ArrayList<>();
        while (running || !outbox.isEmpty()) {
            try {
                long waitNanos = Math.max(0, nextBeat - System.nanoTime());
                byte[] first = outbox.poll(waitNanos, TimeUnit.NANOSECONDS);
                if (first != null) {
                    batch.add(first);
                    outbox.drainTo(batch, MAX_KEYS - 1);
                    boolean all = batch.stream().anyMatch(k -> k == ALL_MARKER);
                    publish(all ? ALL : KEYS, ++seq, all ? List.of() : batch);
                    batch.clear();
                }
                if (System.nanoTime() - nextBeat >= 0) {
                    publish(HEARTBEAT, seq, List.of());
                    nextBeat = System.nanoTime() + heartbeat.toNanos();
                    checkSilentSenders();
                }
            } catch (InterruptedException e) {
                if (!running) {
                    break;
                }
            } catch (Throwable e) { // the sender must outlive any failure of its transport (see Failures)
                Failures.rethrowIfFatal(e);
                LOG.warn("cache {}: invalidation sender: {}", cacheName, e.toString());
            }
        }
    }

    private void publish(byte type, long number, List<byte[]> keys) {
        if (type != HEARTBEAT && dropNext.get() > 0 && dropNext.getAndDecrement() > 0) {
            return;
        }
        int size = 1 + 16 + 8 + 1 + 4;
        for (byte[] k : keys) {
            size += 4 + k.length;
        }
        ByteBuffer buf = ByteBuffer.allocate(size);
        buf.put(FORMAT)
                .putLong(self.getMostSignificantBits())
                .putLong(self.getLeastSignificantBits())
                .putLong(number)
                .put(type)
                .putInt(keys.size());
        for (byte[] k : keys) {
            buf.putInt(k.length).put(k);
        }
        try {
            transport.publish(buf.array());
            if (type != HEARTBEAT) {
                metrics.invalidationSent();
            }
        } catch (Throwable e) { // a transport failure of any kind (see Failures): receivers see a gap
            Failures.rethrowIfFatal(e);
            LOG.debug("cache {}: invalidation #{} not published: {}", cacheName, number, e.toString());
        }
    }

    private void checkSilentSenders() {
        long deadline = clockMillis() - 3 * heartbeat.toMillis();
        for (Map.Entry<UUID, long[]> s : senders.entrySet()) {
            long heard;
            synchronized (s.getValue()) {
                heard = s.getValue()[1];
            }
            if (heard < deadline && senders.remove(s.getKey(), s.getValue())) {
                gap("silent", null);
            }
        }
    }

    private long clockMillis() {
        // the real time, not the cache's (possibly fake) clock: silence is measured on the wire
        return System.currentTimeMillis();
    }

    void receive(byte[] message) {
        UUID from;
        long number;
        byte type;
        List<byte[]> keys = new ArrayList<>();
        try {
            ByteBuffer buf = ByteBuffer.wrap(message);
            if (buf.get() != FORMAT) {
                throw new IllegalArgumentException("unknown format");
            }
            from = new UUID(buf.getLong(), buf.getLong());
            number = buf.getLong();
            type = buf.get();
            int count = buf.getInt();
            if (count < 0 || count > MAX_KEYS) {
                throw new IllegalArgumentException("bad key count " + count);
            }
            for (int i = 0; i < count; i++) {
                byte[] k = new byte[buf.getInt()];
                buf.get(k);
                keys.add(k);
            }
        } catch (RuntimeException e) {
            gap("malformed", null);
            return;
        }
        if (from.equals(self)) {
            return;
        }
        long[] state = senders.computeIfAbsent(from, u -> new long[] {-1, 0});
        boolean gap;
        synchronized (state) {
            long last = state[0];
            state[1] = clockMillis();
            if (last < 0) {
                gap = false; // first message from this sender: it is our baseline
                state[0] = number;
            } else if (type == HEARTBEAT) {
                gap = number > last;
                state[0] = Math.max(last, number);
            } else {
                gap = number > last + 1;
                state[0] = Math.max(last, number);
            }
        }
        if (gap) {
            gap("sequence", from);
        }
        if (type == HEARTBEAT) {
            return;
        }
        metrics.invalidationReceived();
        if (type == ALL) {
            Objects.requireNonNull(onAll, "set by start()").run();
            return;
        }
        for (byte[] k : keys) {
            try {
                Objects.requireNonNull(onKey, "set by start()").accept(k);
            } catch (RuntimeException e) {
                gap("malformed", from);
                return;
            }
        }
    }

    private void gap(String reason, @Nullable UUID from) {
        metrics.invalidationGap(reason);
        LOG.info(
                "cache {}: invalidation gap ({}{}), clearing L1",
                cacheName,
                reason,
                from == null ? "" : " from " + from);
        if ("reconnect".equals(reason)) {
            senders.clear();
        }
        Runnable g = onGap;
        if (g != null) {
            g.run();
        }
    }

    @Override
    public void close() {
        running = false;
        sender.interrupt();
        try {
            sender.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        transport.close();
    }
}
