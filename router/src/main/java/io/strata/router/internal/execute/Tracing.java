package io.strata.router.internal.execute;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.strata.replication.ReplicaSetConnection;
import io.strata.router.RouterObservation;
import io.strata.router.internal.plan.Plan;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;

/**
 * The router's {@link RouterObservation}s. With {@link ObservationRegistry#NOOP} (the default) or a
 * registry without handlers, {@link #statement} returns null and nothing is created, so the
 * statement path allocates nothing for tracing. The parent of a shard call is passed explicitly
 * (shard calls run on executor threads, where the caller's thread-local current observation is
 * not set).
 */
public final class Tracing {

    /** Tracing off. */
    public static final Tracing OFF = new Tracing(ObservationRegistry.NOOP, List.of());

    private static final String STATEMENT = RouterObservation.STATEMENT.getName();
    private static final String SHARD = RouterObservation.SHARD.getName();
    private static final String KIND = RouterObservation.Keys.KIND.asString();
    private static final String ROUTE = RouterObservation.Keys.ROUTE.asString();
    private static final String SHARD_KEY = RouterObservation.Keys.SHARD.asString();
    private static final String NODE = RouterObservation.Keys.NODE.asString();
    private static final String OUTCOME = RouterObservation.Keys.OUTCOME.asString();
    private static final String SQL = RouterObservation.Keys.SQL.asString();

    private final ObservationRegistry registry;
    private final List<String> shardNames;

    public Tracing(ObservationRegistry registry, List<String> shardNames) {
        this.registry = registry;
        this.shardNames = List.copyOf(shardNames);
    }

    /** Whether observations are recorded now (a registry given, with at least one handler). */
    public boolean enabled() {
        return !registry.isNoop();
    }

    /**
     * Starts the observation of one logical statement ({@code batch}: an executeBatch), or returns
     * null when tracing is off. The caller opens its scope, ends it with {@link #end} and passes it
     * as the parent of the statement's shard calls.
     */
    public Observation statement(Plan plan, boolean batch) {
        if (registry.isNoop()) {
            return null;
        }
        String kind = batch ? "batch" : kind(plan);
        return Observation.createNotStarted(STATEMENT, registry)
                .contextualName("strata " + kind)
                .lowCardinalityKeyValue(KIND, kind)
                .lowCardinalityKeyValue(ROUTE, plan.kind().name().toLowerCase(Locale.ROOT))
                .highCardinalityKeyValue(SQL, plan.sql())
                .start();
    }

    /** Ends an observation: its outcome, and the failure if there was one. */
    public static void end(Observation observation, Throwable failure) {
        if (failure != null) {
            observation.lowCardinalityKeyValue(OUTCOME, "error");
            observation.error(failure);
        } else {
            observation.lowCardinalityKeyValue(OUTCOME, "success");
        }
        observation.stop();
    }

    /** A shard call's body. */
    @FunctionalInterface
    public interface Body {
        void run() throws SQLException;
    }

    /**
     * Runs {@code body} (one physical call on {@code shard}) as a child of {@code parent}, on the
     * current thread, whichever it is; {@code replicaSet} (may be null) tells which node served it.
     */
    void shard(
            Observation parent,
            Plan plan,
            boolean batch,
            int shard,
            String sql,
            ReplicaSetConnection replicaSet,
            Body body)
            throws SQLException {
        Observation child = Observation.createNotStarted(SHARD, registry)
                .parentObservation(parent)
                .contextualName("strata shard " + shardNames.get(shard))
                .lowCardinalityKeyValue(KIND, batch ? "batch" : kind(plan))
                .lowCardinalityKeyValue(SHARD_KEY, shardNames.get(shard))
                .highCardinalityKeyValue(SQL, sql)
                .start();
        Throwable failure = null;
        try (Observation.Scope scope = child.openScope()) {
            body.run();
        } catch (SQLException | RuntimeException | Error e) {
            failure = e;
            throw e;
        } finally {
            String node = replicaSet == null ? null : replicaSet.lastNode().orElse(null);
            child.lowCardinalityKeyValue(NODE, node == null ? "unknown" : node);
            end(child, failure);
        }
    }

    private static String kind(Plan plan) {
        return plan.isSession() ? "session" : plan.isWrite() ? "write" : "read";
    }
}
