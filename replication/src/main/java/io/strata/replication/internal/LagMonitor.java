package io.strata.replication.internal;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One replica set's view of the lag monitors: for each of its nodes a subscription to the JVM's
 * shared {@link NodeMonitor} of that server ({@link LagMonitors}). Each node monitor polls on its
 * own thread, so a frozen node only delays its own observations; readers treat a node whose last
 * good poll is older than {@code pollInterval + nodeTimeout} as down.
 */
final class LagMonitor implements AutoCloseable {

    private final ReplicaSet set;
    private final ReplicaSetConfig config;
    private final List<Node> nodes;
    private final @Nullable SampleExchange cluster;
    private final List<NodeMonitor> monitors = new ArrayList<>();
    private final List<NodeMonitor.Subscriber> subscriptions = new ArrayList<>();

    LagMonitor(ReplicaSet set, ReplicaSetConfig config, List<Node> nodes, @Nullable SampleExchange cluster) {
        this.set = set;
        this.config = config;
        this.nodes = nodes;
        this.cluster = cluster;
    }

    /**
     * Subscribes every node to its server's monitor and polls each once on the calling thread,
     * so routing has a view at once.
     */
    synchronized void start() {
        for (Node n : nodes) {
            NodeMonitor m = LagMonitors.acquire(MonitorKey.of(n.spec, config, cluster));
            NodeMonitor.Subscriber s = new NodeMonitor.Subscriber(set, n);
            m.subscribe(s);
            monitors.add(m);
            subscriptions.add(s);
            n.monitor = m;
        }
        for (NodeMonitor m : monitors) {
            m.pollAndApply(false);
        }
    }

    @Override
    public synchronized void close() {
        for (int i = 0; i < monitors.size(); i++) {
            monitors.get(i).unsubscribe(subscriptions.get(i));
            LagMonitors.release(monitors.get(i));
        }
        monitors.clear();
        subscriptions.clear();
    }
}
