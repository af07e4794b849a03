package io.strata.boot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code strata.*}: Strata configured from Spring properties, as an alternative to
 * {@code spring.datasource.url=jdbc:strata:<yaml>}. The shard and table settings mirror the router's
 * YAML (router README) and are checked by the same code, so an error names the property
 * ({@code strata.shards[1].primary: must be a jdbc:postgresql: URL ...}).
 *
 * <pre>
 * strata.shards[0].name=shard0
 * strata.shards[0].primary=jdbc:postgresql://db0:5432/app
 * strata.shards[0].replicas[0]=jdbc:postgresql://db0-r1:5432/app
 * strata.shards[0].username=app
 * strata.shards[0].password=${DB_PASSWORD}
 * strata.tables.customers.sharded=id
 * strata.tables.customers.type=bigint
 * strata.consistency=read_your_writes
 * </pre>
 */
@ConfigurationProperties("strata")
public class StrataProperties {

    /** Whether the starter builds the application's DataSource (from jdbc:strata: or strata.shards). */
    private boolean enabled = true;

    /** The shards, in slot-map order (the order decides which slots each shard owns). */
    private List<Shard> shards = new ArrayList<>();

    /** Table rules by table name. */
    private Map<String, Table> tables = new LinkedHashMap<>();

    /** Number of hash slots (default 4096). */
    private @Nullable Integer slots;

    /** Default read consistency: eventual, read_your_writes, strong or bounded_staleness(2s). */
    private @Nullable String consistency;

    /** Shard that tables without a rule live on (default: statements naming them are rejected). */
    private @Nullable String defaultShard;

    /** What UPDATE/DELETE without a shard key do: reject (default) or all-shards. */
    private @Nullable String keylessWrites;

    /** Global sequences (their nextval/currval/setval route to the sequence shard). */
    private List<String> globalSequences = new ArrayList<>();

    /** Transactions that write to several shards. */
    private final Transactions transactions = new Transactions();

    /** Actuator health rules. */
    private final Health health = new Health();

    /** Read-your-writes across requests (a consistency token carried per user). */
    private final ConsistencyTokenSettings consistencyToken = new ConsistencyTokenSettings();

    /** Tiered caches for Spring's @Cacheable. */
    private final Cache cache = new Cache();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public List<Shard> getShards() {
        return shards;
    }

    public void setShards(List<Shard> shards) {
        this.shards = shards;
    }

    public Map<String, Table> getTables() {
        return tables;
    }

    public void setTables(Map<String, Table> tables) {
        this.tables = tables;
    }

    public @Nullable Integer getSlots() {
        return slots;
    }

    public void setSlots(@Nullable Integer slots) {
        this.slots = slots;
    }

    public @Nullable String getConsistency() {
        return consistency;
    }

    public void setConsistency(@Nullable String consistency) {
        this.consistency = consistency;
    }

    public @Nullable String getDefaultShard() {
        return defaultShard;
    }

    public void setDefaultShard(@Nullable String defaultShard) {
        this.defaultShard = defaultShard;
    }

    public @Nullable String getKeylessWrites() {
        return keylessWrites;
    }

    public void setKeylessWrites(@Nullable String keylessWrites) {
        this.keylessWrites = keylessWrites;
    }

    public List<String> getGlobalSequences() {
        return globalSequences;
    }

    public void setGlobalSequences(List<String> globalSequences) {
        this.globalSequences = globalSequences;
    }

    public Transactions getTransactions() {
        return transactions;
    }

    public Health getHealth() {
        return health;
    }

    public ConsistencyTokenSettings getConsistencyToken() {
        return consistencyToken;
    }

    public Cache getCache() {
        return cache;
    }

    /** One shard: a primary and its streaming replicas. */
    public static class Shard {
        /** Shard name ([A-Za-z0-9_-], its key in consistency tokens). */
        private @Nullable String name;
        /** The primary's jdbc:postgresql: URL. */
        private @Nullable String primary;
        /** The replicas' jdbc:postgresql: URLs. */
        private List<String> replicas = new ArrayList<>();

        private @Nullable String username;
        private @Nullable String password;
        /** Replicas lagging more than this are not read. */
        private @Nullable Duration maxLag;
        /** round-robin, least-connections, lowest-lag, weighted-random or health-weighted. */
        private @Nullable String readStrategy;
        /** When no replica qualifies: primary (default, rate-limited) or fail. */
        private @Nullable String noReplicaPolicy;
        /** HikariCP settings of every node's pool. */
        private final Pool pool = new Pool();

        public @Nullable String getName() {
            return name;
        }

        public void setName(@Nullable String name) {
            this.name = name;
        }

        public @Nullable String getPrimary() {
            return primary;
        }

        public void setPrimary(@Nullable String primary) {
            this.primary = primary;
        }

        public List<String> getReplicas() {
            return replicas;
        }

