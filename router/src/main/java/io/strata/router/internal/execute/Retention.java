package io.strata.router.internal.execute;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.strata.replication.Consistency;
import io.strata.replication.ReplicaSetConnection;
import io.strata.router.TableRule;
import io.strata.router.TimeRange;
import io.strata.router.internal.plan.TimeGrid;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retention of time-range tables: removes, on every shard's primary, the rows of every interval
 * that ended at least the retention period ago, in bounded batches (each its own short
 * transaction), by an explicit call or on a schedule.
 *
 * <p>The cut-off is the start of the interval that contains {@code now - retention}: every row
 * removed lies in an interval that ended at or before {@code now - retention}, so no row younger
 * than the retention period is ever removed (a row of the interval in progress at the cut-off
 * waits for the next run after that interval ends). For a {@code timestamp} or {@code date}
 * column, {@code now - retention} is read on the rule's zone's wall clock.
 *
 * <p>Concurrency: runs for different tables may overlap; two runs of one table are serialized
 * (a lock per table), so a scheduled run and an explicit call never race on the same rows.
 */
public final class Retention implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Retention.class);

    private final List<String> shardNames;
    private final List<DataSource> shards;
    private final Map<String, TableRule> tables = new LinkedHashMap<>();
    private final Map<String, TimeGrid> grids = new LinkedHashMap<>();
    private final Map<String, Object> locks = new LinkedHashMap<>();
    private final Clock clock;
    private final int batchSize;
    private final MeterRegistry registry;
    private final ScheduledExecutorService schedule;

    /**
     * Retention for the time-range tables with a retention period among {@code rules}; runs every
     * {@code every} when positive (else only on {@link #expire} calls).
     */
    public Retention(
            List<String> shardNames,
            List<DataSource> shards,
            Iterable<TableRule> rules,
            Clock clock,
            int batchSize,
            Duration every,
            MeterRegistry registry) {
        this.shardNames = List.copyOf(shardNames);
        this.shards = List.copyOf(shards);
        this.clock = clock;
        this.batchSize = batchSize;
        this.registry = registry;
        for (TableRule rule : rules) {
            if (rule.kind() == TableRule.Kind.TIME_RANGE && rule.timeRange().retention() != null) {
                tables.put(rule.table(), rule);
                grids.put(rule.table(), new TimeGrid(rule.timeRange(), shardNames));
                locks.put(rule.table(), new Object());
            }
        }
        if (!tables.isEmpty() && every != null && !every.isZero() && !every.isNegative()) {
            schedule = Executors.newSingleThreadScheduledExecutor(task -> {
                Thread t = new Thread(task, "strata-retention");
                t.setDaemon(true);
                return t;
            });
            long period = every.toMillis();
            schedule.scheduleWithFixedDelay(this::runScheduled, period, period, TimeUnit.MILLISECONDS);
        } else {
            schedule = null;
        }
    }

    /** The tables with a retention period. */
    public List<String> tables() {
        return List.copyOf(tables.keySet());
    }

    private void runScheduled() {
        for (String table : tables.keySet()) {
            try {
                expire(table);
            } catch (SQLException | RuntimeException e) {
                // Logged and counted in expire; the next run retries.
            }
        }
    }

    /**
     * Removes the expired intervals of {@code table} on every shard; returns the rows removed.
     *
     * @throws SQLException (22023) when the table has no retention period, or a shard's error
     */
    public long expire(String table) throws SQLException {
        TableRule rule = tables.get(table);
        if (rule == null) {
            throw new SQLException(
                    "Strata: table '" + table + "' is not a time-range table with a retention period; tables with"
                            + " retention are " + tables.keySet(),
                    "22023");
        }
        synchronized (locks.get(table)) {
            Object cutoff = cutoff(rule, grids.get(table), clock.instant());
            long total = 0;
            try {
                for (int s = 0; s < shards.size(); s++) {
                    long removed = expire(rule, s, cutoff);
                    total += removed;
                }
            } catch (SQLException | RuntimeException e) {
                registry.counter("strata.router.retention.runs", "table", table, "outcome", "failed")
                        .increment();
                LOG.warn(
                        "Strata retention of {} (rows before {}) failed after {} rows: {}",
                        table,
                        cutoff,
                        total,
                        e.toString());
                throw e;
            }
            registry.counter("strata.router.retention.runs", "table", table, "outcome", "ok")
                    .increment();
            LOG.info(
                    "Strata retention of {}: removed {} rows before {} (retention {})",
                    table,
                    total,
                    cutoff,
                    rule.timeRange().retention());
            return total;
        }
    }

    /**
     * The first value that is kept: the start of the interval containing {@code now - retention},
     * as the column's type binds it.
     */
    static Object cutoff(TableRule rule, TimeGrid grid, Instant now) {
        TimeRange spec = rule.timeRange();
        Instant edge = now.minus(spec.retention());
        switch (spec.type()) {
            case TIMESTAMPTZ:
                return OffsetDateTime.ofInstant(grid.startInstant(grid.index(edge)), ZoneOffset.UTC);
            case TIMESTAMP:
                return grid.start(grid.index(LocalDateTime.ofInstant(edge, spec.zone())));
            default:
                return grid.start(grid.index(LocalDateTime.ofInstant(edge, spec.zone())))
                        .toLocalDate();
        }
    }

    private long expire(TableRule rule, int shard, Object cutoff) throws SQLException {
        String table = quote(rule.table());
        String column = quote(rule.timeRange().column());
        // The outer condition is what makes the DELETE safe: on a natively partitioned table a ctid
        // names a row in each partition, so the batch's ctids alone could match younger rows.
        String sql = "DELETE FROM " + table + " WHERE " + column + " < ? AND ctid = ANY(ARRAY(SELECT ctid FROM " + table
                + " WHERE " + column + " < ? LIMIT ?))";
        Counter rows =
                registry.counter("strata.router.retention.rows", "table", rule.table(), "shard", shardNames.get(shard));
        long total = 0;
        try (Connection c = shards.get(shard).getConnection()) {
            if (c.isWrapperFor(ReplicaSetConnection.class)) {
                c.unwrap(ReplicaSetConnection.class).setConsistency(Consistency.STRONG);
            }
            c.setAutoCommit(true);
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                while (true) {
                    ps.setObject(1, cutoff);
                    ps.setObject(2, cutoff);
                    ps.setInt(3, batchSize);
                    int n = ps.executeUpdate();
                    total += n;
                    rows.increment(n);
                    if (n == 0 || n < batchSize) {
                        break;
                    }
                }
            }
        }
        if (total > 0) {
            LOG.debug("Strata retention of {} on {}: removed {} rows", rule.table(), shardNames.get(shard), total);
        }
        return total;
    }

    private static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    /** Stops the schedule (a run in progress finishes its current batch). */
    @Override
    public void close() {
        if (schedule != null) {
            schedule.shutdownNow();
        }
    }
}
