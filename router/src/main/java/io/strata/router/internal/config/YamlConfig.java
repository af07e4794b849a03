package io.strata.router.internal.config;

import io.strata.replication.Consistency;
import io.strata.replication.ReplicaSetDataSource;
import io.strata.replication.ReplicaSetDataSourceBuilder;
import io.strata.router.KeyType;
import io.strata.router.ShardingDataSource;
import io.strata.router.TableRule;
import io.strata.router.TimeRange;
import io.strata.router.TransactionPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads the router's YAML configuration. Every problem is collected with its path in the file
 * ({@code shards[1].primary: required}) and reported at once; nothing is clamped or guessed.
 *
 * <pre>
 * shards:
 *   - name: shard0
 *     primary: jdbc:postgresql://db0:5432/app
 *     replicas: [jdbc:postgresql://db0r:5432/app]
 *     username: app
 *     password: secret
 *     pool: { maximumPoolSize: 20, minimumIdle: 2, connectionTimeout: 5s }
 *     maxLag: 1s
 * slots: 4096
 * tables:
 *   users: { sharded: id, type: bigint }
 *   countries: broadcast
 *   settings: { single: shard0 }
 *   audit_logs: { timeRange: created_at, type: timestamptz, interval: month, retention: 90d }
 * retention: { every: 1h, batch: 10000 }   # background removal of expired intervals
 * unknownTables: reject            # or: { defaultShard: shard0 }
 * keylessWrites: reject            # or: all-shards
 * transactions: { policy: two-phase, coordinatorId: app-1, recovery: 30s, finishWait: 10s }  # log: legacy gids only
 * consistency: eventual            # eventual | read_your_writes | strong | bounded_staleness(2s)
 * planCacheSize: 10000
 * globalSequences: [orders_seq]    # live on sequenceShard; nextval/currval/setval route there
 * sequenceShard: shard0            # default: the first shard
 * identityStride: 64               # interleaved identity/serial sequences; 0: off
 * execution: { threads: 16, maxShardsPerStatement: 0, maxConnectionsPerShard: 10, connectionWait: 30s }
 * resharding: { enabled: true, metadataShard: shard0, initialShards: [shard0, shard1],
 *               refresh: 250ms, lease: 5s, fenceWait: 5s }   # default: off
 * </pre>
 */
public final class YamlConfig {

    private static final Set<String> TOP = Set.of(
            "shards",
            "slots",
            "tables",
            "unknownTables",
            "keylessWrites",
            "transactions",
            "consistency",
            "planCacheSize",
            "globalSequences",
            "sequenceShard",
            "identityStride",
            "execution",
            "retention",
            "resharding");
    private static final Set<String> SHARD = Set.of(
            "name", "primary", "replicas", "username", "password", "pool", "maxLag", "readStrategy", "noReplicaPolicy");
    private static final Set<String> POOL =
            Set.of("maximumPoolSize", "minimumIdle", "connectionTimeout", "idleTimeout", "maxLifetime");

    private final List<String> errors = new ArrayList<>();
    private final List<String[]> moverShards = new ArrayList<>();
    private final List<TableRule> moverTables = new ArrayList<>();
    private int moverSlots = io.strata.router.ShardMap.DEFAULT_SLOTS;
    private @Nullable String moverMetadataShard;
    /** Per shard name: its pool.maximumPoolSize when the file gives one (the default maxConnectionsPerShard). */
    private final Map<String, Integer> poolSizes = new java.util.LinkedHashMap<>();

    private final Set<String> unresolved = new java.util.HashSet<>();
    private final String origin;

    private YamlConfig(String origin) {
        this.origin = origin;
    }

    /**
     * What the slot mover needs of a configuration (online resharding): each shard's primary URL
     * and credentials ({@code [name, url, username, password]}, nulls where not given), the table
     * rules, the slot count and the metadata shard (null: the first shard).
     */
    public record MoverView(
            List<String[]> shards,
            List<TableRule> tables,
            int slots,
            @Nullable String metadataShard) {}

    /** A loaded, validated configuration ready to build. */
    public static final class Loaded {
        private final ShardingDataSource.Builder builder;
        private final List<ReplicaSetDataSourceBuilder> shards;
        private final MoverView moverView;

        Loaded(ShardingDataSource.Builder builder, List<ReplicaSetDataSourceBuilder> shards, MoverView moverView) {
            this.builder = builder;
            this.shards = shards;
            this.moverView = moverView;
        }

        /** The configuration as the slot mover reads it. */
        public MoverView moverView() {
            return moverView;
        }

        /** Sends the router's observations to {@code registry} (see the router README, Tracing). */
        public Loaded observationRegistry(io.micrometer.observation.ObservationRegistry registry) {
            builder.observationRegistry(registry);
            return this;
        }

        /** Starts the shards' replica sets and the router; on failure closes what it started. */
        public ShardingDataSource build() throws SQLException {
            return build(null);
        }

        /**
         * As {@link #build()}, reporting the router's and every shard's meters to {@code registry}
         * (no metrics when null).
         */
        public ShardingDataSource build(io.micrometer.core.instrument.MeterRegistry registry) throws SQLException {
            if (registry != null) {
                builder.meterRegistry(registry);
                shards.forEach(b -> b.meterRegistry(registry));
            }
            List<ReplicaSetDataSource> started = new ArrayList<>();
            try {
                for (ReplicaSetDataSourceBuilder b : shards) {
                    ReplicaSetDataSource ds = b.build();
                    started.add(ds);
                    builder.shard(ds);
                }
                builder.closeShards(true);
                return builder.build();
            } catch (RuntimeException e) {
                for (ReplicaSetDataSource ds : started) {
                    ds.close();
                }
                throw new SQLException("Strata: cannot start: " + e.getMessage(), "08001", e);
            }
        }
    }

    /** Loads {@code location}: a file path, or {@code classpath:resource}. */
    public static Loaded load(String location) throws SQLException {
        String text;
        try {
            if (location.startsWith("classpath:")) {
                String resource = location.substring("classpath:".length());
                resource = resource.startsWith("/") ? resource.substring(1) : resource;
                ClassLoader cl = Thread.currentThread().getContextClassLoader();
                if (cl == null) {
                    cl = YamlConfig.class.getClassLoader();
                }
                try (InputStream in = cl.getResourceAsStream(resource)) {
                    if (in == null) {
                        throw new SQLException(
                                "Strata: configuration resource '" + resource + "' is not on the class path", "22023");
                    }
                    text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            } else {
                text = Files.readString(Path.of(location));
            }
        } catch (IOException e) {
            throw new SQLException("Strata: cannot read configuration " + location + ": " + e, "22023", e);
        }
        Loaded loaded = parse(text, location);
        loaded.builder.url(io.strata.router.Driver.PREFIX + location);
        return loaded;
    }

    /**
     * Parses YAML text; {@code origin} names it in error messages. {@code ${NAME}} and
     * {@code ${NAME:default}} in any text value are replaced by the environment variable
     * {@code NAME} (see {@link #parse(String, String, Function)}).
     */
    public static Loaded parse(String text, String origin) throws SQLException {
        return parse(text, origin, System::getenv);
    }

    /**
     * Parses YAML text, replacing {@code ${NAME}} and {@code ${NAME:default}} in every text value by
     * {@code env.apply(NAME)} (the default when it answers null; {@code $${} stands for a literal
     * {@code ${}). A variable that is neither set nor defaulted is a configuration error reported
     * with its path, like every other. A value that is one placeholder and resolves to a whole
     * number is read as that number, so {@code maximumPoolSize: ${POOL_SIZE:20}} works.
     */
    public static Loaded parse(String text, String origin, Function<String, String> env) throws SQLException {
        YamlConfig config = new YamlConfig(origin);
        Object root;
        try {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
        } catch (YAMLException e) {
            throw new SQLException(
                    "Strata: configuration " + origin + " is not valid YAML: " + e.getMessage(), "22023", e);
        }
        root = config.substitute(root, "", env);
        Loaded loaded = config.read(root);
        if (!config.errors.isEmpty()) {
            throw new SQLException(
                    "Strata: configuration " + origin + " has " + config.errors.size() + " error"
                            + (config.errors.size() == 1 ? "" : "s") + ":\n  " + String.join("\n  ", config.errors),
                    "22023");
        }
        return loaded;
    }

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$(\\$?)\\{([^}:]*)(?::([^}]*))?}");
    private static final Pattern WHOLE_NUMBER = Pattern.compile("0|-?[1-9][0-9]{0,9}");

    // Replaces ${NAME} / ${NAME:default} in every text value of the tree, keys left alone.
    private Object substitute(Object node, String path, Function<String, String> env) {
        if (node instanceof Map<?, ?> m) {
            Map<Object, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                String key = String.valueOf(e.getKey());
                out.put(e.getKey(), substitute(e.getValue(), path.isEmpty() ? key : path + "." + key, env));
            }
            return out;
        }
        if (node instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            for (int i = 0; i < list.size(); i++) {
                out.add(substitute(list.get(i), path + "[" + i + "]", env));
            }
            return out;
        }
        if (!(node instanceof String text) || !text.contains("${")) {
            return node;
        }
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder();
        boolean whole = false;
        boolean failed = false;
        while (m.find()) {
            String replacement;
            if (!m.group(1).isEmpty()) {
                replacement = m.group().substring(1); // $${X} is the literal ${X}
            } else {
                String name = m.group(2);
                if (!name.matches("[A-Za-z_][A-Za-z0-9_.]*")) {
                    error(path.isEmpty() ? "(root)" : path, "'${" + name + "}' is not a valid variable name");
                    failed = true;
                    continue;
                }
                String value = env.apply(name);
                if (value == null) {
                    value = m.group(3);
                }
                if (value == null) {
                    error(
                            path.isEmpty() ? "(root)" : path,
                            "environment variable '" + name + "' is not set (set it, or give a default: ${" + name
                                    + ":default})");
                    failed = true;
                    continue;
                }
                replacement = value;
                whole = m.start() == 0 && m.end() == text.length();
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        if (failed) {
            unresolved.add(path);
            return null; // reported; later checks of this path stay silent
        }
        String result = out.toString();
        if (whole && WHOLE_NUMBER.matcher(result).matches()) {
            long n = Long.parseLong(result);
            if (n >= Integer.MIN_VALUE && n <= Integer.MAX_VALUE) {
                return (int) n;
            }
        }
        return result;
    }

    private void error(String path, String message) {
        if (unresolved.contains(path)) {
            return; // a value that could not be substituted was reported once, with its cause
        }
        errors.add(path + ": " + message);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> map(Object value, String path) {
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                out.put(String.valueOf(e.getKey()), e.getValue());
            }
            return out;
        }
        error(path, "must be a mapping but was " + describe(value));
        return null;
    }

    private void unknownKeys(Map<String, Object> m, Set<String> allowed, String path) {
        for (String k : m.keySet()) {
            if (!allowed.contains(k)) {
                error(
                        path.isEmpty() ? k : path + "." + k,
                        "unknown key (allowed: " + new java.util.TreeSet<>(allowed) + ")");
            }
        }
    }

    private static String describe(Object v) {
        return v == null ? "empty" : v instanceof String s ? "'" + s + "'" : v.toString();
    }

    private String string(Object v, String path, boolean required) {
        if (v == null) {
            if (required) {
                error(path, "required");
            }
            return null;
        }
        if (v instanceof Map || v instanceof List) {
            error(path, "must be a text value but was " + v);
            return null;
        }
        return String.valueOf(v);
    }

    private Integer integer(Object v, String path, int min, int max) {
        if (v == null) {
            return null;
        }
        if (!(v instanceof Integer i)) {
            error(path, "must be a whole number but was " + describe(v));
            return null;
        }
        if (i < min || i > max) {
            error(path, "must be in " + min + ".." + max + " but was " + i);
            return null;
        }
        return i;
    }

    private Duration duration(Object v, String path) {
        if (v == null) {
            return null;
        }
        String t = String.valueOf(v).trim().toLowerCase(Locale.ROOT);
        try {
            Duration d;
            if (t.endsWith("ms")) {
                d = Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            } else if (t.endsWith("s")) {
                d = Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
            } else if (t.endsWith("m")) {
                d = Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
            } else {
                d = Duration.parse(String.valueOf(v));
            }
            if (d.isNegative() || d.isZero()) {
                error(path, "must be positive but was " + describe(v));
                return null;
            }
            return d;
        } catch (RuntimeException e) {
            error(path, "must be a duration like 500ms, 2s, 1m but was " + describe(v));
            return null;
        }
    }

    private Loaded read(Object root) {
        ShardingDataSource.Builder builder = ShardingDataSource.builder();
        List<ReplicaSetDataSourceBuilder> shardBuilders = new ArrayList<>();
        if (root == null) {
            error("(root)", "the file is empty; at least 'shards' is required");
            return new Loaded(
                    builder,
                    shardBuilders,
                    new MoverView(List.copyOf(moverShards), List.copyOf(moverTables), moverSlots, moverMetadataShard));
        }
        Map<String, Object> top = map(root, "(root)");
        if (top == null) {
            return new Loaded(
                    builder,
                    shardBuilders,
                    new MoverView(List.copyOf(moverShards), List.copyOf(moverTables), moverSlots, moverMetadataShard));
        }
        unknownKeys(top, TOP, "");
        Consistency consistency = null;
        if (top.get("consistency") != null) {
            try {
                consistency = Consistency.parse(String.valueOf(top.get("consistency")));
            } catch (IllegalArgumentException e) {
                error("consistency", e.getMessage());
            }
        }
        Set<String> shardNames = new LinkedHashSet<>();
        Object shards = top.get("shards");
        if (shards == null) {
            error("shards", "required: a list of shards, each with a name and a primary");
        } else if (!(shards instanceof List<?> list) || list.isEmpty()) {
            error("shards", "must be a non-empty list but was " + describe(shards));
        } else {
            for (int i = 0; i < list.size(); i++) {
                ReplicaSetDataSourceBuilder b = shard(list.get(i), "shards[" + i + "]", shardNames, consistency);
                if (b != null) {
                    shardBuilders.add(b);
                }
            }
        }
        Integer slots = integer(top.get("slots"), "slots", 1, 1 << 20);
        if (slots != null) {
            if (slots < shardNames.size()) {
                error("slots", "must be at least the number of shards (" + shardNames.size() + ") but was " + slots);
            } else {
                builder.slots(slots);
                moverSlots = slots;
            }
        }
        if (top.get("tables") != null) {
            Map<String, Object> tables = map(top.get("tables"), "tables");
            if (tables != null) {
                for (Map.Entry<String, Object> e : tables.entrySet()) {
                    TableRule rule = table(e.getKey(), e.getValue(), "tables." + e.getKey(), shardNames);
                    if (rule != null) {
                        builder.table(rule);
                        moverTables.add(rule);
                    }
                }
            }
        }
        Object unknown = top.get("unknownTables");
        if (unknown != null) {
            if (unknown instanceof Map<?, ?>) {
                Map<String, Object> m = map(unknown, "unknownTables");
                unknownKeys(m, Set.of("defaultShard"), "unknownTables");
                String shard = string(m.get("defaultShard"), "unknownTables.defaultShard", true);
                if (shard != null) {
                    if (!shardNames.contains(shard)) {
                        error(
                                "unknownTables.defaultShard",
                                "must name a shard " + shardNames + " but was '" + shard + "'");
                    } else {
                        builder.defaultShard(shard);
                    }
                }
            } else if (!"reject".equals(unknown)) {
                error("unknownTables", "must be 'reject' or { defaultShard: <shard> } but was " + describe(unknown));
            }
        }
        Object keyless = top.get("keylessWrites");
        if (keyless != null) {
            if ("all-shards".equals(keyless)) {
                builder.keylessWritesToAllShards(true);
            } else if (!"reject".equals(keyless)) {
                error("keylessWrites", "must be 'reject' or 'all-shards' but was " + describe(keyless));
            }
        }
        if (top.get("transactions") != null) {
            Map<String, Object> tx = map(top.get("transactions"), "transactions");
            if (tx != null) {
                unknownKeys(tx, Set.of("policy", "coordinatorId", "log", "recovery", "finishWait"), "transactions");
                Object policy = tx.get("policy");
                if (policy != null) {
                    if ("two-phase".equals(policy)) {
                        builder.transactionPolicy(TransactionPolicy.TWO_PHASE);
                    } else if ("reject".equals(policy)) {
                        builder.transactionPolicy(TransactionPolicy.REJECT);
                    } else {
                        error("transactions.policy", "must be 'two-phase' or 'reject' but was " + describe(policy));
                    }
                }
                String id = string(tx.get("coordinatorId"), "transactions.coordinatorId", false);
                if (id != null) {
                    try {
                        builder.coordinatorId(id);
                    } catch (IllegalArgumentException e) {
                        error("transactions.coordinatorId", e.getMessage());
                    }
                }
                String log = string(tx.get("log"), "transactions.log", false);
                if (log != null) {
                    @SuppressWarnings("deprecation") // kept to resolve old-format gids only
                    ShardingDataSource.Builder unused = builder.coordinatorLog(Path.of(log));
                }
                Duration recovery = duration(tx.get("recovery"), "transactions.recovery");
                if (recovery != null) {
                    builder.twoPhaseRecovery(recovery);
                }
                Duration finishWait = duration(tx.get("finishWait"), "transactions.finishWait");
                if (finishWait != null) {
                    builder.twoPhaseFinishWait(finishWait);
                }
            }
        }
        Integer cache = integer(top.get("planCacheSize"), "planCacheSize", 1, Integer.MAX_VALUE);
        if (cache != null) {
            builder.planCacheSize(cache);
        }
        sequences(top, shardNames, builder);
        execution(top, builder);
        retention(top, builder);
        resharding(top, shardNames, builder);
        return new Loaded(
                builder,
                shardBuilders,
                new MoverView(List.copyOf(moverShards), List.copyOf(moverTables), moverSlots, moverMetadataShard));
    }

    /** The {@code execution} section: parallel shard calls and connection permits. */
    private void execution(Map<String, Object> top, ShardingDataSource.Builder builder) {
        Integer perShard = null;
        if (top.get("execution") != null) {
            Map<String, Object> ex = map(top.get("execution"), "execution");
            if (ex != null) {
                unknownKeys(
                        ex,
                        Set.of("threads", "maxShardsPerStatement", "maxConnectionsPerShard", "connectionWait"),
                        "execution");
                Integer threads = integer(ex.get("threads"), "execution.threads", 1, 4096);
                if (threads != null) {
                    builder.executorThreads(threads);
                }
                Integer perStatement =
                        integer(ex.get("maxShardsPerStatement"), "execution.maxShardsPerStatement", 0, 1 << 20);
                if (perStatement != null) {
                    builder.maxShardsPerStatement(perStatement);
                }
                perShard = integer(ex.get("maxConnectionsPerShard"), "execution.maxConnectionsPerShard", 1, 10_000);
                if (perShard != null) {
                    builder.maxConnectionsPerShard(perShard);
                }
                Duration wait = duration(ex.get("connectionWait"), "execution.connectionWait");
                if (wait != null) {
                    builder.connectionWait(wait);
                }
            }
        }
        if (perShard == null) {
            poolSizes.forEach(builder::maxConnectionsPerShard);
        }
    }

    /** The {@code resharding} section: the versioned shard map of online resharding (default off). */
    private void resharding(Map<String, Object> top, Set<String> shardNames, ShardingDataSource.Builder builder) {
        if (top.get("resharding") == null) {
            return;
        }
        Map<String, Object> m = map(top.get("resharding"), "resharding");
        if (m == null) {
            return;
        }
        unknownKeys(
                m, Set.of("enabled", "metadataShard", "initialShards", "refresh", "lease", "fenceWait"), "resharding");
        Object enabled = m.get("enabled");
        if (enabled != null && !(enabled instanceof Boolean)) {
            error("resharding.enabled", "must be true or false but was " + describe(enabled));
        } else {
            builder.resharding(Boolean.TRUE.equals(enabled));
        }
        String meta = string(m.get("metadataShard"), "resharding.metadataShard", false);
        if (meta != null) {
            if (!shardNames.contains(meta)) {
                error("resharding.metadataShard", "must name a shard " + shardNames + " but was '" + meta + "'");
            } else {
                builder.metadataShard(meta);
                moverMetadataShard = meta;
            }
        }
        Object initial = m.get("initialShards");
        if (initial != null) {
            if (!(initial instanceof List<?> list) || list.isEmpty()) {
                error(
                        "resharding.initialShards",
                        "must be a non-empty list of shard names but was " + describe(initial));
            } else {
                List<String> names = new ArrayList<>();
                boolean ok = true;
                for (int i = 0; i < list.size(); i++) {
                    String n = String.valueOf(list.get(i));
                    if (!shardNames.contains(n)) {
                        error(
                                "resharding.initialShards[" + i + "]",
                                "must name a shard " + shardNames + " but was '" + n + "'");
                        ok = false;
                    } else if (names.contains(n)) {
                        error("resharding.initialShards[" + i + "]", "names '" + n + "' twice");
                        ok = false;
                    }
                    names.add(n);
                }
                if (ok) {
                    builder.initialShards(names);
                }
            }
        }
        Duration refresh = duration(m.get("refresh"), "resharding.refresh");
        Duration lease = duration(m.get("lease"), "resharding.lease");
        Duration fenceWait = duration(m.get("fenceWait"), "resharding.fenceWait");
        try {
            if (refresh != null) {
                builder.mapRefresh(refresh);
            }
        } catch (IllegalArgumentException e) {
            error("resharding.refresh", e.getMessage());
        }
        try {
            if (lease != null) {
                builder.mapLease(lease);
            }
        } catch (IllegalArgumentException e) {
            error("resharding.lease", e.getMessage());
        }
        try {
            if (fenceWait != null) {
                builder.fenceWait(fenceWait);
            }
        } catch (IllegalArgumentException e) {
            error("resharding.fenceWait", e.getMessage());
        }
    }

    private void retention(Map<String, Object> top, ShardingDataSource.Builder builder) {
        if (top.get("retention") == null) {
            return;
        }
        Map<String, Object> m = map(top.get("retention"), "retention");
        if (m == null) {
            return;
        }
        unknownKeys(m, Set.of("every", "batch"), "retention");
        Object every = m.get("every");
        if (every != null) {
            // YAML 1.1 reads an unquoted off as false.
            if (Boolean.FALSE.equals(every)
                    || "off".equals(String.valueOf(every))
                    || "0".equals(String.valueOf(every))) {
                builder.retentionEvery(Duration.ZERO);
            } else {
                Duration d = period(every, "retention.every");
                if (d != null) {
                    builder.retentionEvery(d);
                }
            }
        }
        Integer batch = integer(m.get("batch"), "retention.batch", 1, 1_000_000);
        if (batch != null) {
            builder.retentionBatch(batch);
        }
    }

    /** A positive period: {@code 90d}, {@code 12h}, {@code 30m}, {@code 45s} or ISO-8601 ({@code P90D}). */
    private Duration period(Object v, String path) {
        String t = String.valueOf(v).trim().toLowerCase(Locale.ROOT);
        try {
            Duration d;
            if (t.matches("\\d+d")) {
                d = Duration.ofDays(Long.parseLong(t.substring(0, t.length() - 1)));
            } else if (t.matches("\\d+h")) {
                d = Duration.ofHours(Long.parseLong(t.substring(0, t.length() - 1)));
            } else if (t.matches("\\d+m")) {
                d = Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
            } else if (t.matches("\\d+s")) {
                d = Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
            } else {
                d = Duration.parse(String.valueOf(v).trim().toUpperCase(Locale.ROOT));
            }
            if (d.isNegative() || d.isZero()) {
                error(path, "must be positive but was " + describe(v));
                return null;
            }
            return d;
        } catch (RuntimeException e) {
            error(path, "must be a period like 90d, 12h, 30m or P90D but was " + describe(v));
            return null;
        }
    }

    private static final Set<String> TIME_RANGE =
            Set.of("timeRange", "type", "interval", "retention", "zone", "epoch", "shards");

    private TableRule timeRange(String name, Map<String, Object> m, String path, Set<String> shards) {
        unknownKeys(m, TIME_RANGE, path);
        String column = string(m.get("timeRange"), path + ".timeRange", true);
        String type = string(m.get("type"), path + ".type", true);
        TimeRange.ColumnType columnType = null;
        if (type != null) {
            switch (type.trim().toLowerCase(Locale.ROOT)) {
                case "timestamptz", "timestamp with time zone" -> columnType = TimeRange.ColumnType.TIMESTAMPTZ;
                case "timestamp", "timestamp without time zone" -> columnType = TimeRange.ColumnType.TIMESTAMP;
                case "date" -> columnType = TimeRange.ColumnType.DATE;
                default -> error(path + ".type", "must be timestamptz, timestamp or date but was '" + type + "'");
            }
        }
        String intervalText = string(m.get("interval"), path + ".interval", true);
        TimeRange.Interval interval = null;
        if (intervalText != null) {
            switch (intervalText.trim().toLowerCase(Locale.ROOT)) {
                case "hour" -> interval = TimeRange.Interval.HOUR;
                case "day" -> interval = TimeRange.Interval.DAY;
                case "week" -> interval = TimeRange.Interval.WEEK;
                case "month" -> interval = TimeRange.Interval.MONTH;
                default -> error(path + ".interval", "must be hour, day, week or month but was '" + intervalText + "'");
            }
        }
        if (columnType == TimeRange.ColumnType.DATE && interval == TimeRange.Interval.HOUR) {
            error(path + ".interval", "must be day, week or month for a date column but was 'hour'");
            interval = null;
        }
        boolean ok = column != null && columnType != null && interval != null;
        java.time.ZoneId zone = null;
        String zoneText = string(m.get("zone"), path + ".zone", false);
        if (zoneText != null) {
            try {
                zone = java.time.ZoneId.of(zoneText.trim());
            } catch (RuntimeException e) {
                error(
                        path + ".zone",
                        "must be a time zone such as UTC, +02:00 or Europe/Paris but was '" + zoneText + "'");
                ok = false;
            }
        }
        java.time.LocalDateTime epoch = null;
        Object epochValue = m.get("epoch");
        if (epochValue instanceof java.util.Date d) {
            // YAML reads an unquoted 2026-01-01 as a timestamp at UTC midnight.
            epoch = java.time.LocalDateTime.ofInstant(d.toInstant(), java.time.ZoneOffset.UTC);
        } else if (epochValue != null) {
            String e = String.valueOf(epochValue).trim();
            try {
                epoch = e.length() == 10
                        ? java.time.LocalDate.parse(e).atStartOfDay()
                        : java.time.LocalDateTime.parse(e.replace(' ', 'T'));
            } catch (RuntimeException ex) {
                error(
                        path + ".epoch",
                        "must be a date or date-time such as 2026-01-01 or 2026-01-01T00:00 but was "
                                + describe(epochValue));
                ok = false;
            }
        }
        List<String> cycle = null;
        Object shardList = m.get("shards");
        if (shardList != null) {
            if (!(shardList instanceof List<?> list) || list.isEmpty()) {
                error(path + ".shards", "must be a non-empty list of shard names but was " + describe(shardList));
                ok = false;
            } else {
                cycle = new ArrayList<>();
                for (int i = 0; i < list.size(); i++) {
                    String s = string(list.get(i), path + ".shards[" + i + "]", true);
                    if (s != null && !shards.contains(s)) {
                        error(path + ".shards[" + i + "]", "must name a shard " + shards + " but was '" + s + "'");
                        ok = false;
                    } else if (s != null) {
                        cycle.add(s);
                    } else {
                        ok = false;
                    }
                }
            }
        }
        Duration retention = null;
        if (m.get("retention") != null) {
            retention = period(m.get("retention"), path + ".retention");
            ok &= retention != null;
        }
        if (!ok) {
            return null;
        }
        TableRule rule = TableRule.timeRange(name, column, columnType, interval);
        if (zone != null) {
            rule = rule.withZone(zone);
        }
        if (epoch != null) {
            rule = rule.withEpoch(epoch);
        }
        if (cycle != null) {
            rule = rule.withShards(cycle);
        }
        if (retention != null) {
            rule = rule.withRetention(retention);
        }
        return rule;
    }

    private void sequences(Map<String, Object> top, Set<String> shardNames, ShardingDataSource.Builder builder) {
        Object global = top.get("globalSequences");
        if (global != null) {
            if (global instanceof List<?> names) {
                for (int i = 0; i < names.size(); i++) {
                    String name = string(names.get(i), "globalSequences[" + i + "]", true);
                    if (name != null) {
                        builder.globalSequence(name);
                    }
                }
            } else {
                error("globalSequences", "must be a list of sequence names but was " + describe(global));
            }
        }
        String home = string(top.get("sequenceShard"), "sequenceShard", false);
        if (home != null) {
            if (!shardNames.contains(home)) {
                error("sequenceShard", "must name a shard " + shardNames + " but was '" + home + "'");
            } else {
                builder.sequenceShard(home);
            }
        }
        Integer stride = integer(top.get("identityStride"), "identityStride", 0, 1 << 20);
        if (stride != null) {
            if (stride > 0 && stride < shardNames.size()) {
                error(
                        "identityStride",
                        "must be 0 or at least the number of shards (" + shardNames.size() + ") but was " + stride);
            } else {
                builder.identityStride(stride);
            }
        }
    }

    private ReplicaSetDataSourceBuilder shard(Object value, String path, Set<String> names, Consistency consistency) {
        Map<String, Object> m = map(value, path);
        if (m == null) {
            return null;
        }
        unknownKeys(m, SHARD, path);
        ReplicaSetDataSourceBuilder b = ReplicaSetDataSource.builder();
        boolean ok = true;
        String name = string(m.get("name"), path + ".name", true);
        if (name != null) {
            if (!name.matches("[A-Za-z0-9_-]{1,64}")) {
                error(path + ".name", "must match [A-Za-z0-9_-]{1,64} but was '" + name + "'");
                ok = false;
            } else if (!names.add(name)) {
                error(path + ".name", "duplicate shard name '" + name + "'");
                ok = false;
            } else {
                b.name(name);
            }
        } else {
            ok = false;
        }
        String primary = string(m.get("primary"), path + ".primary", true);
        if (primary != null && !primary.startsWith("jdbc:postgresql:")) {
            error(path + ".primary", "must be a jdbc:postgresql: URL but was '" + primary + "'");
            ok = false;
        } else if (primary != null) {
            b.primary(primary);
        } else {
            ok = false;
        }
        Object replicas = m.get("replicas");
        if (replicas != null) {
            if (!(replicas instanceof List<?> list)) {
                error(path + ".replicas", "must be a list of jdbc:postgresql: URLs but was " + describe(replicas));
                ok = false;
            } else {
                for (int i = 0; i < list.size(); i++) {
                    String url = string(list.get(i), path + ".replicas[" + i + "]", true);
                    if (url != null && !url.startsWith("jdbc:postgresql:")) {
                        error(path + ".replicas[" + i + "]", "must be a jdbc:postgresql: URL but was '" + url + "'");
                        ok = false;
                    } else if (url != null) {
                        b.replica(url);
                    }
                }
            }
        }
        String user = string(m.get("username"), path + ".username", false);
        if (user != null) {
            b.username(user);
        }
        Object password = m.get("password");
        if (password != null) {
            b.password(String.valueOf(password));
        }
        if (name != null && primary != null) {
            moverShards.add(new String[] {name, primary, user, password == null ? null : String.valueOf(password)});
        }
        Duration maxLag = duration(m.get("maxLag"), path + ".maxLag");
        if (maxLag != null) {
            b.maxLag(maxLag);
        }
        String strategy = string(m.get("readStrategy"), path + ".readStrategy", false);
        if (strategy != null) {
            try {
                b.readStrategy(strategy);
            } catch (IllegalArgumentException e) {
                error(path + ".readStrategy", e.getMessage());
            }
        }
        String noReplica = string(m.get("noReplicaPolicy"), path + ".noReplicaPolicy", false);
        if (noReplica != null) {
            try {
                b.noReplicaPolicy(io.strata.replication.NoReplicaPolicy.valueOf(noReplica.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                error(path + ".noReplicaPolicy", "must be 'primary' or 'fail' but was '" + noReplica + "'");
            }
        }
        if (m.get("pool") != null) {
            Map<String, Object> pool = map(m.get("pool"), path + ".pool");
            if (pool != null) {
                unknownKeys(pool, POOL, path + ".pool");
                Integer max = integer(pool.get("maximumPoolSize"), path + ".pool.maximumPoolSize", 1, 10_000);
                Integer min = integer(pool.get("minimumIdle"), path + ".pool.minimumIdle", 0, 10_000);
                Duration timeout = duration(pool.get("connectionTimeout"), path + ".pool.connectionTimeout");
                Duration idle = duration(pool.get("idleTimeout"), path + ".pool.idleTimeout");
                Duration life = duration(pool.get("maxLifetime"), path + ".pool.maxLifetime");
                if (max != null && name != null) {
                    poolSizes.put(name, max);
                }
                if (max != null && min != null && min > max) {
                    error(path + ".pool.minimumIdle", "must not exceed maximumPoolSize (" + max + ") but was " + min);
                }
                Consumer<com.zaxxer.hikari.HikariConfig> customizer = c -> {
                    if (max != null) {
                        c.setMaximumPoolSize(max);
                    }
                    if (min != null) {
                        c.setMinimumIdle(min);
                    }
                    if (timeout != null) {
                        c.setConnectionTimeout(timeout.toMillis());
                    }
                    if (idle != null) {
                        c.setIdleTimeout(idle.toMillis());
                    }
                    if (life != null) {
                        c.setMaxLifetime(life.toMillis());
                    }
                };
                b.primaryPool(customizer);
                b.replicaPool(customizer);
            }
        }
        if (consistency != null) {
            b.consistency(consistency);
        }
        return ok ? b : null;
    }

    private TableRule table(String name, Object value, String path, Set<String> shards) {
        if ("broadcast".equals(value)) {
            return TableRule.broadcast(name);
        }
        if (!(value instanceof Map<?, ?>)) {
            error(
                    path,
                    "must be 'broadcast', { sharded: <column>, type: bigint|text|uuid }, { single: <shard> } or"
                            + " { timeRange: <column>, type: timestamptz|timestamp|date, interval: hour|day|week|month }"
                            + " but was " + describe(value));
            return null;
        }
        Map<String, Object> m = map(value, path);
        if (m.containsKey("timeRange")) {
            return timeRange(name, m, path, shards);
        }
        if (m.containsKey("sharded")) {
            unknownKeys(m, Set.of("sharded", "type", "slotId"), path);
            String column = string(m.get("sharded"), path + ".sharded", true);
            String type = string(m.get("type"), path + ".type", true);
            KeyType keyType = null;
            if (type != null) {
                switch (type.toLowerCase(Locale.ROOT)) {
                    case "bigint", "int8", "integer", "int", "int4", "smallint", "int2", "long" ->
                        keyType = KeyType.LONG;
                    case "text", "varchar", "character varying" -> keyType = KeyType.TEXT;
                    case "uuid" -> keyType = KeyType.UUID;
                    default ->
                        error(
                                path + ".type",
                                "must be bigint, integer, smallint, text, varchar or uuid but was '" + type + "'");
                }
            }
            if (column == null || keyType == null) {
                return null;
            }
            TableRule rule = TableRule.sharded(name, column, keyType);
            String slotId = string(m.get("slotId"), path + ".slotId", false);
            if (slotId != null) {
                try {
                    rule = rule.withSlotId(slotId);
                } catch (IllegalArgumentException e) {
                    error(path + ".slotId", e.getMessage());
                }
            }
            return rule;
        }
        if (m.containsKey("single")) {
            unknownKeys(m, Set.of("single"), path);
            String shard = string(m.get("single"), path + ".single", true);
            if (shard != null && !shards.contains(shard)) {
                error(path + ".single", "must name a shard " + shards + " but was '" + shard + "'");
                return null;
            }
            return shard == null ? null : TableRule.single(name, shard);
        }
        error(
                path,
                "must be 'broadcast', { sharded: <column>, type: ... }, { single: <shard> } or { timeRange: <column>, ... }");
        return null;
    }
}
