package io.strata.sample;

import io.strata.replication.NodeRole;
import io.strata.replication.NodeState;
import io.strata.replication.ReplicaSetDataSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Samples every replica set's view of its replicas every 50 ms and keeps the highest lag seen,
 * in bytes of WAL and in time (Strata's own lag measure).
 */
final class ReplicaLagWatch implements AutoCloseable {

    private final List<ReplicaSetDataSource> sets;
    private final Thread thread;
    private volatile long maxLagBytes;
    private volatile long maxLagMillis;
    private volatile boolean stopped;

    ReplicaLagWatch(List<ReplicaSetDataSource> sets) {
        this.sets = sets;
        this.thread = new Thread(this::loop, "shop-replica-lag-watch");
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        while (!stopped) {
            for (ReplicaSetDataSource set : sets) {
                for (NodeState node : set.nodeStates()) {
                    if (node.role() == NodeRole.REPLICA && node.up()) {
                        if (node.lagBytes() != Long.MAX_VALUE) {
                            maxLagBytes = Math.max(maxLagBytes, node.lagBytes());
                        }
                        Duration lag = node.lag();
                        if (lag != null) {
                            maxLagMillis = Math.max(maxLagMillis, lag.toMillis());
                        }
                    }
                }
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Whether there is anything to watch (not when the data source came from YAML). */
    boolean watching() {
        return !sets.isEmpty();
    }

    /** Every shard's nodes as the replica sets see them now (empty when there is nothing to watch). */
    List<ShardStatus> topology() {
        List<ShardStatus> shards = new ArrayList<>();
        for (ReplicaSetDataSource set : sets) {
            List<ShardStatus.Node> nodes = new ArrayList<>();
            for (NodeState node : set.nodeStates()) {
                boolean replica = node.role() == NodeRole.REPLICA;
                long bytes = !replica ? 0 : node.lagBytes() == Long.MAX_VALUE ? -1 : node.lagBytes();
                Duration lag = node.lag();
                long millis = !replica ? 0 : lag == null ? -1 : lag.toMillis();
                nodes.add(new ShardStatus.Node(
                        node.name(), node.role().name(), node.up(), node.circuitOpen(), bytes, millis));
            }
            shards.add(new ShardStatus(set.name(), List.copyOf(nodes)));
        }
        return List.copyOf(shards);
    }

    long maxLagBytes() {
        return maxLagBytes;
    }

    long maxLagMillis() {
        return maxLagMillis;
    }

    @Override
    public void close() {
        stopped = true;
        thread.interrupt();
    }
}
