package io.strata.router.reshard;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.strata.router.ShardMap;
import io.strata.router.TableRule;
import io.strata.router.internal.config.YamlConfig;
import io.strata.router.internal.reshard.Mover;
import io.strata.router.internal.reshard.MoverSettings;
import io.strata.router.internal.reshard.MoverTables;
import io.strata.router.internal.reshard.ShardEndpoint;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Online resharding, the mover's side: plans slot moves and drives them through copy, catch-up,
 * verify, cutover and clean-up while the application's members keep running (they need
 * {@code resharding.enabled}; see the router README, "Online resharding").
 *
 * <pre>{@code
 * Resharding r = Resharding.fromYaml("/etc/app/strata.yaml", registry);   // the app's own YAML
 * MovePlan plan = r.planAddShards("grow1", List.of("shard2", "shard3"));
 * r.start(plan);                                       // publications + subscriptions: copy begins
 * r.awaitCatchUp("grow1", Duration.ofHours(1));
 * r.verify("grow1");                                   // chunked checksums of both sides
 * r.cutover("grow1");                                  // fence, drain, switch, clean-up
 * }</pre>
 *
 * <p>Every phase is journaled in {@code strata_meta.moves} on the metadata shard; after a crash,
 * {@link #resume()} rolls a move forward (after its switch) or continues it (before). Failures and
 * rejections are {@link SQLException}s with SQLState {@code SR023}.
 */
public final class Resharding {

    private final Mover mover;

    private Resharding(Mover mover) {
        this.mover = mover;
    }

    /** A new builder (for data sources configured in code). */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A mover for the shards, tables and resharding settings of an application's YAML file (a path,
     * or {@code classpath:resource}; {@code ${ENV}} placeholders resolved as the application does).
     * Meters go to {@code registry}.
     *
     * @throws SQLException (22023) listing every configuration error
     */
    public static Resharding fromYaml(String location, MeterRegistry registry) throws SQLException {
        Objects.requireNonNull(location, "location cannot be null");
        Objects.requireNonNull(registry, "registry cannot be null");
        YamlConfig.MoverView view = YamlConfig.load(location).moverView();
        Builder b = builder().slots(view.slots()).meterRegistry(registry);
        for (String[] s : view.shards()) {
            b.shard(s[0], s[1], s[2], s[3]);
        }
        view.tables().forEach(b::table);
        b.metadataShard(
                view.metadataShard() != null
                        ? view.metadataShard()
                        : view.shards().get(0)[0]);
        return b.build();
    }

    /** Plans "add shards": each new shard (owning no slot yet) takes half of the slots of one current owner. */
    public MovePlan planAddShards(String planId, List<String> newShards) throws SQLException {
        return mover.planAddShards(planId, newShards);
    }

    /** Journals the plan and starts every move's copy; returns once the copies are under way. */
    public void start(MovePlan plan) throws SQLException {
        mover.start(plan);
    }

    /** Waits until every move of the plan has copied its rows and caught up with its source. */
    public void awaitCatchUp(String planId, Duration timeout) throws SQLException {
        mover.awaitCatchUp(planId, timeout);
    }

    /** Compares both sides of every caught-up move, chunk by chunk (resumable). */
    public void verify(String planId) throws SQLException {
        mover.verify(planId);
    }

    /**
     * Cuts every verified move over (a write pause on its moving slots only) and cleans up. A
     * cutover whose drain exceeds {@code cutoverDeadline} is rolled back (writes resume on the
     * source) and reported with SR023; run it again or {@link #abort}.
     */
    public void cutover(String planId) throws SQLException {
        mover.cutover(planId);
    }

    /** Aborts every move of the plan that has not switched yet (switched moves are finished instead). */
    public void abort(String planId) throws SQLException {
        mover.abort(planId);
    }

    /** After a crash of a mover: continues or rolls forward every unfinished move in the journal. */
    public void resume() throws SQLException {
        mover.resume();
    }

    /** start (unless journaled), resume, catch-up, verify, cutover. */
    public void run(MovePlan plan, Duration catchUpTimeout) throws SQLException {
        mover.run(plan, catchUpTimeout);
    }

    /** Every move in the journal with its phase, progress (rows, rate, lag, ETA) and last error. */
    public List<MoveStatus> status() throws SQLException {
        return mover.status();
    }

    /** Builds a {@link Resharding}; each setter checks its argument. */
    public static final class Builder {
        private final Map<String, ShardEndpoint> shards = new LinkedHashMap<>();
        private final List<TableRule> tables = new ArrayList<>();
        private int slots = ShardMap.DEFAULT_SLOTS;
        private @Nullable String metadataShard;
        private Duration cutoverDeadline = Duration.ofSeconds(2);
        private Duration lease = Duration.ofSeconds(5);
        private Duration maxClockSkew = Duration.ofSeconds(1);
        private int verifyChunks = 4;
        private MeterRegistry registry = new CompositeMeterRegistry();

        private Builder() {}

        /** A shard's primary: a {@code jdbc:postgresql://host:port/db} URL and credentials (nullable). */
        public Builder shard(String name, String jdbcUrl, @Nullable String user, @Nullable String password) {
            shards.put(name, new ShardEndpoint(name, jdbcUrl, user, password));
            return this;
        }

        /** A table rule, as the application declares it (sharded tables move, broadcast ones are copied). */
        public Builder table(TableRule rule) {
            tables.add(Objects.requireNonNull(rule, "rule cannot be null"));
            return this;
        }

        /** The map's slot count (default 4096). */
        public Builder slots(int slots) {
            if (slots < 1) {
                throw new IllegalArgumentException("slots must be positive but was " + slots);
            }
            this.slots = slots;
            return this;
        }

        /** The metadata shard (default: the first shard). */
        public Builder metadataShard(String shard) {
            this.metadataShard = Objects.requireNonNull(shard, "metadataShard cannot be null");
            return this;
        }

        /** How long a cutover may keep the moving slots fenced while draining (default 2 s). */
        public Builder cutoverDeadline(Duration deadline) {
            this.cutoverDeadline = positive(deadline, "cutoverDeadline");
            return this;
        }

        /** The members' map lease (default 5 s, as {@code resharding.lease}). */
        public Builder lease(Duration lease) {
            this.lease = positive(lease, "lease");
            return this;
        }

        /** Added to the lease when waiting out silent members at a switch (default 1 s). */
        public Builder maxClockSkew(Duration skew) {
            Objects.requireNonNull(skew, "maxClockSkew cannot be null");
            if (skew.isNegative()) {
                throw new IllegalArgumentException("maxClockSkew cannot be negative but was " + skew);
            }
            this.maxClockSkew = skew;
            return this;
        }

        /** Chunks per move for verify (default 4). */
        public Builder verifyChunks(int chunks) {
            if (chunks < 1) {
                throw new IllegalArgumentException("verifyChunks must be at least 1 but was " + chunks);
            }
            this.verifyChunks = chunks;
            return this;
        }

        /** Where the mover's meters go (default none). */
        public Builder meterRegistry(MeterRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry cannot be null");
            return this;
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name + " cannot be null");
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive but was " + d);
            }
            return d;
        }

        /** The mover. */
        public Resharding build() {
            if (shards.isEmpty()) {
                throw new IllegalStateException("Resharding needs at least one shard");
            }
            String meta = metadataShard != null
                    ? metadataShard
                    : shards.keySet().iterator().next();
            MoverSettings defaults = MoverSettings.defaults(slots, meta);
            MoverSettings settings = new MoverSettings(
                    slots,
                    meta,
                    cutoverDeadline,
                    lease,
                    maxClockSkew,
                    defaults.poll(),
                    verifyChunks,
                    defaults.deleteBatch(),
                    true);
            return new Resharding(new Mover(shards, MoverTables.of(tables), settings, registry, (id, phase) -> {}));
        }
    }
}
