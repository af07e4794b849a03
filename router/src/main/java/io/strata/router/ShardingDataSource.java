package io.strata.router;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.strata.replication.ReplicaSetDataSource;
import io.strata.router.internal.execute.Retention;
import io.strata.router.internal.execute.Router;
import io.strata.router.internal.execute.RouterMetrics;
import io.strata.router.internal.execute.ShardCalls;
import io.strata.router.internal.execute.ShardPermits;
import io.strata.router.internal.execute.Tracing;
import io.strata.router.internal.plan.Planner;
import io.strata.router.internal.plan.RoutingRules;
import io.strata.router.internal.reshard.MapLease;
import io.strata.router.internal.txn.TwoPhaseCommit;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Many PostgreSQL shards as one {@link DataSource}. Applications keep writing plain JDBC; each
 * statement is routed by its shard key to the shard that owns it (see {@link ShardMap}), scattered
 * and merged when it has no key ({@link MergedResultSet}), and transactions that write to several
 * shards commit with two-phase commit. Each shard is normally a {@link ReplicaSetDataSource}, so
 * reads go to fresh-enough replicas and consistency tokens span every shard.
 *
 * <pre>{@code
 * ShardingDataSource ds = ShardingDataSource.builder()
 *     .shard(shard0)                      // ReplicaSetDataSource named "shard0"
 *     .shard(shard1)
 *     .table(TableRule.sharded("users", "id", KeyType.LONG))
 *     .table(TableRule.broadcast("countries"))
 *     .coordinatorId("orders-api-1")
 *     .build();
 * }</pre>
 *
 * Or through a JDBC URL: {@code jdbc:strata:/etc/app/strata.yaml} (see {@link Driver}).
 */
public final class ShardingDataSource implements DataSource, AutoCloseable {

    private final Router router;
    private final ShardMap shardMap;
    private final List<DataSource> owned;
    private final @Nullable TwoPhaseCommit twoPhase;
    private volatile boolean closed;
    private @Nullable IdGenerator ids;
    private final Retention retention;

    private ShardingDataSource(
            Router router,
            ShardMap shardMap,
            List<DataSource> owned,
            @Nullable TwoPhaseCommit twoPhase,
            Retention retention) {
        this.router = router;
        this.shardMap = shardMap;
        this.owned = owned;
        this.twoPhase = twoPhase;
        this.retention = retention;
    }

    /** Default {@link Builder#mapRefresh}: 250 ms. */
    public static final Duration DEFAULT_MAP_REFRESH = Duration.ofMillis(250);

    /** Default {@link Builder#mapLease}: 5 s. */
    public static final Duration DEFAULT_MAP_LEASE = Duration.ofSeconds(5);

    /** Default {@link Builder#fenceWait}: 5 s. */
    public static final Duration DEFAULT_FENCE_WAIT = Duration.ofSeconds(5);

    /** The default number of rows one retention batch removes from one shard. */
    public static final int DEFAULT_RETENTION_BATCH = 10_000;

    /**
     * Removes the expired intervals of a {@linkplain TableRule#withRetention time-range table with
     * retention} on every shard now, in batches of {@link Builder#retentionBatch} rows, and returns
     * the rows removed. Rows are removed only from intervals that ended at least the retention
     * period ago (see the router README, "Time-range tables"); counted in
     * {@code strata.router.retention.rows} and logged.
     *
     * @throws SQLException (22023) when the table has no retention period, or a shard's error
     */
    public long expire(String table) throws SQLException {
        Objects.requireNonNull(table, "table cannot be null");
        if (closed) {
            throw new SQLException("Strata: the ShardingDataSource is closed", "08003");
        }
        return retention.expire(table.trim().toLowerCase(Locale.ROOT));
    }

    /** {@link #expire} for every time-range table with a retention period; returns the rows removed. */
    public long expireAll() throws SQLException {
        long total = 0;
        for (String table : retention.tables()) {
            total += expire(table);
        }
        return total;
    }

    /** The default stride of interleaved identity/serial sequences (see {@link Builder#identityStride}). */
    public static final int DEFAULT_IDENTITY_STRIDE = 64;

    /** Default {@link Builder#executorThreads}: four per core, at least 8 (shard calls mostly wait on I/O). */
    public static final int DEFAULT_EXECUTOR_THREADS =
            Math.max(8, 4 * Runtime.getRuntime().availableProcessors());

    /** Default {@link Builder#maxConnectionsPerShard} when the shard's pool size is unknown: HikariCP's default pool size. */
    public static final int DEFAULT_CONNECTIONS_PER_SHARD = 10;

    /** Default {@link Builder#connectionWait}: HikariCP's default connectionTimeout. */
    public static final java.time.Duration DEFAULT_CONNECTION_WAIT = java.time.Duration.ofSeconds(30);

    /**
     * Interleaves the sequences behind {@code table}'s identity and serial columns on every shard
     * (see {@link Builder#identityStride}), for a sharded table created before Strata managed it or
     * with the stride off: each shard restarts at its first value above the highest value any shard
     * has handed out. Run it while nothing inserts into the table (a migration step); idempotent.
     * Returns how many shard sequences were changed (0 when the table has none, or does not exist).
     *
     * @throws SQLException when a shard cannot be reached
     */
    public int interleaveSequences(String table) throws SQLException {
        Objects.requireNonNull(table, "table cannot be null");
        return router.interleaveSequences(table);
    }