        public void setReplicas(List<String> replicas) {
            this.replicas = replicas;
        }

        public @Nullable String getUsername() {
            return username;
        }

        public void setUsername(@Nullable String username) {
            this.username = username;
        }

        public @Nullable String getPassword() {
            return password;
        }

        public void setPassword(@Nullable String password) {
            this.password = password;
        }

        public @Nullable Duration getMaxLag() {
            return maxLag;
        }

        public void setMaxLag(@Nullable Duration maxLag) {
            this.maxLag = maxLag;
        }

        public @Nullable String getReadStrategy() {
            return readStrategy;
        }

        public void setReadStrategy(@Nullable String readStrategy) {
            this.readStrategy = readStrategy;
        }

        public @Nullable String getNoReplicaPolicy() {
            return noReplicaPolicy;
        }

        public void setNoReplicaPolicy(@Nullable String noReplicaPolicy) {
            this.noReplicaPolicy = noReplicaPolicy;
        }

        public Pool getPool() {
            return pool;
        }
    }

    /** HikariCP settings of one shard's pools. */
    public static class Pool {
        private @Nullable Integer maximumPoolSize;
        private @Nullable Integer minimumIdle;
        private @Nullable Duration connectionTimeout;
        private @Nullable Duration idleTimeout;
        private @Nullable Duration maxLifetime;

        public @Nullable Integer getMaximumPoolSize() {
            return maximumPoolSize;
        }

        public void setMaximumPoolSize(@Nullable Integer maximumPoolSize) {
            this.maximumPoolSize = maximumPoolSize;
        }

        public @Nullable Integer getMinimumIdle() {
            return minimumIdle;
        }

        public void setMinimumIdle(@Nullable Integer minimumIdle) {
            this.minimumIdle = minimumIdle;
        }

        public @Nullable Duration getConnectionTimeout() {
            return connectionTimeout;
        }

        public void setConnectionTimeout(@Nullable Duration connectionTimeout) {
            this.connectionTimeout = connectionTimeout;
        }

        public @Nullable Duration getIdleTimeout() {
            return idleTimeout;
        }

        public void setIdleTimeout(@Nullable Duration idleTimeout) {
            this.idleTimeout = idleTimeout;
        }

        public @Nullable Duration getMaxLifetime() {
            return maxLifetime;
        }

        public void setMaxLifetime(@Nullable Duration maxLifetime) {
            this.maxLifetime = maxLifetime;
        }
    }

    /** A table rule: sharded (column + type), broadcast, or single (on one shard). */
    public static class Table {
        /** The shard-key column of a sharded table. */
        private @Nullable String sharded;
        /** The key's type: bigint, integer, smallint, text, varchar or uuid. */
        private @Nullable String type;
        /** A column whose ids carry the key's slot (router README, ids). */
        private @Nullable String slotId;
        /** A full copy on every shard. */
        private boolean broadcast;
        /** The one shard the table lives on. */
        private @Nullable String single;

        public @Nullable String getSharded() {
            return sharded;
        }

        public void setSharded(@Nullable String sharded) {
            this.sharded = sharded;
        }

        public @Nullable String getType() {
            return type;
        }

        public void setType(@Nullable String type) {
            this.type = type;
        }

        public @Nullable String getSlotId() {
            return slotId;
        }

        public void setSlotId(@Nullable String slotId) {
            this.slotId = slotId;
        }

        public boolean isBroadcast() {
            return broadcast;
        }

        public void setBroadcast(boolean broadcast) {
            this.broadcast = broadcast;
        }

        public @Nullable String getSingle() {
            return single;
        }

        public void setSingle(@Nullable String single) {
            this.single = single;
        }
    }

    /** Transactions that write to several shards. */
    public static class Transactions {
        /** two-phase (default) or reject. */
        private @Nullable String policy;
        /** This JVM's coordinator id (distinct per JVM; default: the host name). */
        private @Nullable String coordinatorId;
        /**
         * Deprecated: the coordinator log file of a Strata version before commit markers, read only to
         * resolve the in-doubt transactions it decided. Two-phase commit keeps no local log now.
         */
        private @Nullable String log;

        public @Nullable String getPolicy() {
            return policy;
        }

        public void setPolicy(@Nullable String policy) {
            this.policy = policy;
        }

        public @Nullable String getCoordinatorId() {
            return coordinatorId;
        }

        public void setCoordinatorId(@Nullable String coordinatorId) {
            this.coordinatorId = coordinatorId;
        }

        public @Nullable String getLog() {
            return log;
        }

        public void setLog(@Nullable String log) {
            this.log = log;
        }
    }

