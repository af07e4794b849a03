package io.strata.replication.internal;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.topic.ITopic;
import com.hazelcast.topic.Message;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lag samples shared through a Hazelcast cluster: the members divide the servers between them
 * (one poller per server) and publish what they poll.
 *
 * <p><b>Who polls.</b> Each member records its interest in a server in the IMap
 * {@value #INTEREST_MAP} (key {@code url|memberUuid}, refreshed with a TTL). The poller of a
 * server is, among the current cluster members interested in it, the one with the highest
 * rendezvous hash of (server, member UUID): every member computes the same answer from the same
 * membership, load spreads across members, and when the poller leaves the cluster the next one
 * takes over as soon as the membership changes. No lock or lease is needed because correctness
 * never depends on there being exactly one poller: two pollers (while views differ) cost one
 * extra poll, none (while the poller's departure is not yet noticed) makes every member poll for
 * itself once its newest sample is older than {@code sampleTimeout}.
 *
 * <p><b>Samples.</b> The poller publishes each poll on the topic {@value #TOPIC} (a few dozen
 * bytes, never Java serialization) with its wall-clock send time. A receiver places the sample
 * on its own monotonic clock at {@code now - (wallNow - wallSent + 1 ms + maxClockSkew)}: no later
 * than the poll's true send time as long as the two wall clocks differ by at most
 * {@code maxClockSkew} (the 1 ms covers wall-clock granularity), whatever the delivery delay
 * (it is inside {@code wallNow - wallSent}). A sample whose wall-clock age is below
 * {@code -(maxClockSkew + 1 ms)} proves the skew bound broken and is dropped. See the module
 * README, "Monitoring in a cluster", for the whole argument.
 *
 * <p>Concurrency: monitor threads only read the cached assignment ({@link #assignedHere}) and
 * publish asynchronously; every blocking cluster call runs on this exchange's own thread, so a
 * slow or lost cluster never delays a poll.
 */
final class ClusterSamples implements SampleExchange {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterSamples.class);

    static final String TOPIC = "strata-replication-lag-samples";
    static final String INTEREST_MAP = "strata-replication-lag-interest";
    private static final byte FORMAT = 1;
    private static final long INTEREST_TTL_SECONDS = 60;
    private static final long INTEREST_RENEW_NANOS = TimeUnit.SECONDS.toNanos(20);
    private static final long REFRESH_MILLIS = 1000;
    private static final Map<ClusterSettings, ClusterSamples> EXCHANGES = new HashMap<>();

    private final ClusterSettings settings;
    private final HazelcastInstance hz;
    private final long maxSkewNanos;
    private final long sampleTimeoutNanos;
    private final ScheduledThreadPoolExecutor executor;
    private final Map<String, List<NodeMonitor>> monitors = new ConcurrentHashMap<>();
    private final @Nullable UUID topicListener;
    private final @Nullable UUID membershipListener;
    private int users;

    /** Server URL -> the current members interested in it; read without locks. */
    private volatile Map<String, List<UUID>> interested = Map.of();

    private volatile @Nullable UUID localUuid;
    private long interestWrittenAt = Long.MIN_VALUE;

    private ClusterSamples(ClusterSettings settings) {
        this.settings = settings;
        this.hz = settings.hazelcast();
        try {
            this.localUuid = hz.getCluster().getLocalMember().getUuid();
        } catch (UnsupportedOperationException e) {
            throw new IllegalArgumentException(
                    "cluster must be a Hazelcast member (a client cannot poll for the cluster), was " + hz.getName(),
                    e);
        }
        this.maxSkewNanos = settings.maxClockSkew().toNanos();
        this.sampleTimeoutNanos = settings.sampleTimeout().toNanos();
        ScheduledThreadPoolExecutor ex = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "strata-lag-cluster");
            t.setDaemon(true);
            return t;
        });
        ex.setRemoveOnCancelPolicy(true);
        ex.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.executor = ex;
        ITopic<byte[]> topic = hz.getTopic(TOPIC);
        this.topicListener = topic.addMessageListener(this::onMessage);
        this.membershipListener = hz.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent e) {
                refreshSoon();
            }

            @Override
            public void memberRemoved(MembershipEvent e) {
                refreshSoon();
            }
        });
        executor.scheduleWithFixedDelay(this::refresh, 0, REFRESH_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void refreshSoon() {
        execute(this::refresh);
    }

    private void execute(Runnable task) {
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            // closing: nothing left to do
        }
    }

    /** The exchange for these settings, shared in the JVM; call {@link #release} once per acquire. */
    static ClusterSamples acquire(ClusterSettings settings) {
        synchronized (EXCHANGES) {
            ClusterSamples c = EXCHANGES.computeIfAbsent(settings, ClusterSamples::new);
            c.users++;
            return c;
        }
    }

    static void release(ClusterSamples c) {
        synchronized (EXCHANGES) {
            c.users--;
            if (c.users > 0) {
                return;
            }
            EXCHANGES.remove(c.settings, c);
        }
        c.close();
    }

    @Override
    public long sampleTimeoutNanos() {
        return sampleTimeoutNanos;
    }

    @Override
    public void register(NodeMonitor monitor) {
        String node = nameOf(monitor);
        monitors.computeIfAbsent(node, k -> new CopyOnWriteArrayList<>()).add(monitor);
        try {
            executor.execute(() -> {
                writeInterest(node);
                refresh();
            });
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    @Override
    public void unregister(NodeMonitor monitor) {
        String node = nameOf(monitor);
        List<NodeMonitor> list = monitors.get(node);
        if (list != null) {
            list.remove(monitor);
            if (list.isEmpty()) {
                monitors.remove(node, list);
                execute(() -> {
                    UUID me = localUuid;
                    if (me != null && hz.getLifecycleService().isRunning() && !monitors.containsKey(node)) {
                        try {
                            hz.<String, Boolean>getMap(INTEREST_MAP).delete(node + "|" + me);
                        } catch (RuntimeException e) {
                            LOG.debug("could not withdraw interest in {}: {}", node, e.toString());
                        }
                    }
                });
            }
        }
    }

    @Override
    public boolean assignedHere(NodeMonitor monitor) {
        UUID me = localUuid;
        List<UUID> candidates = interested.get(nameOf(monitor));
        if (me == null || candidates == null || candidates.isEmpty()) {
            return false;
        }
        return me.equals(poller(nameOf(monitor), candidates));
    }

    /** The rendezvous choice: the candidate with the highest hash of (server, member). */
    static UUID poller(String node, List<UUID> candidates) {
        UUID best = candidates.get(0);
        long bestHash = Long.MIN_VALUE;
        for (UUID u : candidates) {
            long h = mix(node.hashCode() * 0x9E3779B97F4A7C15L
                    ^ mix(u.getMostSignificantBits())
                    ^ mix(u.getLeastSignificantBits() + 0x632BE59BD9B4E019L));
            if (h > bestHash || (h == bestHash && u.compareTo(best) < 0)) {
                best = u;
                bestHash = h;
            }
        }
        return best;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public void publish(NodeMonitor monitor, Observation o) {
        byte[] payload = encode(nameOf(monitor), o);
        LongSupplier delay = settings.publishDelayMillisForTesting();
        long d = delay == null ? 0 : delay.getAsLong();
        if (d > 0) {
            try {
                executor.schedule(() -> send(payload), d, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                // closing
            }
        } else {
            send(payload);
        }
    }

    private void send(byte[] payload) {
        try {
            if (hz.getLifecycleService().isRunning()) {
                hz.<byte[]>getTopic(TOPIC).publishAsync(payload);
            }
        } catch (RuntimeException e) {
            LOG.debug("could not publish a lag sample: {}", e.toString());
        }
    }

    // ---- receiving

    private void onMessage(Message<byte[]> m) {
        Member from = m.getPublishingMember();
        if (from != null && from.localMember()) {
            return; // applied locally when it was polled
        }
        String node;
        Observation o;
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(m.getMessageObject()))) {
            if (in.readByte() != FORMAT) {
                return; // a newer member's format: ignore, this member polls for itself if need be
            }
            node = in.readUTF();
            long wall = in.readLong();
            boolean ok = in.readBoolean();
            boolean inRecovery = in.readBoolean();
            long lsn = in.readLong();
            long timeline = in.readLong();
            o = new Observation(0, wall, ok, inRecovery, lsn, timeline);
        } catch (IOException | RuntimeException e) {
            LOG.debug("dropped an unreadable lag sample: {}", e.toString());
            return; // a bad payload is a missed sample, never a guess
        }
        List<NodeMonitor> list = monitors.get(node);
        if (list == null) {
            return;
        }
        for (NodeMonitor monitor : list) {
            long nowNanos = monitor.key.clock().monotonicTime();
            long nowWall = monitor.key.clock().wallTime();
            long wallAgeMillis = nowWall - o.sentAtWallMillis();
            long sentAt;
            if (settings.trustClocksForTesting()) {
                sentAt = nowNanos - TimeUnit.MILLISECONDS.toNanos(wallAgeMillis);
            } else {
                long skewMillis = TimeUnit.NANOSECONDS.toMillis(maxSkewNanos);
                if (wallAgeMillis < -(skewMillis + 1)) {
                    // Sent "in the future" by more than the allowed skew: the bound is broken,
                    // so the sample cannot be placed safely on this clock.
                    LOG.warn(
                            "dropped a lag sample of {}: its wall-clock age is {} ms, beyond maxClockSkew {}",
                            node,
                            wallAgeMillis,
                            settings.maxClockSkew());
                    monitor.dropped();
                    continue;
                }
                long ageNanos = Math.max(0, TimeUnit.MILLISECONDS.toNanos(wallAgeMillis + 1) + maxSkewNanos);
                sentAt = nowNanos - ageNanos;
            }
            monitor.onRemote(o, sentAt);
        }
    }

    static byte[] encode(String node, Observation o) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            out.writeUTF(node);
            out.writeLong(o.sentAtWallMillis());
            out.writeBoolean(o.ok());
            out.writeBoolean(o.inRecovery());
            out.writeLong(o.lsn());
            out.writeLong(o.timeline());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    // ---- assignment (on this exchange's thread only)

    private void refresh() {
        try {
            if (!hz.getLifecycleService().isRunning()) {
                interested = Map.of(); // no cluster: nothing is assigned here, monitors fall back
                return;
            }
            localUuid = hz.getCluster().getLocalMember().getUuid();
            if (System.nanoTime() - interestWrittenAt > INTEREST_RENEW_NANOS || interestWrittenAt == Long.MIN_VALUE) {
                for (String node : monitors.keySet()) {
                    writeInterest(node);
                }
                interestWrittenAt = System.nanoTime();
            }
            Set<UUID> members = new HashSet<>();
            for (Member m : hz.getCluster().getMembers()) {
                members.add(m.getUuid());
            }
            Map<String, List<UUID>> next = new HashMap<>();
            for (String key : hz.<String, Boolean>getMap(INTEREST_MAP).keySet()) {
                int bar = key.lastIndexOf('|');
                if (bar <= 0) {
                    continue;
                }
                UUID u;
                try {
                    u = UUID.fromString(key.substring(bar + 1));
                } catch (IllegalArgumentException e) {
                    continue;
                }
                if (members.contains(u)) {
                    next.computeIfAbsent(key.substring(0, bar), k -> new ArrayList<>())
                            .add(u);
                }
            }
            interested = next;
        } catch (RuntimeException e) {
            // The cluster is unreachable or shutting down: forget the assignment, so the
            // monitors poll for themselves once their samples age out.
            interested = Map.of();
            LOG.debug("lag sample assignment not refreshed: {}", e.toString());
        }
    }

    private void writeInterest(String node) {
        UUID me = localUuid;
        if (me == null || !hz.getLifecycleService().isRunning()) {
            return;
        }
        try {
            hz.<String, Boolean>getMap(INTEREST_MAP)
                    .set(node + "|" + me, Boolean.TRUE, INTEREST_TTL_SECONDS, TimeUnit.SECONDS);
        } catch (RuntimeException e) {
            LOG.debug("could not record interest in {}: {}", node, e.toString());
        }
    }

    private static String nameOf(NodeMonitor monitor) {
        String n = monitor.key.clusterName();
        if (n == null) {
            throw new IllegalStateException("a node given as a DataSource is not shared in the cluster");
        }
        return n;
    }

    private void close() {
        executor.shutdownNow();
        try {
            if (hz.getLifecycleService().isRunning()) {
                if (topicListener != null) {
                    hz.getTopic(TOPIC).removeMessageListener(topicListener);
                }
                if (membershipListener != null) {
                    hz.getCluster().removeMembershipListener(membershipListener);
                }
            }
        } catch (RuntimeException e) {
            LOG.debug("closing the lag sample exchange: {}", e.toString());
        }
    }
}