    /**
     * The slot mover (online resharding) for this data source's shards, tables and resharding
     * settings, with its meters in {@code registry}. Available for a data source loaded from a YAML
     * file or {@code jdbc:strata:} URL (the mover opens its own connections to the primaries with
     * the file's credentials); for one built in code, use
     * {@link io.strata.router.reshard.Resharding#builder()}.
     *
     * @throws SQLException (SR023) when the data source was not loaded from a file
     */
    public io.strata.router.reshard.Resharding resharding(MeterRegistry registry) throws SQLException {
        String url = router.url;
        if (!url.startsWith(Driver.PREFIX) || url.startsWith(Driver.PREFIX + "builder:")) {
            throw new SQLException(
                    "Strata: this ShardingDataSource was built in code; build the mover with"
                            + " Resharding.builder() (shard URLs and credentials, table rules)",
                    io.strata.router.internal.SqlStates.MOVE_FAILED);
        }
        return io.strata.router.reshard.Resharding.fromYaml(url.substring(Driver.PREFIX.length()), registry);
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A data source configured by a YAML file (see the router README for the format). Every error
     * in the file is reported at once, each with its path.
     *
     * @throws SQLException (SQLState 22023) listing every configuration error, or when a shard
     *     cannot start
     */
    public static ShardingDataSource fromYaml(Path file) throws SQLException {
        return io.strata.router.internal.config.YamlConfig.load(file.toString()).build();
    }

    /**
     * As {@link #fromYaml(Path)}, with the router's meters and every shard's replication meters
     * (statements per node, lag, fallbacks, pools) reported to {@code registry}.
     */
    public static ShardingDataSource fromYaml(Path file, MeterRegistry registry) throws SQLException {
        Objects.requireNonNull(registry, "registry cannot be null");
        return io.strata.router.internal.config.YamlConfig.load(file.toString()).build(registry);
    }

    /**
     * A data source configured by a {@code jdbc:strata:} URL ({@code jdbc:strata:/path/strata.yaml}
     * or {@code jdbc:strata:classpath:strata.yaml}), with the router's and every shard's meters
     * (statements per node, lag, fallbacks, pools) reported to {@code registry}. Unlike
     * {@link Driver}, which shares one data source per URL in the JVM, each call starts a new one,
     * owned by the caller (Spring Boot's starter builds the application's {@code DataSource} so).
     *
     * @throws SQLException (SQLState 22023) for a URL that is not {@code jdbc:strata:} or a
     *     configuration error (every error listed, each with its path), or when a shard cannot start
     */
    public static ShardingDataSource fromUrl(String url, MeterRegistry registry) throws SQLException {
        return fromUrl(url, registry, ObservationRegistry.NOOP);
    }

    /**
     * As {@link #fromUrl(String, MeterRegistry)}, with the router's observations (one per logical
     * statement, one child per shard call; see {@link RouterObservation}) sent to
     * {@code observations}.
     */
    public static ShardingDataSource fromUrl(String url, MeterRegistry registry, ObservationRegistry observations)
            throws SQLException {
        Objects.requireNonNull(url, "url cannot be null");
        Objects.requireNonNull(registry, "registry cannot be null");
        Objects.requireNonNull(observations, "observations cannot be null");
        if (!url.startsWith(Driver.PREFIX) || url.length() == Driver.PREFIX.length()) {
            throw new SQLException(
                    "Strata: not a jdbc:strata: URL: '" + url + "'; use jdbc:strata:<path to strata.yaml>"
                            + " or jdbc:strata:classpath:<resource>",
                    "22023");
        }
        return io.strata.router.internal.config.YamlConfig.load(url.substring(Driver.PREFIX.length()))
                .observationRegistry(observations)
                .build(registry);
    }

    /**
     * A data source configured by YAML text in the format of the router README (as a file behind
     * {@code jdbc:strata:} would hold it), with meters reported to {@code registry}; {@code origin}
     * names the text in error messages. Owned by the caller.
     *
     * @throws SQLException (SQLState 22023) listing every configuration error with its path, or when
     *     a shard cannot start
     */
    public static ShardingDataSource fromYamlText(String yaml, String origin, MeterRegistry registry)
            throws SQLException {
        return fromYamlText(yaml, origin, registry, ObservationRegistry.NOOP);
    }

    /**
     * As {@link #fromYamlText(String, String, MeterRegistry)}, with the router's observations sent
     * to {@code observations} (see {@link RouterObservation}).
     */
    public static ShardingDataSource fromYamlText(
            String yaml, String origin, MeterRegistry registry, ObservationRegistry observations) throws SQLException {
        Objects.requireNonNull(yaml, "yaml cannot be null");
        Objects.requireNonNull(origin, "origin cannot be null");
        Objects.requireNonNull(registry, "registry cannot be null");
        Objects.requireNonNull(observations, "observations cannot be null");
        return io.strata.router.internal.config.YamlConfig.parse(yaml, origin)
                .observationRegistry(observations)
                .build(registry);
    }

    /**
     * Each shard's data source by shard name, in slot-map order (normally
     * {@link ReplicaSetDataSource}s: their {@link ReplicaSetDataSource#nodeStates()} tell which nodes
     * are up, their lag and circuits, as health checks need). Not for issuing statements: those
     * bypass routing.
     */
    public Map<String, DataSource> shardDataSources() {
        List<String> names = router.shardNames();
        List<DataSource> sources = shards(router);
        Map<String, DataSource> out = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            out.put(names.get(i), sources.get(i));
        }
        return java.util.Collections.unmodifiableMap(out);
    }