    /** How Strata's Actuator health degrades (see the starter README, "Health rules"). */
    public static class Health {
        /** Status of a shard none of whose replicas can serve reads (reads fall back to the primary). */
        private String replicasDownStatus = "OUT_OF_SERVICE";
        /** Status of a cache one of whose tiers has its circuit open (a miss there, not an error). */
        private String tierOpenStatus = "OUT_OF_SERVICE";
        /** A replica lagging more than this counts as unable to serve reads (default: lag is only shown). */
        private @Nullable Duration maxLag;
        /** Status of a cache whose write-behind queue is deeper than writeBehindDepthLimit. */
        private String writeBehindBacklogStatus = "OUT_OF_SERVICE";
        /** Write-behind depth above which the cache is reported with writeBehindBacklogStatus. */
        private long writeBehindDepthLimit = 10_000;

        public String getReplicasDownStatus() {
            return replicasDownStatus;
        }

        public void setReplicasDownStatus(String replicasDownStatus) {
            this.replicasDownStatus = replicasDownStatus;
        }

        public String getTierOpenStatus() {
            return tierOpenStatus;
        }

        public void setTierOpenStatus(String tierOpenStatus) {
            this.tierOpenStatus = tierOpenStatus;
        }

        public @Nullable Duration getMaxLag() {
            return maxLag;
        }

        public void setMaxLag(@Nullable Duration maxLag) {
            this.maxLag = maxLag;
        }

        public String getWriteBehindBacklogStatus() {
            return writeBehindBacklogStatus;
        }

        public void setWriteBehindBacklogStatus(String writeBehindBacklogStatus) {
            this.writeBehindBacklogStatus = writeBehindBacklogStatus;
        }

        public long getWriteBehindDepthLimit() {
            return writeBehindDepthLimit;
        }

        public void setWriteBehindDepthLimit(long writeBehindDepthLimit) {
            this.writeBehindDepthLimit = writeBehindDepthLimit;
        }
    }

    /** Read-your-writes across requests: where the consistency token travels. */
    public static class ConsistencyTokenSettings {
        /** Whether tokens are captured at commit and applied to the next connection of the same user. */
        private boolean enabled = true;
        /** HTTP header read from requests and written to responses (and sent by the client interceptor). */
        private String header = "Strata-Consistency-Token";
        /** Cookie name, or empty for none. */
        private String cookie = "";
        /** Whether the token is also kept in the HTTP session (only for requests that have one). */
        private boolean session;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public String getHeader() {
            return header;
        }

        public void setHeader(String header) {
            this.header = header;
        }

        public String getCookie() {
            return cookie;
        }

        public void setCookie(String cookie) {
            this.cookie = cookie;
        }

        public boolean isSession() {
            return session;
        }

        public void setSession(boolean session) {
            this.session = session;
        }
    }

    /** Tiered caches for Spring's {@code @Cacheable}, by cache name. */
    public static class Cache {
        /** Redis URI for caches with a redis tier (or define a UnifiedJedis bean). */
        private @Nullable String redisUri;
        /** The caches, by name. */
        private Map<String, CacheSpec> caches = new LinkedHashMap<>();

        public @Nullable String getRedisUri() {
            return redisUri;
        }

        public void setRedisUri(@Nullable String redisUri) {
            this.redisUri = redisUri;
        }

        public Map<String, CacheSpec> getCaches() {
            return caches;
        }

        public void setCaches(Map<String, CacheSpec> caches) {
            this.caches = caches;
        }
    }

    /** One tiered cache. */
    public static class CacheSpec {
        /** Tiers, nearest first: local, hazelcast, redis. */
        private List<String> tiers = new ArrayList<>(List.of("local"));
        /** Key class (the cached method's key: its one argument, or a @Cacheable key expression). */
        private Class<?> keyType = String.class;
        /** Value class (JSON in the remote tiers). */
        private Class<?> valueType = Object.class;
        /** Local tier's maximum entries. */
        private long maximumSize = 10_000;
        /** Time to live in every tier. */
        private Duration expireAfterWrite = Duration.ofMinutes(10);
        /** How long a remote tier may take before its answer counts as a miss. */
        private Duration tierTimeout = Duration.ofMillis(500);

        public List<String> getTiers() {
            return tiers;
        }

        public void setTiers(List<String> tiers) {
            this.tiers = tiers;
        }

        public Class<?> getKeyType() {
            return keyType;
        }

        public void setKeyType(Class<?> keyType) {
            this.keyType = keyType;
        }

        public Class<?> getValueType() {
            return valueType;
        }

        public void setValueType(Class<?> valueType) {
            this.valueType = valueType;
        }

        public long getMaximumSize() {
            return maximumSize;
        }

        public void setMaximumSize(long maximumSize) {
            this.maximumSize = maximumSize;
        }

        public Duration getExpireAfterWrite() {
            return expireAfterWrite;
        }

        public void setExpireAfterWrite(Duration expireAfterWrite) {
            this.expireAfterWrite = expireAfterWrite;
        }

        public Duration getTierTimeout() {
            return tierTimeout;
        }

        public void setTierTimeout(Duration tierTimeout) {
            this.tierTimeout = tierTimeout;
        }
    }
}