    /** A logical connection; physical connections are taken per shard when a statement needs one. */
    @Override
    public Connection getConnection() throws SQLException {
        if (closed) {
            throw new SQLException("Strata: the ShardingDataSource is closed", "08003");
        }
        return router.connect();
    }

    /** Not supported: credentials are configured per shard. */
    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        // SR009: Strata's "JDBC method not supported" state (router README, SQLStates).
        throw new SQLFeatureNotSupportedException(
                "Strata: credentials are configured per shard; use getConnection()", "SR009");
    }

    /** The route planner (plans are cached; useful to check how a statement will be routed). */
    public RoutePlanner planner() {
        return router.planner();
    }

    /**
     * This data source's {@link IdGenerator}, created on first use: its ids carry the slot of a
     * shard key under this shard map ({@link IdGenerator#next(Object, KeyType)}), and its node id is
     * leased from table {@code strata_id_nodes} on the sequence shard (see
     * {@link Builder#sequenceShard}), so every data source over these shards, in any JVM, gets
     * distinct ids. Closed with this data source.
     *
     * @throws SQLException when no node id can be leased
     */
    public synchronized IdGenerator idGenerator() throws SQLException {
        if (closed) {
            throw new SQLException("Strata: the ShardingDataSource is closed", "08003");
        }
        if (ids == null) {
            ids = IdGenerator.builder()
                    .shardMap(shardMap)
                    .leaseFrom(io.strata.router.internal.execute.RouterAccess.sequenceShard(router))
                    .build();
        }
        return ids;
    }

    /**
     * The shard map: fixed, or with {@linkplain Builder#resharding online resharding} the map of the
     * epoch this member routes with now (its shards are every configured shard; spare shards own
     * no slot).
     */
    public ShardMap shardMap() {
        MapLease lease = router.mapLease;
        return lease == null ? shardMap : lease.peek().readMap();
    }

    /** The shard-map epoch this member routes with (0 when resharding is off). */
    public long mapEpoch() {
        MapLease lease = router.mapLease;
        return lease == null ? 0 : lease.peek().epoch().epoch();
    }

    /**
     * Reads the map from the metadata shard now (as the refresher does every {@code mapRefresh});
     * nothing when resharding is off.
     *
     * @throws SQLException when the metadata shard cannot be read
     */
    public void refreshShardMap() throws SQLException {
        MapLease lease = router.mapLease;
        if (lease != null) {
            lease.refreshNow();
        }
    }

    /** The shard names, in slot-map order. */
    public List<String> shards() {
        return router.shardNames();
    }

    /**
     * Resolves in-doubt two-phase transactions on every shard now: this coordinator's, whatever
     * their age, and any coordinator's prepared at least {@link Builder#twoPhaseRecovery} ago (done
     * at start, and periodically in the background). Returns how many were resolved.
     */
    public int recover() throws SQLException {
        if (router.twoPhase() == null) {
            return 0;
        }
        return router.twoPhase().recover();
    }

    private static List<DataSource> shards(Router router) {
        return io.strata.router.internal.execute.RouterAccess.shards(router);
    }

    /** Closes the shards' data sources that this data source created (from YAML or with closeShards). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (router.mapLease != null) {
            router.mapLease.close();
        }
        retention.close();
        if (twoPhase != null) {
            twoPhase.close(); // before the shards close: it deletes the queued markers
        }
        router.calls.close();
        synchronized (this) {
            if (ids != null) {
                ids.close();
            }
        }
        for (DataSource ds : owned) {
            if (ds instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception e) {
                    // keep closing the others
                }
            }
        }
    }

    @Override
    public @Nullable PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {}

    @Override
    public void setLoginTimeout(int seconds) {}

    @Override
    public int getLoginTimeout() {
        return 0;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("Strata logs through slf4j", "SR009"); // SR009: see README
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        if (iface == TwoPhaseCommit.class && router.twoPhase() != null) {
            return iface.cast(router.twoPhase());
        }
        throw new SQLException("Strata: not a wrapper for " + iface.getName(), "22023");
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this) || iface == TwoPhaseCommit.class && router.twoPhase() != null;
    }

    /**
     * Builds a {@link ShardingDataSource}. Each setter checks its argument; {@link #build} copies
     * the configuration, checks every shard ({@code max_prepared_transactions} under two-phase
     * commit) and resolves in-doubt transactions left by an earlier run.
     */
    public static final class Builder {

        private final Map<String, DataSource> shards = new LinkedHashMap<>();
        private final Map<String, TableRule> tables = new LinkedHashMap<>();
        private @Nullable ShardMap shardMap;
        private int slots = ShardMap.DEFAULT_SLOTS;
        private @Nullable String defaultShard;
        private boolean keylessWritesToAllShards;
        private TransactionPolicy transactionPolicy = TransactionPolicy.TWO_PHASE;
        private @Nullable String coordinatorId;
        private @Nullable Path coordinatorLog;
        private Duration twoPhaseRecovery = TwoPhaseCommit.Settings.defaults().recoveryAge();
        private Duration twoPhaseFinishWait = TwoPhaseCommit.Settings.defaults().finishWait();
        private long planCacheSize = 10_000;
        private @Nullable MeterRegistry meterRegistry;
        private ObservationRegistry observationRegistry = ObservationRegistry.NOOP;
        private boolean closeShards;
        private @Nullable String url;
        private final java.util.Set<String> globalSequences = new java.util.LinkedHashSet<>();
        private @Nullable String sequenceShard;
        private int identityStride = DEFAULT_IDENTITY_STRIDE;
        private int executorThreads = DEFAULT_EXECUTOR_THREADS;
        private int maxShardsPerStatement;
        private int maxConnectionsPerShard;
        private final Map<String, Integer> shardConnections = new LinkedHashMap<>();
        private java.time.Duration connectionWait = DEFAULT_CONNECTION_WAIT;
        private Clock clock = Clock.systemUTC();
        private Duration retentionEvery = Duration.ofHours(1);
        private int retentionBatch = DEFAULT_RETENTION_BATCH;
        private boolean resharding;
        private @Nullable String metadataShard;
        private @Nullable List<String> initialShards;
        private Duration mapRefresh = DEFAULT_MAP_REFRESH;
        private Duration mapLease = DEFAULT_MAP_LEASE;
        private Duration fenceWait = DEFAULT_FENCE_WAIT;

        private Builder() {}

        /**
         * Online resharding (default off): the shard map becomes a versioned state stored on the
         * {@linkplain #metadataShard metadata shard}, refreshed every {@link #mapRefresh}, trusted for
         * {@link #mapLease}; writes refused by a shard's slot fence (SR020) are retried on the new
         * owner where safe. Off, nothing changes: no schema, no polling, the map is fixed.
         */
        public Builder resharding(boolean enabled) {
            this.resharding = enabled;
            return this;
        }

        /** The shard that holds {@code strata_meta.shard_map} (default: the first shard). */
        public Builder metadataShard(String shard) {
            if (shard == null || shard.isBlank()) {
                throw new IllegalArgumentException("metadataShard cannot be null or blank but was '" + shard + "'");
            }
            this.metadataShard = shard;
            return this;
        }

        /**
         * The shards the first map (epoch 1) spreads the slots over, uniformly, when the metadata
         * shard has none yet (default: every shard); the others start as spare shards owning no slot.
         */
        public Builder initialShards(List<String> shards) {
            Objects.requireNonNull(shards, "initialShards cannot be null");
            if (shards.isEmpty() || new java.util.HashSet<>(shards).size() != shards.size()) {
                throw new IllegalArgumentException("initialShards must be non-empty and distinct but was " + shards);
            }
            this.initialShards = List.copyOf(shards);
            return this;
        }

        /** How often the map is refreshed (default 250 ms; 20 ms while a statement waits on a fence). */
        public Builder mapRefresh(Duration every) {
            Objects.requireNonNull(every, "mapRefresh cannot be null");
            if (every.toMillis() < 1 || every.compareTo(Duration.ofMinutes(1)) > 0) {
                throw new IllegalArgumentException("mapRefresh must be in 1ms..1m but was " + every);
            }
            this.mapRefresh = every;
            return this;
        }

        /**
         * How long a refreshed map is trusted, from when its refresh query was sent (default 5 s);
         * past it the member routes nothing (SR022) until a refresh succeeds. Must exceed mapRefresh.
         */
        public Builder mapLease(Duration lease) {
            Objects.requireNonNull(lease, "mapLease cannot be null");
            if (lease.toMillis() < 1) {
                throw new IllegalArgumentException("mapLease must be positive but was " + lease);
            }
            this.mapLease = lease;
            return this;
        }

        /**
         * How long a statement waits for a fenced or moving slot, or for an expired lease, before
         * failing with SR020 / SR022 (default 5 s).
         */
        public Builder fenceWait(Duration wait) {
            Objects.requireNonNull(wait, "fenceWait cannot be null");
            if (wait.isNegative()) {
                throw new IllegalArgumentException("fenceWait must be >= 0 but was " + wait);
            }
            this.fenceWait = wait;
            return this;
        }

        /**
         * The clock time-range tables read: Strata's value of {@code now()} in their statements, and
         * the current time for retention (default the system clock).
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock cannot be null");
            return this;
        }

        /**
         * How often expired intervals of time-range tables with retention are removed in the
         * background (default 1 hour; {@link Duration#ZERO}: only on {@link ShardingDataSource#expire}
         * calls).
         */
        public Builder retentionEvery(Duration every) {
            Objects.requireNonNull(every, "retentionEvery cannot be null");
            if (every.isNegative()) {
                throw new IllegalArgumentException("retentionEvery must not be negative but was " + every);
            }
            this.retentionEvery = every;
            return this;
        }

        /** Rows one retention batch removes from one shard, each batch its own transaction (default 10,000). */
        public Builder retentionBatch(int rows) {
            if (rows < 1 || rows > 1_000_000) {
                throw new IllegalArgumentException("retentionBatch must be in 1..1000000 but was " + rows);
            }
            this.retentionBatch = rows;
            return this;
        }

        /**
         * Declares a global sequence: it lives on one shard (the {@linkplain #sequenceShard sequence
         * shard}, default the first), its {@code CREATE/ALTER/DROP SEQUENCE} runs there only, and
         * {@code nextval/currval/setval} of it route there, so its values are unique across shards and
         * application JVMs. Calls of sequences that are neither global nor on a default shard are
         * refused. The name is matched like PostgreSQL resolves it (case-folded unless quoted, schema
         * ignored).
         */
        public Builder globalSequence(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("globalSequence cannot be null or blank but was '" + name + "'");
            }
            globalSequences.add(io.strata.router.internal.execute.RouterAccess.sequenceName(name));
            return this;
        }

        /** The shard global sequences live on (default: the first shard). */
        public Builder sequenceShard(String shard) {
            if (shard == null || shard.isBlank()) {
                throw new IllegalArgumentException("sequenceShard cannot be null or blank but was '" + shard + "'");
            }
            this.sequenceShard = shard;
            return this;
        }

        /**
         * The stride of the interleaved sequences behind identity and serial columns of sharded tables
         * (default {@value ShardingDataSource#DEFAULT_IDENTITY_STRIDE}): when the router runs a
         * {@code CREATE TABLE} of a sharded table, shard {@code i} (0-based) gets values {@code i + 1,
         * i + 1 + stride, ...}, so no two shards hand out the same id. Must be at least the number of
         * shards (and leaves room to add shards up to it); 0 leaves the sequences alone (per shard,
         * overlapping).
         */
        public Builder identityStride(int stride) {
            if (stride < 0 || stride > 1 << 20) {
                throw new IllegalArgumentException("identityStride must be in 0..1048576 but was " + stride);
            }
            this.identityStride = stride;
            return this;
        }

        /**
         * The URL this data source reports through {@code DatabaseMetaData.getURL()} (default: the
         * {@code jdbc:strata:} URL it was loaded from, or {@code jdbc:strata:builder:<shard names>}).
         */
        public Builder url(String url) {
            if (url == null || url.isBlank()) {
                throw new IllegalArgumentException("url cannot be null or blank but was '" + url + "'");
            }
            this.url = url;
            return this;
        }

        /** Adds a shard; its name is the replica set's {@link ReplicaSetDataSource#name()}. */
        public Builder shard(ReplicaSetDataSource shard) {
            Objects.requireNonNull(shard, "shard cannot be null");
            return shard(shard.name(), shard);
        }

        /** Adds a shard with any {@link DataSource} (a {@link ReplicaSetDataSource} gives replica reads). */
        public Builder shard(String name, DataSource dataSource) {
            if (name == null || !name.matches("[A-Za-z0-9_-]{1,64}")) {
                throw new IllegalArgumentException("shard name must match [A-Za-z0-9_-]{1,64} but was '" + name + "'");
            }
            Objects.requireNonNull(dataSource, "dataSource cannot be null");
            if (shards.containsKey(name)) {
                throw new IllegalArgumentException("shard '" + name + "' is already added");
            }
            shards.put(name, dataSource);
            return this;
        }

        /**
         * Threads of the executor that runs a statement's shard calls in parallel (default
         * {@link #DEFAULT_EXECUTOR_THREADS}); shared by every connection. When all are busy, a
         * statement's calls run on the caller's thread instead of waiting.
         */
        public Builder executorThreads(int threads) {
            if (threads < 1 || threads > 4096) {
                throw new IllegalArgumentException("executorThreads must be in 1..4096 but was " + threads);
            }
            this.executorThreads = threads;
            return this;
        }

        /**
         * How many shards one statement works on at once (default 0: all it reaches; 1: one after
         * another, as before parallel execution).
         */
        public Builder maxShardsPerStatement(int max) {
            if (max < 0) {
                throw new IllegalArgumentException("maxShardsPerStatement must be >= 0 (0: all) but was " + max);
            }
            this.maxShardsPerStatement = max;
            return this;
        }

        /**
         * How many logical connections may hold a connection to one shard at once, for every shard
         * (default: a {@code HikariDataSource} shard's maximumPoolSize, else
         * {@link #DEFAULT_CONNECTIONS_PER_SHARD}). Keep it at most the shard pool's size (for a
         * {@link ReplicaSetDataSource}, its smallest pool) so statements wait here, in an order that
         * cannot deadlock, rather than in the pool. See {@link #connectionWait}.
         */
        public Builder maxConnectionsPerShard(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxConnectionsPerShard must be >= 1 but was " + max);
            }
            this.maxConnectionsPerShard = max;
            return this;
        }

        /** {@link #maxConnectionsPerShard(int)} for one shard (overrides the all-shards value). */
        public Builder maxConnectionsPerShard(String shard, int max) {
            Objects.requireNonNull(shard, "shard cannot be null");
            if (max < 1) {
                throw new IllegalArgumentException(
                        "maxConnectionsPerShard of shard '" + shard + "' must be >= 1 but was " + max);
            }
            shardConnections.put(shard, max);
            return this;
        }

        /**
         * How long a statement waits for its shards' connections (permits of
         * {@link #maxConnectionsPerShard}) before it fails with SQLState {@code SR010}, nothing sent
         * (default {@link #DEFAULT_CONNECTION_WAIT}).
         */
        public Builder connectionWait(java.time.Duration wait) {
            Objects.requireNonNull(wait, "connectionWait cannot be null");
            if (wait.isNegative()) {
                throw new IllegalArgumentException("connectionWait must be >= 0 but was " + wait);
            }
            this.connectionWait = wait;
            return this;
        }

        /** The number of hash slots for a uniform map (default {@value ShardMap#DEFAULT_SLOTS}). */
        public Builder slots(int slots) {
            if (slots < 1 || slots > 1 << 20) {
                throw new IllegalArgumentException("slots must be in 1..1048576 but was " + slots);
            }
            this.slots = slots;
            return this;
        }

        /** An explicit shard map (its shard names must be the added shards). */
        public Builder shardMap(ShardMap shardMap) {
            this.shardMap = Objects.requireNonNull(shardMap, "shardMap cannot be null");
            return this;
        }

        /** Adds a table rule. */
        public Builder table(TableRule rule) {
            Objects.requireNonNull(rule, "rule cannot be null");
            if (tables.containsKey(rule.table())) {
                throw new IllegalArgumentException("table '" + rule.table() + "' already has a rule");
            }
            tables.put(rule.table(), rule);
            return this;
        }

        /** Tables without a rule live on this shard (default: statements naming them are rejected). */
        public Builder defaultShard(String shard) {
            if (shard == null || shard.isBlank()) {
                throw new IllegalArgumentException("defaultShard cannot be null or blank but was '" + shard + "'");
            }
            this.defaultShard = shard;
            return this;
        }

        /** Whether UPDATE/DELETE without a shard key runs on every shard (default false: rejected). */
        public Builder keylessWritesToAllShards(boolean enabled) {
            this.keylessWritesToAllShards = enabled;
            return this;
        }

        /** What a transaction writing to several shards does (default {@link TransactionPolicy#TWO_PHASE}). */
        public Builder transactionPolicy(TransactionPolicy policy) {
            this.transactionPolicy = Objects.requireNonNull(policy, "transactionPolicy cannot be null");
            return this;
        }

        /**
         * This coordinator's id ({@code [A-Za-z0-9-]{1,64}}), part of every global transaction id
         * (default: the host name). Distinct ids per JVM make logs and {@code pg_prepared_xacts}
         * easier to read, but correctness does not depend on it: the commit decision lives in the
         * shards, and JVMs sharing an id (two on one host) cannot undo each other's commits. At
         * start, recovery resolves this id's in-doubt transactions whatever their age, so a JVM
         * sharing the id may see some of its in-flight commits aborted (SQLState 40001).
         */
        public Builder coordinatorId(String id) {
            if (id == null || !id.matches("[A-Za-z0-9-]{1,64}")) {
                throw new IllegalArgumentException("coordinatorId must match [A-Za-z0-9-]{1,64} but was '" + id + "'");
            }
            this.coordinatorId = id;
            return this;
        }

        /**
         * The coordinator log of a previous Strata version (default
         * {@code ~/.strata/coordinator-<id>.log}). New commits never write it; it is read, when it
         * exists, only to resolve in-doubt transactions left in the old gid format.
         *
         * @deprecated the commit decision now lives in the shards ({@code strata_meta.tx_markers});
         *     keep the option only while old-format prepared transactions may remain
         */
        @Deprecated
        public Builder coordinatorLog(Path file) {
            this.coordinatorLog = Objects.requireNonNull(file, "coordinatorLog cannot be null");
            return this;
        }

        /**
         * How old a prepared transaction of another coordinator must be before background recovery
         * resolves it, and how often that recovery runs (default 30 s). It must exceed the longest
         * time a live coordinator takes between its first PREPARE and its COMMIT PREPARED, or live
         * transactions may be aborted (never half-committed).
         */
        public Builder twoPhaseRecovery(Duration age) {
            Objects.requireNonNull(age, "twoPhaseRecovery cannot be null");
            if (age.toMillis() < 1) {
                throw new IllegalArgumentException("twoPhaseRecovery must be positive but was " + age);
            }
            this.twoPhaseRecovery = age;
            return this;
        }

        /**
         * How long {@code commit()} waits, at most, when a participant's {@code COMMIT PREPARED}
         * fails after every shard prepared (its server restarted, its connection broke), while
         * fresh connections redo it (default 10 s). The transaction is committed either way; the
         * wait is what makes its rows visible on that shard before {@code commit()} returns. Past
         * it, {@code commit()} returns and the shard is finished in the background and by recovery
         * (until then a read there misses the rows). Zero returns at once.
         */
        public Builder twoPhaseFinishWait(Duration wait) {
            Objects.requireNonNull(wait, "twoPhaseFinishWait cannot be null");
            if (wait.isNegative()) {
                throw new IllegalArgumentException("twoPhaseFinishWait cannot be negative but was " + wait);
            }
            this.twoPhaseFinishWait = wait;
            return this;
        }

        /** Maximum cached route plans (default 10,000). */
        public Builder planCacheSize(long size) {
            if (size < 1) {
                throw new IllegalArgumentException("planCacheSize must be at least 1 but was " + size);
            }
            this.planCacheSize = size;
            return this;
        }

        /** Where metrics go (default: none). */
        public Builder meterRegistry(MeterRegistry registry) {
            this.meterRegistry = Objects.requireNonNull(registry, "meterRegistry cannot be null");
            return this;
        }

        /**
         * Where the router's observations go (default {@link ObservationRegistry#NOOP}: none are
         * recorded, and the statement path allocates nothing for them): one
         * {@link RouterObservation#STATEMENT} per logical statement with one
         * {@link RouterObservation#SHARD} child per shard call, so a tracing bridge (Micrometer
         * Tracing, OpenTelemetry) shows where a scattered statement spent its time.
         */
        public Builder observationRegistry(ObservationRegistry registry) {
            this.observationRegistry = Objects.requireNonNull(registry, "observationRegistry cannot be null");
            return this;
        }

        /** Whether {@link ShardingDataSource#close()} closes the shards' data sources (default false). */
        public Builder closeShards(boolean close) {
            this.closeShards = close;
            return this;
        }

        /**
         * Builds and starts: checks every shard and, under two-phase commit, creates
         * {@code strata_meta.tx_markers} on every shard where it is missing and resolves in-doubt
         * transactions from what the shards hold.
         *
         * @throws IllegalStateException when the configuration is inconsistent or a shard cannot
         *     take part (for example {@code max_prepared_transactions = 0} under two-phase commit)
         */
        public ShardingDataSource build() {
            if (shards.isEmpty()) {
                throw new IllegalStateException("at least one shard is required");
            }
            List<String> names = new ArrayList<>(shards.keySet());
            List<DataSource> sources = new ArrayList<>(shards.values());
            ShardMap map = shardMap != null ? shardMap : ShardMap.uniform(names, slots);
            if (!map.shards().equals(names)) {
                throw new IllegalStateException(
                        "the shard map names shards " + map.shards() + " but the added shards are " + names);
            }
            int defaultIndex = -1;
            if (defaultShard != null) {
                defaultIndex = names.indexOf(defaultShard);
                if (defaultIndex < 0) {
                    throw new IllegalStateException(
                            "defaultShard '" + defaultShard + "' is not a shard; shards are " + names);
                }
            }
            for (TableRule rule : tables.values()) {
                if (rule.kind() == TableRule.Kind.SINGLE && !names.contains(rule.shard())) {
                    throw new IllegalStateException("table '" + rule.table() + "' lives on shard '" + rule.shard()
                            + "', which is not a shard; shards are " + names);
                }
                TimeRange time = rule.timeRange();
                if (time != null) {
                    for (String s : time.shards()) {
                        if (!names.contains(s)) {
                            throw new IllegalStateException("time-range table '" + rule.table() + "' cycles over"
                                    + " shard '" + s + "', which is not a shard; shards are " + names);
                        }
                    }
                }
            }
            if (identityStride > 0 && identityStride < names.size()) {
                throw new IllegalStateException("identityStride (" + identityStride + ") must be at least the number"
                        + " of shards (" + names.size() + "), or 0 to leave identity sequences alone");
            }
            int sequenceHome = 0;
            if (sequenceShard != null) {
                sequenceHome = names.indexOf(sequenceShard);
                if (sequenceHome < 0) {
                    throw new IllegalStateException(
                            "sequenceShard '" + sequenceShard + "' is not a shard; shards are " + names);
                }
            }
            MeterRegistry registry = meterRegistry != null ? meterRegistry : new CompositeMeterRegistry();
            MapLease lease = resharding ? startLease(names, sources, map, registry) : null;
            if (lease != null) {
                map = lease.peek().readMap();
            }
            try {
                return build(names, sources, map, defaultIndex, sequenceHome, registry, lease);
            } catch (RuntimeException e) {
                if (lease != null) {
                    lease.close();
                }
                throw e;
            }
        }

        private MapLease startLease(
                List<String> names, List<DataSource> sources, ShardMap map, MeterRegistry registry) {
            int meta = 0;
            if (metadataShard != null) {
                meta = names.indexOf(metadataShard);
                if (meta < 0) {
                    throw new IllegalStateException(
                            "metadataShard '" + metadataShard + "' is not a shard; shards are " + names);
                }
            }
            ShardMap seed = map;
            if (shardMap == null && initialShards != null) {
                for (String s : initialShards) {
                    if (!names.contains(s)) {
                        throw new IllegalStateException(
                                "initialShards names '" + s + "', which is not a shard; shards are " + names);
                    }
                }
                ShardMap over = ShardMap.uniform(initialShards, slots);
                int[] owners = new int[slots];
                for (int s = 0; s < slots; s++) {
                    owners[s] = names.indexOf(over.shards().get(over.shardIndexOfSlot(s)));
                }
                seed = ShardMap.of(names, owners);
            }
            if (mapLease.compareTo(mapRefresh) <= 0) {
                throw new IllegalStateException(
                        "mapLease (" + mapLease + ") must be longer than mapRefresh (" + mapRefresh + ")");
            }
            String member = (coordinatorId != null ? coordinatorId : defaultCoordinatorId()) + "-"
                    + java.util.UUID.randomUUID().toString().substring(0, 8);
            try {
                return MapLease.start(
                        new MapLease.Options(names, meta, member, mapRefresh, mapLease, fenceWait),
                        sources,
                        seed,
                        registry);
            } catch (SQLException e) {
                throw new IllegalStateException(
                        "Strata: online resharding cannot start: the shard map could not be read or seeded on"
                                + " metadata shard '" + names.get(meta) + "': " + e.getMessage(),
                        e);
            }
        }

        private ShardingDataSource build(
                List<String> names,
                List<DataSource> sources,
                ShardMap map,
                int defaultIndex,
                int sequenceHome,
                MeterRegistry registry,
                @Nullable MapLease lease) {
            RoutingRules rules =
                    new RoutingRules(map, Map.copyOf(tables), defaultIndex, keylessWritesToAllShards, clock);
            Planner planner = io.strata.router.internal.execute.RouterAccess.planner(
                    rules, planCacheSize, globalSequences, sequenceHome, defaultIndex);
            for (String shard : shardConnections.keySet()) {
                if (!names.contains(shard)) {
                    throw new IllegalStateException("maxConnectionsPerShard names shard '" + shard
                            + "', which is not a shard; shards are " + names);
                }
            }
            RouterMetrics metrics = new RouterMetrics(registry, names, planner.cache());
            int[] perShard = new int[names.size()];
            for (int i = 0; i < perShard.length; i++) {
                Integer own = shardConnections.get(names.get(i));
                perShard[i] = own != null
                        ? own
                        : maxConnectionsPerShard > 0 ? maxConnectionsPerShard : poolSize(sources.get(i));
            }
            ShardCalls calls = new ShardCalls(
                    executorThreads, maxShardsPerStatement == 0 ? names.size() : maxShardsPerStatement, registry);
            ShardPermits permits = new ShardPermits(names, perShard, connectionWait, registry);
            TwoPhaseCommit twoPhase = null;
            if (transactionPolicy == TransactionPolicy.TWO_PHASE) {
                checkPreparedTransactions(names, sources);
                String id = coordinatorId != null ? coordinatorId : defaultCoordinatorId();
                Path legacyLog = coordinatorLog != null
                        ? coordinatorLog
                        : Path.of(System.getProperty("user.home"), ".strata", "coordinator-" + id + ".log");
                twoPhase = new TwoPhaseCommit(
                        id,
                        List.copyOf(names),
                        List.copyOf(sources),
                        legacyLog,
                        metrics,
                        calls,
                        TwoPhaseCommit.Settings.defaults()
                                .withRecoveryAge(twoPhaseRecovery)
                                .withFinishWait(twoPhaseFinishWait));
            }
            String reported = url != null ? url : Driver.PREFIX + "builder:" + String.join(",", names);
            Router router = new Router(
                    names,
                    sources,
                    rules,
                    planner,
                    transactionPolicy,
                    twoPhase,
                    metrics,
                    reported,
                    identityStride,
                    sequenceHome,
                    calls,
                    permits,
                    new Tracing(observationRegistry, names),
                    lease);
            Retention retention =
                    new Retention(names, sources, tables.values(), clock, retentionBatch, retentionEvery, registry);
            ShardingDataSource ds =
                    new ShardingDataSource(router, map, closeShards ? sources : List.of(), twoPhase, retention);
            if (twoPhase != null) {
                try {
                    twoPhase.start(); // creates strata_meta.tx_markers, recovers, starts the background work
                } catch (IllegalStateException e) {
                    ds.close();
                    throw e;
                } catch (SQLException e) {
                    ds.close();
                    throw new IllegalStateException(
                            "Strata: recovery of in-doubt two-phase transactions failed: " + e.getMessage(), e);
                }
            }
            return ds;
        }

        /** A HikariCP pool's maximum size, else {@link #DEFAULT_CONNECTIONS_PER_SHARD}. */
        private static int poolSize(DataSource ds) {
            if (ds instanceof com.zaxxer.hikari.HikariDataSource h) {
                return h.getMaximumPoolSize();
            }
            return DEFAULT_CONNECTIONS_PER_SHARD;
        }

        private static String defaultCoordinatorId() {
            String host;
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (Exception e) {
                host = "localhost";
            }
            String id = host.replaceAll("[^A-Za-z0-9-]", "-").toLowerCase(Locale.ROOT);
            return id.length() > 64 ? id.substring(0, 64) : id;
        }

        private static void checkPreparedTransactions(List<String> names, List<DataSource> sources) {
            List<String> problems = new ArrayList<>();
            for (int s = 0; s < sources.size(); s++) {
                try (Connection c = sources.get(s).getConnection();
                        Statement st = c.createStatement();
                        ResultSet rs = st.executeQuery("SHOW max_prepared_transactions")) {
                    rs.next();
                    if (Integer.parseInt(rs.getString(1).trim()) == 0) {
                        problems.add("shard '" + names.get(s) + "' has max_prepared_transactions = 0");
                    }
                } catch (SQLException e) {
                    problems.add("shard '" + names.get(s) + "' cannot be reached: " + e.getMessage());
                }
            }
            if (!problems.isEmpty()) {
                throw new IllegalStateException("Strata: two-phase commit (TransactionPolicy.TWO_PHASE) cannot start: "
                        + String.join("; ", problems) + ". Set max_prepared_transactions > 0 in postgresql.conf"
                        + " (a restart is needed) on every shard, or use TransactionPolicy.REJECT.");
            }
        }
    }
}
